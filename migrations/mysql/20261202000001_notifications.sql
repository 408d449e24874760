-- Push notifications: who joined which room, the devices that take pushes,
-- and the pushes waiting to be sent.

-- Everyone who has joined a room at least once: its messages are pushed to
-- their devices while they are away.
CREATE TABLE room_members (
    room      VARCHAR(32) NOT NULL,
    username  VARCHAR(32) NOT NULL,
    joined_at DATETIME(3) NOT NULL,
    PRIMARY KEY (room, username),
    INDEX room_members_username (username)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A device that takes pushes: an FCM registration token (`address` is the
-- token) or a browser's Web Push subscription (`address` is its endpoint,
-- with its keys). `address_key` is a digest of the kind and address, so
-- one device is saved once whatever its length. `window_start` (Unix ms)
-- and `window_sent` count its pushes in the current minute.
CREATE TABLE push_devices (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    username     VARCHAR(32) NOT NULL,
    kind         VARCHAR(8) NOT NULL,
    address_key  CHAR(64) NOT NULL,
    address      TEXT NOT NULL,
    p256dh       VARCHAR(128) NULL,
    auth         VARCHAR(64) NULL,
    created_at   DATETIME(3) NOT NULL,
    window_start BIGINT NOT NULL DEFAULT 0,
    window_sent  BIGINT NOT NULL DEFAULT 0,
    UNIQUE INDEX push_devices_address (address_key),
    INDEX push_devices_username (username, id),
    CONSTRAINT push_devices_kind CHECK (kind IN ('fcm', 'webpush'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- A push waiting to be sent, at most one per device and room: a newer
-- message in the room replaces the payload of one not sent yet. `due_at`
-- (Unix ms) is when it may be sent: now, after a retry's backoff, or
-- after the lease of the node sending it, should that node stop.
CREATE TABLE push_outbox (
    id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    device_id  BIGINT NOT NULL,
    room       VARCHAR(32) NOT NULL,
    message_id BIGINT NOT NULL,
    payload    TEXT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    due_at     BIGINT NOT NULL,
    UNIQUE INDEX push_outbox_device_room (device_id, room),
    INDEX push_outbox_due (due_at),
    CONSTRAINT push_outbox_device FOREIGN KEY (device_id) REFERENCES push_devices (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
