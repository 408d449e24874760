-- Accounts: a name kept with a password. Staff are accounts with the staff
-- role (the staff table becomes theirs). `name_key` is the name folded for
-- comparison (case and look-alike characters), so a look-alike of a
-- claimed name is claimed too. A retired account (deleted by staff, its
-- name kept from others) signs in no more.
CREATE TABLE accounts (
    username        TEXT PRIMARY KEY NOT NULL,
    name_key        TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    staff           INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    password_set_at TEXT NOT NULL,
    retired_at      TEXT
);
INSERT INTO accounts (username, name_key, password_hash, staff, created_at, password_set_at)
    SELECT username, name_key, password_hash, 1, created_at, updated_at FROM staff;
DROP TABLE staff;

-- One row per sign-in, guests' included. `id` is the SHA-256 of the secret
-- the token carries, so the table alone signs no one in. A session ends
-- when its row goes; a guest's also ends once its name is claimed, and an
-- account's once the account is retired (checked on every read).
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    username   TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    guest      INTEGER NOT NULL,
    user_agent TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen  TEXT NOT NULL
);
CREATE INDEX sessions_name_key ON sessions (name_key);
CREATE INDEX sessions_last_seen ON sessions (last_seen);
