-- Rooms exist once someone has logged in to or joined them. `message_count`
-- is kept in the same transaction as each insert: the API's `count` without
-- a COUNT(*) over the room.
CREATE TABLE rooms (
    name          TEXT PRIMARY KEY NOT NULL,
    message_count INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

-- `id` orders a room (AUTOINCREMENT: never reused, so strictly increasing).
-- `seq` numbers a room's messages 1, 2, 3, … so a numbered page is a range
-- on (room, seq) instead of an OFFSET scan.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    room         TEXT NOT NULL REFERENCES rooms (name),
    seq          INTEGER NOT NULL,
    username     TEXT NOT NULL,
    content      TEXT,
    image        TEXT,
    content_type TEXT NOT NULL CHECK (content_type IN ('text', 'image')),
    client_id    TEXT,
    created_at   TEXT NOT NULL
);

-- Every history query is a keyset scan on (room, id).
CREATE INDEX messages_room_id ON messages (room, id);
CREATE UNIQUE INDEX messages_room_seq ON messages (room, seq);

-- Idempotent sends: one message per (room, sender, client_id).
CREATE UNIQUE INDEX messages_client_id ON messages (room, username, client_id)
    WHERE client_id IS NOT NULL;
