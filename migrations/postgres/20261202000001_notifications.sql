-- Push notifications: who joined which room, the devices that take pushes,
-- and the pushes waiting to be sent.

-- Everyone who has joined a room at least once: its messages are pushed to
-- their devices while they are away.
CREATE TABLE room_members (
    room      TEXT NOT NULL,
    username  TEXT NOT NULL,
    joined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room, username)
);
CREATE INDEX room_members_username ON room_members (username);

-- A device that takes pushes: an FCM registration token (`address` is the
-- token) or a browser's Web Push subscription (`address` is its endpoint,
-- with its keys). `address_key` is a digest of the kind and address, so
-- one device is saved once whatever its length. `window_start` (Unix ms)
-- and `window_sent` count its pushes in the current minute.
CREATE TABLE push_devices (
    id           BIGSERIAL PRIMARY KEY,
    username     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('fcm', 'webpush')),
    address_key  TEXT NOT NULL UNIQUE,
    address      TEXT NOT NULL,
    p256dh       TEXT,
    auth         TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    window_start BIGINT NOT NULL DEFAULT 0,
    window_sent  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX push_devices_username ON push_devices (username, id);

-- A push waiting to be sent, at most one per device and room: a newer
-- message in the room replaces the payload of one not sent yet. `due_at`
-- (Unix ms) is when it may be sent: now, after a retry's backoff, or
-- after the lease of the node sending it, should that node stop.
CREATE TABLE push_outbox (
    id         BIGSERIAL PRIMARY KEY,
    device_id  BIGINT NOT NULL REFERENCES push_devices (id) ON DELETE CASCADE,
    room       TEXT NOT NULL,
    message_id BIGINT NOT NULL,
    payload    TEXT NOT NULL,
    attempts   BIGINT NOT NULL DEFAULT 0,
    due_at     BIGINT NOT NULL,
    UNIQUE (device_id, room)
);
CREATE INDEX push_outbox_due ON push_outbox (due_at);
