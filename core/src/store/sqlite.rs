//! SQLite: one file under the data directory, WAL, fully synchronous commits
//! so an acknowledged message survives a crash or power loss. Messages are
//! written by a connection and thread of their own ([`SqliteWriter`]);
//! everything else goes through the pool.

use super::group_commit::GroupCommit;
use super::sql_store::impl_store;
use super::sqlite_writer::SqliteWriter;
use super::{Backend, PoolSettings, StoreError, standard};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// How long a write waits for another connection's write to end.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How far the write-ahead log grows (in 4 KiB pages: about 40 MiB) before
/// a commit copies it back into the database file. With SQLite's default of
/// 1,000, busy rooms' commits keep copying the same index pages back and
/// syncing the file, and durable messages per second were a fifth (one
/// room) to a third (a room per sender) lower in `bench ingest`.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// Where SQLite keeps the main database; empty when it is in memory.
const DATABASE_FILE: &str = "SELECT file FROM pragma_database_list WHERE name = 'main'";

pub(super) struct SqliteStore {
    pool: SqlitePool,
    /// SQLite has one writer at a time: one lane for every insert.
    writes: GroupCommit,
}

impl SqliteStore {
    pub(super) async fn connect(url: &str, settings: &PoolSettings) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES.to_string())
            .foreign_keys(true);
        let pool = settings.pool_options().connect_with(options).await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        let file: String = sqlx::query_scalar(DATABASE_FILE).fetch_one(&pool).await?;
        if file.is_empty() {
            return Err(StoreError::SqliteInMemory);
        }
        let writer = SqliteWriter::open(Path::new(&file), BUSY_TIMEOUT, WAL_AUTOCHECKPOINT_PAGES)?;
        let writes = GroupCommit::on_thread(writer, "sqlite-writer", settings.acquire_timeout)
            .map_err(StoreError::WriterThread)?;
        Ok(SqliteStore { pool, writes })
    }
}

impl_store!(SqliteStore, Backend::Sqlite, standard);
super::accounts::impl_account_store!(SqliteStore, super::accounts_sql::standard);
super::sessions::impl_session_store!(SqliteStore, sqlx::Sqlite, super::accounts_sql::standard);
super::rooms::impl_room_store!(SqliteStore, super::rooms_sql::standard);
super::sanctions::impl_sanction_store!(SqliteStore, standard);
super::push::impl_push_store!(SqliteStore, sqlx::Sqlite, super::push_sql::standard);
