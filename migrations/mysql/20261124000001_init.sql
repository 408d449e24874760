-- MySQL 8 / MariaDB 10.11+. A binary collation everywhere: names compare
-- exactly (`Alice` is not `alice`), as on SQLite and PostgreSQL.

-- Rooms exist once someone has logged in to or joined them. `message_count`
-- is kept in the same transaction as each insert (which locks the room's
-- row, so one room's messages are stored one after another): the API's
-- `count` without a COUNT(*) over the room, and each message's `seq`.
CREATE TABLE rooms (
    name          VARCHAR(32) NOT NULL PRIMARY KEY,
    message_count BIGINT NOT NULL DEFAULT 0,
    created_at    DATETIME(3) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- `id` orders a room. `seq` numbers a room's messages 1, 2, 3, … so a
-- numbered page is a range on (room, seq) instead of an OFFSET scan.
-- Timestamps are UTC (the connection's time zone is +00:00).
CREATE TABLE messages (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    room         VARCHAR(32) NOT NULL,
    seq          BIGINT NOT NULL,
    username     VARCHAR(32) NOT NULL,
    content      MEDIUMTEXT,
    image        VARCHAR(255),
    content_type VARCHAR(8) NOT NULL,
    client_id    VARCHAR(64),
    created_at   DATETIME(3) NOT NULL,
    CONSTRAINT messages_room FOREIGN KEY (room) REFERENCES rooms (name),
    CONSTRAINT messages_content_type CHECK (content_type IN ('text', 'image')),
    -- Every history query is a keyset scan on (room, id).
    INDEX messages_room_id (room, id),
    UNIQUE INDEX messages_room_seq (room, seq),
    -- Idempotent sends: one message per (room, sender, client_id); rows
    -- without a client_id (NULL) never collide.
    UNIQUE INDEX messages_client_id (room, username, client_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
