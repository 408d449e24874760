-- Rooms exist once someone has logged in to or joined them.
CREATE TABLE rooms (
    name       TEXT PRIMARY KEY NOT NULL,
    created_at TEXT NOT NULL
);

-- AUTOINCREMENT: ids are never reused, so a room's order is strictly id order
-- even after deletions.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    room         TEXT NOT NULL REFERENCES rooms (name),
    username     TEXT NOT NULL,
    content      TEXT,
    image        TEXT,
    content_type TEXT NOT NULL CHECK (content_type IN ('text', 'image')),
    client_id    TEXT,
    created_at   TEXT NOT NULL
);

-- Every history query is a keyset scan on (room, id).
CREATE INDEX messages_room_id ON messages (room, id);

-- Idempotent sends: one message per (room, sender, client_id).
CREATE UNIQUE INDEX messages_client_id ON messages (room, username, client_id)
    WHERE client_id IS NOT NULL;
