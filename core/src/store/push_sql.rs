//! The push queries in each dialect: `standard` for SQLite and PostgreSQL
//! (`$n` parameters, `ON CONFLICT`), `mysql` for MySQL and MariaDB.

pub(super) mod standard {
    // `DO UPDATE`, not `DO NOTHING`: only an update locks the row.
    pub(in super::super) const LOCK_OWNER: &str = "INSERT INTO push_owners (username) VALUES ($1)
         ON CONFLICT (username) DO UPDATE SET username = excluded.username";
    pub(in super::super) const DEVICE_OWNER: &str =
        "SELECT username FROM push_devices WHERE address_key = $1";
    pub(in super::super) const ANY_DEVICE: &str = "SELECT id FROM push_devices LIMIT 1";
    // The newest devices come first: the one at `keep` is the newest of
    // those to go.
    pub(in super::super) const NEWEST_DEVICE_AFTER: &str =
        "SELECT id FROM push_devices WHERE username = $1 ORDER BY id DESC LIMIT 1 OFFSET $2";
    pub(in super::super) const TRIM_DEVICES: &str =
        "DELETE FROM push_devices WHERE username = $1 AND id <= $2";
    pub(in super::super) const REMOVE_DEVICE: &str =
        "DELETE FROM push_devices WHERE address_key = $1 AND username = $2";
    pub(in super::super) const DROP_DEVICE_PUSHES: &str =
        "DELETE FROM push_outbox WHERE device_id = $1";
    pub(in super::super) const FORGET_DEVICE: &str = "DELETE FROM push_devices WHERE id = $1";
    pub(in super::super) const MEMBER_DEVICES: &str = "SELECT d.id AS device_id, d.username, d.kind
         FROM room_members m JOIN push_devices d ON d.username = m.username
         WHERE m.room = $1 AND m.username <> $2
         ORDER BY d.id LIMIT $3";
    pub(in super::super) const QUEUE_PUSHES: &str =
        "INSERT INTO push_outbox (device_id, room, message_id, attempts, due_at) ";
    pub(in super::super) const DUE_PUSHES: &str =
        "SELECT o.id, o.device_id, o.room, o.message_id, o.attempts, o.due_at,
                d.username, d.kind, d.address, d.p256dh, d.auth, d.window_start
         FROM push_outbox o JOIN push_devices d ON d.id = o.device_id
         WHERE o.due_at <= $1
         ORDER BY o.due_at LIMIT $2";
    pub(in super::super) const CLAIM_PUSH: &str =
        "UPDATE push_outbox SET due_at = $1 WHERE id = $2 AND due_at = $3";
    // `window_sent` before `window_start`: MySQL assigns left to right,
    // each assignment seeing the ones before it.
    pub(in super::super) const TAKE_PUSH_WINDOW: &str = "UPDATE push_devices
         SET window_sent = CASE WHEN window_start <= $1 THEN 1 ELSE window_sent + 1 END,
             window_start = CASE WHEN window_start <= $2 THEN $3 ELSE window_start END
         WHERE id = $4 AND (window_start <= $5 OR window_sent < $6)";
    pub(in super::super) const PUSH_SENT: &str =
        "DELETE FROM push_outbox WHERE id = $1 AND message_id = $2";
    pub(in super::super) const PUSH_AGAIN: &str =
        "UPDATE push_outbox SET due_at = $1, attempts = 0 WHERE id = $2";
    pub(in super::super) const RESCHEDULE_PUSH: &str =
        "UPDATE push_outbox SET due_at = $1, attempts = $2 WHERE id = $3";
    pub(in super::super) const DROP_PUSH: &str = "DELETE FROM push_outbox WHERE id = $1";
    pub(in super::super) const NEXT_PUSH_DUE: &str = "SELECT MIN(due_at) FROM push_outbox";

