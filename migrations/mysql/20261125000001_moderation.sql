-- Moderation: edited and deleted messages, staff accounts, mutes and bans.

-- A deleted message keeps its row (its id and place in the room) with no
-- content or image. Each edit or deletion takes the room's next
-- `change_count` as the row's `change_no`, and records in
-- `changed_at_count` how many messages the room had then: a client back
-- from an outage learns every change made since its last message was
-- stored, in the order they were made.
ALTER TABLE rooms ADD COLUMN change_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages
    ADD COLUMN edited_at DATETIME(3) NULL,
    ADD COLUMN deleted BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN change_no BIGINT NULL,
    ADD COLUMN changed_at_count BIGINT NULL,
    ADD INDEX messages_room_change (room, changed_at_count);

-- `name_key` is the name folded for comparison (case and look-alike
-- characters): no one signs in without a password under a staff name.
CREATE TABLE staff (
    username      VARCHAR(32) NOT NULL PRIMARY KEY,
    name_key      VARCHAR(255) NOT NULL,
    password_hash VARCHAR(255) NOT NULL,
    created_at    DATETIME(3) NOT NULL,
    updated_at    DATETIME(3) NOT NULL,
    UNIQUE INDEX staff_name_key (name_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A mute (in one room) or a ban (`room` empty: everywhere) until a time.
-- Keyed by the folded name, so a case or look-alike variant of the name
-- is under it too.
CREATE TABLE sanctions (
    kind       VARCHAR(8) NOT NULL,
    room       VARCHAR(32) NOT NULL,
    name_key   VARCHAR(255) NOT NULL,
    username   VARCHAR(32) NOT NULL,
    until      DATETIME(3) NOT NULL,
    issued_by  VARCHAR(32) NOT NULL,
    created_at DATETIME(3) NOT NULL,
    PRIMARY KEY (kind, room, name_key),
    CONSTRAINT sanctions_kind CHECK (kind IN ('mute', 'ban'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
