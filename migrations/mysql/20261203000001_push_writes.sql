-- What a push says is read from its message when it is sent (an edit or a
-- deletion before then is what the device sees), not kept from when it was
-- queued.
ALTER TABLE push_outbox DROP COLUMN payload;

-- One row per person who has saved a device: saving one locks it first, so
-- one person's saves from many places at once take turns, and each sees the
-- others' devices when it keeps only the newest.
CREATE TABLE push_owners (
    username VARCHAR(32) NOT NULL PRIMARY KEY
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO push_owners (username) SELECT DISTINCT username FROM push_devices;
