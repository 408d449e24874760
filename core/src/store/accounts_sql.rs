//! The account and session queries in each dialect: `standard` for SQLite
//! and PostgreSQL (`$n` parameters), `mysql` for MySQL and MariaDB.

use super::dialects::both;
#[allow(unused_imports)]
use super::sessions::select_sessions;

both! {
    CREATE_ACCOUNT =
        "INSERT INTO accounts (username, name_key, password_hash, staff, created_at, password_set_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        "INSERT INTO accounts (username, name_key, password_hash, staff, created_at, password_set_at)
         VALUES (?, ?, ?, ?, ?, ?)";
    ACCOUNT =
        "SELECT username, password_hash, staff, created_at, password_set_at, retired_at
         FROM accounts WHERE name_key = $1",
        "SELECT username, password_hash, staff, created_at, password_set_at, retired_at
         FROM accounts WHERE name_key = ?";
    SET_PASSWORD =
        "UPDATE accounts SET password_hash = $1, password_set_at = $2, retired_at = NULL
         WHERE username = $3",
        "UPDATE accounts SET password_hash = ?, password_set_at = ?, retired_at = NULL
         WHERE username = ?";
    SET_STAFF =
        "UPDATE accounts SET staff = $1 WHERE username = $2",
        "UPDATE accounts SET staff = ? WHERE username = ?";
    RETIRE_ACCOUNT =
        "UPDATE accounts SET retired_at = $1, staff = FALSE WHERE username = $2",
        "UPDATE accounts SET retired_at = ?, staff = FALSE WHERE username = ?";
    DELETE_ACCOUNT =
        "DELETE FROM accounts WHERE username = $1",
        "DELETE FROM accounts WHERE username = ?";
    ACCOUNTS =
        "SELECT a.username, a.staff, a.created_at, a.retired_at,
                (SELECT MAX(s.last_seen) FROM sessions s
                 WHERE s.name_key = a.name_key AND NOT s.guest) AS last_seen
         FROM accounts a ORDER BY a.username LIMIT $1",
        "SELECT a.username, a.staff, a.created_at, a.retired_at,
                (SELECT MAX(s.last_seen) FROM sessions s
                 WHERE s.name_key = a.name_key AND NOT s.guest) AS last_seen
         FROM accounts a ORDER BY a.username LIMIT ?";
    CREATE_SESSION =
        "INSERT INTO sessions (id, username, name_key, guest, user_agent, created_at, last_seen)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        "INSERT INTO sessions (id, username, name_key, guest, user_agent, created_at, last_seen)
         VALUES (?, ?, ?, ?, ?, ?, ?)";
    SESSION =
        select_sessions!("WHERE s.id = $1"),
        select_sessions!("WHERE s.id = ?");
    TOUCH_SESSION =
        "UPDATE sessions SET last_seen = $1 WHERE id = $2",
        "UPDATE sessions SET last_seen = ? WHERE id = ?";
    ACCOUNT_SESSIONS =
        select_sessions!("WHERE s.name_key = $1 AND NOT s.guest ORDER BY s.last_seen DESC"),
        select_sessions!("WHERE s.name_key = ? AND NOT s.guest ORDER BY s.last_seen DESC");
    END_SESSION =
        "DELETE FROM sessions WHERE id = $1 AND name_key = $2",
        "DELETE FROM sessions WHERE id = ? AND name_key = ?";
    SESSIONS_OF_NAME =
        "SELECT id FROM sessions WHERE name_key = $1",
        "SELECT id FROM sessions WHERE name_key = ?";
    END_SESSIONS_OF_NAME =
        "DELETE FROM sessions WHERE name_key = $1 AND id <> $2",
        "DELETE FROM sessions WHERE name_key = ? AND id <> ?";
    PROMOTE_SESSION =
        "UPDATE sessions SET guest = FALSE WHERE id = $1 AND guest",
        "UPDATE sessions SET guest = FALSE WHERE id = ? AND guest";
    PURGE_SESSIONS =
        "DELETE FROM sessions WHERE last_seen < $1",
        "DELETE FROM sessions WHERE last_seen < ?";
}