    pub(in super::super) const SAVE_DEVICE: &str =
        "INSERT INTO push_devices (username, kind, address_key, address, p256dh, auth, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (address_key) DO UPDATE
         SET username = excluded.username, p256dh = excluded.p256dh, auth = excluded.auth";
    // The newer message wins; the due time stays (a push waiting out a
    // backoff or a full window tells of the newer message when it goes).
    pub(in super::super) const QUEUE_PUSHES_CONFLICT: &str =
        " ON CONFLICT (device_id, room) DO UPDATE
         SET message_id = CASE WHEN excluded.message_id > push_outbox.message_id
                               THEN excluded.message_id ELSE push_outbox.message_id END";
}

pub(super) mod mysql {
    pub(in super::super) const LOCK_OWNER: &str = "INSERT INTO push_owners (username) VALUES (?)
         ON DUPLICATE KEY UPDATE username = VALUES(username)";
    pub(in super::super) const DEVICE_OWNER: &str =
        "SELECT username FROM push_devices WHERE address_key = ?";
    pub(in super::super) const ANY_DEVICE: &str = "SELECT id FROM push_devices LIMIT 1";
    pub(in super::super) const NEWEST_DEVICE_AFTER: &str =
        "SELECT id FROM push_devices WHERE username = ? ORDER BY id DESC LIMIT 1 OFFSET ?";
    pub(in super::super) const TRIM_DEVICES: &str =
        "DELETE FROM push_devices WHERE username = ? AND id <= ?";
    pub(in super::super) const REMOVE_DEVICE: &str =
        "DELETE FROM push_devices WHERE address_key = ? AND username = ?";
    pub(in super::super) const DROP_DEVICE_PUSHES: &str =
        "DELETE FROM push_outbox WHERE device_id = ?";
    pub(in super::super) const FORGET_DEVICE: &str = "DELETE FROM push_devices WHERE id = ?";
    pub(in super::super) const MEMBER_DEVICES: &str = "SELECT d.id AS device_id, d.username, d.kind
         FROM room_members m JOIN push_devices d ON d.username = m.username
         WHERE m.room = ? AND m.username <> ?
         ORDER BY d.id LIMIT ?";
    pub(in super::super) const QUEUE_PUSHES: &str =
        "INSERT INTO push_outbox (device_id, room, message_id, attempts, due_at) ";
    pub(in super::super) const QUEUE_PUSHES_CONFLICT: &str = " ON DUPLICATE KEY UPDATE
         message_id = GREATEST(message_id, VALUES(message_id))";
    pub(in super::super) const DUE_PUSHES: &str =
        "SELECT o.id, o.device_id, o.room, o.message_id, o.attempts, o.due_at,
                d.username, d.kind, d.address, d.p256dh, d.auth, d.window_start
         FROM push_outbox o JOIN push_devices d ON d.id = o.device_id
         WHERE o.due_at <= ?
         ORDER BY o.due_at LIMIT ?";
    pub(in super::super) const CLAIM_PUSH: &str =
        "UPDATE push_outbox SET due_at = ? WHERE id = ? AND due_at = ?";
    pub(in super::super) const TAKE_PUSH_WINDOW: &str = "UPDATE push_devices
         SET window_sent = CASE WHEN window_start <= ? THEN 1 ELSE window_sent + 1 END,
             window_start = CASE WHEN window_start <= ? THEN ? ELSE window_start END
         WHERE id = ? AND (window_start <= ? OR window_sent < ?)";
    pub(in super::super) const PUSH_SENT: &str =
        "DELETE FROM push_outbox WHERE id = ? AND message_id = ?";
    pub(in super::super) const PUSH_AGAIN: &str =
        "UPDATE push_outbox SET due_at = ?, attempts = 0 WHERE id = ?";
    pub(in super::super) const RESCHEDULE_PUSH: &str =
        "UPDATE push_outbox SET due_at = ?, attempts = ? WHERE id = ?";
    pub(in super::super) const DROP_PUSH: &str = "DELETE FROM push_outbox WHERE id = ?";
    pub(in super::super) const NEXT_PUSH_DUE: &str = "SELECT MIN(due_at) FROM push_outbox";
    pub(in super::super) const SAVE_DEVICE: &str =
        "INSERT INTO push_devices (username, kind, address_key, address, p256dh, auth, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE
         username = VALUES(username), p256dh = VALUES(p256dh), auth = VALUES(auth)";
}
