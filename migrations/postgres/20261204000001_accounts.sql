-- Accounts: a name kept with a password. Staff are accounts with the staff
-- role (the staff table becomes theirs). `name_key` is the name folded for
-- comparison (case and look-alike characters), so a look-alike of a
-- claimed name is claimed too. A retired account (deleted by staff, its
-- name kept from others) signs in no more.
CREATE TABLE accounts (
    username        TEXT PRIMARY KEY,
    name_key        TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    staff           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMPTZ NOT NULL,
    password_set_at TIMESTAMPTZ NOT NULL,
    retired_at      TIMESTAMPTZ
);
INSERT INTO accounts (username, name_key, password_hash, staff, created_at, password_set_at)
    SELECT username, name_key, password_hash, TRUE, created_at, updated_at FROM staff;
DROP TABLE staff;

-- One row per sign-in, guests' included. `id` is the SHA-256 of the secret
-- the token carries, so the table alone signs no one in. A session ends
-- when its row goes; a guest's also ends once its name is claimed, and an
-- account's once the account is retired (checked on every read).
CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    guest      BOOLEAN NOT NULL,
    user_agent TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_name_key ON sessions (name_key);
CREATE INDEX sessions_last_seen ON sessions (last_seen);
