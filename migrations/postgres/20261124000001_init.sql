-- Rooms exist once someone has logged in to or joined them. `message_count`
-- is kept in the same transaction as each insert (which locks the room's
-- row, so one room's messages are stored one after another): the API's
-- `count` without a COUNT(*) over the room, and each message's `seq`.
CREATE TABLE rooms (
    name          TEXT PRIMARY KEY,
    message_count BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL
);

-- `id` orders a room. `seq` numbers a room's messages 1, 2, 3, … so a
-- numbered page is a range on (room, seq) instead of an OFFSET scan.
CREATE TABLE messages (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room         TEXT NOT NULL REFERENCES rooms (name),
    seq          BIGINT NOT NULL,
    username     TEXT NOT NULL,
    content      TEXT,
    image        TEXT,
    content_type TEXT NOT NULL CHECK (content_type IN ('text', 'image')),
    client_id    TEXT,
    created_at   TIMESTAMPTZ NOT NULL
);

-- Every history query is a keyset scan on (room, id).
CREATE INDEX messages_room_id ON messages (room, id);
CREATE UNIQUE INDEX messages_room_seq ON messages (room, seq);

-- Idempotent sends: one message per (room, sender, client_id).
CREATE UNIQUE INDEX messages_client_id ON messages (room, username, client_id)
    WHERE client_id IS NOT NULL;
