-- Rooms you are in, how far you have read them, private rooms and direct
-- messages.

-- A private room is seen only by its members. `last_activity` is when its
-- newest message was stored (its creation before that): kept with each
-- message, so the sidebar and the directory sort without reading messages.
ALTER TABLE rooms ADD COLUMN private BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE rooms ADD COLUMN last_activity TIMESTAMPTZ;
UPDATE rooms SET last_activity = COALESCE(
    (SELECT m.created_at FROM messages m WHERE m.room = rooms.name ORDER BY m.id DESC LIMIT 1),
    created_at);
ALTER TABLE rooms ALTER COLUMN last_activity SET NOT NULL;
CREATE INDEX rooms_directory ON rooms (private, last_activity);

-- A member's read marker: the newest message they have read (`read_up_to`)
-- and its number in the room (`read_seq`), so their unread count is the
-- room's `message_count` less `read_seq`, never a scan. Members from
-- before have read everything so far: history is not news.
ALTER TABLE room_members ADD COLUMN read_up_to BIGINT NOT NULL DEFAULT 0;
ALTER TABLE room_members ADD COLUMN read_seq BIGINT NOT NULL DEFAULT 0;
UPDATE room_members SET
    read_seq = COALESCE((SELECT r.message_count FROM rooms r WHERE r.name = room_members.room), 0),
    read_up_to = COALESCE((SELECT MAX(m.id) FROM messages m WHERE m.room = room_members.room), 0);

-- The one direct-message room of two accounts, by their folded names in
-- order (`first_key` < `second_key`), with their names as they are shown.
CREATE TABLE direct_rooms (
    room        TEXT PRIMARY KEY REFERENCES rooms (name),
    first_key   TEXT NOT NULL,
    second_key  TEXT NOT NULL,
    first_name  TEXT NOT NULL,
    second_name TEXT NOT NULL,
    UNIQUE (first_key, second_key)
);
