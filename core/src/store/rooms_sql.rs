//! The membership, read-marker and private-room queries in each dialect.

use super::dialects::both;

both! {
    ROOM_ACCESS =
        "SELECT r.private, r.message_count, m.username, d.room
         FROM rooms r
         LEFT JOIN room_members m ON m.room = r.name AND m.username = $1
         LEFT JOIN direct_rooms d ON d.room = r.name
         WHERE r.name = $2",
        "SELECT r.private, r.message_count, m.username, d.room
         FROM rooms r
         LEFT JOIN room_members m ON m.room = r.name AND m.username = ?
         LEFT JOIN direct_rooms d ON d.room = r.name
         WHERE r.name = ?";
    CREATE_ROOM =
        "INSERT INTO rooms (name, private, created_at, last_activity) VALUES ($1, $2, $3, $4)",
        "INSERT INTO rooms (name, private, created_at, last_activity) VALUES (?, ?, ?, ?)";
    // A new member has read what the room holds so far (its newest
    // message is the one numbered with the room's count).
    ADD_MEMBER =
        "INSERT INTO room_members (room, username, joined_at, read_up_to, read_seq)
         SELECT $1, $2, $3,
                COALESCE((SELECT x.id FROM messages x
                          WHERE x.room = r.name AND x.seq = r.message_count), 0),
                r.message_count
         FROM rooms r WHERE r.name = $4
         ON CONFLICT (room, username) DO NOTHING",
        "INSERT INTO room_members (room, username, joined_at, read_up_to, read_seq)
         SELECT ?, ?, ?,
                COALESCE((SELECT x.id FROM messages x
                          WHERE x.room = r.name AND x.seq = r.message_count), 0),
                r.message_count
         FROM rooms r WHERE r.name = ?
         ON DUPLICATE KEY UPDATE joined_at = room_members.joined_at";
    MARKER =
        "SELECT read_up_to, read_seq FROM room_members WHERE room = $1 AND username = $2",
        "SELECT read_up_to, read_seq FROM room_members WHERE room = ? AND username = ?";
    LEAVE_ROOM =
        "DELETE FROM room_members WHERE room = $1 AND username = $2",
        "DELETE FROM room_members WHERE room = ? AND username = ?";
    NEWEST_UP_TO =
        "SELECT id, seq FROM messages WHERE room = $1 AND id <= $2 ORDER BY id DESC LIMIT 1",
        "SELECT id, seq FROM messages WHERE room = ? AND id <= ? ORDER BY id DESC LIMIT 1";
    MOVE_MARKER =
        "UPDATE room_members SET read_up_to = $1, read_seq = $2
         WHERE room = $3 AND username = $4 AND read_seq < $5",
        "UPDATE room_members SET read_up_to = ?, read_seq = ?
         WHERE room = ? AND username = ? AND read_seq < ?";
    MEMBER_ROOMS =
        "SELECT r.name, r.private, r.message_count, r.last_activity, m.read_up_to, m.read_seq,
                (SELECT x.id FROM messages x
                 WHERE x.room = r.name AND x.seq = r.message_count) AS last_message_id,
                d.first_name, d.second_name
         FROM room_members m
         JOIN rooms r ON r.name = m.room
         LEFT JOIN direct_rooms d ON d.room = r.name
         WHERE m.username = $1
         ORDER BY r.last_activity DESC, r.name ASC
         LIMIT $2",
        "SELECT r.name, r.private, r.message_count, r.last_activity, m.read_up_to, m.read_seq,
                (SELECT x.id FROM messages x
                 WHERE x.room = r.name AND x.seq = r.message_count) AS last_message_id,
                d.first_name, d.second_name
         FROM room_members m
         JOIN rooms r ON r.name = m.room
         LEFT JOIN direct_rooms d ON d.room = r.name
         WHERE m.username = ?
         ORDER BY r.last_activity DESC, r.name ASC
         LIMIT ?";
    DIRECTORY =
        "SELECT r.name, r.last_activity,
                (SELECT COUNT(*) FROM room_members m WHERE m.room = r.name) AS members
         FROM rooms r
         WHERE r.private = FALSE AND r.name LIKE $1 ESCAPE '!'
         ORDER BY r.last_activity DESC, r.name ASC
         LIMIT $2",
        "SELECT r.name, r.last_activity,
                (SELECT COUNT(*) FROM room_members m WHERE m.room = r.name) AS members
         FROM rooms r
         WHERE r.private = FALSE AND r.name LIKE ? ESCAPE '!'
         ORDER BY r.last_activity DESC, r.name ASC
         LIMIT ?";
    DIRECT_ROOM =
        "SELECT room FROM direct_rooms WHERE first_key = $1 AND second_key = $2",
        "SELECT room FROM direct_rooms WHERE first_key = ? AND second_key = ?";
    CREATE_DIRECT_ROOM =
        "INSERT INTO direct_rooms (room, first_key, second_key, first_name, second_name)
         VALUES ($1, $2, $3, $4, $5)",
        "INSERT INTO direct_rooms (room, first_key, second_key, first_name, second_name)
         VALUES (?, ?, ?, ?, ?)";
    LEAVE_PRIVATE_ROOMS =
        "DELETE FROM room_members
         WHERE username = $1 AND room IN (SELECT name FROM rooms WHERE private = TRUE)",
        "DELETE FROM room_members
         WHERE username = ? AND room IN (SELECT name FROM rooms WHERE private = TRUE)";
}
