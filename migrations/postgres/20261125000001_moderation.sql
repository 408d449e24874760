-- Moderation: edited and deleted messages, staff accounts, mutes and bans.

-- A deleted message keeps its row (its id and place in the room) with no
-- content or image. Each edit or deletion takes the room's next
-- `change_count` as the row's `change_no`, and records in
-- `changed_at_count` how many messages the room had then: a client back
-- from an outage learns every change made since its last message was
-- stored, in the order they were made.
ALTER TABLE rooms ADD COLUMN change_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages
    ADD COLUMN edited_at TIMESTAMPTZ,
    ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN change_no BIGINT,
    ADD COLUMN changed_at_count BIGINT;
CREATE INDEX messages_room_change ON messages (room, changed_at_count) WHERE changed_at_count IS NOT NULL;

-- `name_key` is the name folded for comparison (case and look-alike
-- characters): no one signs in without a password under a staff name.
CREATE TABLE staff (
    username      TEXT PRIMARY KEY,
    name_key      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

-- A mute (in one room) or a ban (`room` empty: everywhere) until a time.
-- Keyed by the folded name, so a case or look-alike variant of the name
-- is under it too.
CREATE TABLE sanctions (
    kind       TEXT NOT NULL CHECK (kind IN ('mute', 'ban')),
    room       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    username   TEXT NOT NULL,
    until      TIMESTAMPTZ NOT NULL,
    issued_by  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, room, name_key)
);
