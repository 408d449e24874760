-- Accounts: a name kept with a password. Staff are accounts with the staff
-- role (the staff table becomes theirs). `name_key` is the name folded for
-- comparison (case and look-alike characters), so a look-alike of a
-- claimed name is claimed too. A retired account (deleted by staff, its
-- name kept from others) signs in no more.
CREATE TABLE accounts (
    username        VARCHAR(32) NOT NULL PRIMARY KEY,
    name_key        VARCHAR(255) NOT NULL,
    password_hash   VARCHAR(255) NOT NULL,
    staff           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      DATETIME(3) NOT NULL,
    password_set_at DATETIME(3) NOT NULL,
    retired_at      DATETIME(3) NULL,
    UNIQUE INDEX accounts_name_key (name_key)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
INSERT INTO accounts (username, name_key, password_hash, staff, created_at, password_set_at)
    SELECT username, name_key, password_hash, TRUE, created_at, updated_at FROM staff;
DROP TABLE staff;

-- One row per sign-in, guests' included. `id` is the SHA-256 of the secret
-- the token carries, so the table alone signs no one in. A session ends
-- when its row goes; a guest's also ends once its name is claimed, and an
-- account's once the account is retired (checked on every read).
CREATE TABLE sessions (
    id         VARCHAR(64) NOT NULL PRIMARY KEY,
    username   VARCHAR(32) NOT NULL,
    name_key   VARCHAR(255) NOT NULL,
    guest      BOOLEAN NOT NULL,
    user_agent VARCHAR(255) NOT NULL,
    created_at DATETIME(3) NOT NULL,
    last_seen  DATETIME(3) NOT NULL,
    INDEX sessions_name_key (name_key),
    INDEX sessions_last_seen (last_seen)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
