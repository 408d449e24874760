//! SQLite: one file under the data directory, WAL, fully synchronous commits
//! so an acknowledged message survives a crash or power loss.

use super::sql_store::impl_store;
use super::write_queue::WriteQueue;
use super::{Backend, Inserted, NewMessage, PoolSettings, StoreError, standard};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub(super) struct SqliteStore {
    pool: SqlitePool,
    /// SQLite has one writer at a time: one lane for every insert.
    writes: WriteQueue,
}

impl SqliteStore {
    pub(super) async fn connect(url: &str, settings: &PoolSettings) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = settings.pool_options().connect_with(options).await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore {
            pool,
            writes: WriteQueue::new(settings.acquire_timeout),
        })
    }

    async fn insert(&self, new: &NewMessage<'_>) -> Result<Option<Inserted>, sqlx::Error> {
        let _turn = self.writes.turn("").await?;
        standard::insert_returning(&self.pool, new).await
    }
}

impl_store!(SqliteStore, Backend::Sqlite, standard);
