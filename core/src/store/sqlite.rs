//! SQLite: one file under the data directory, WAL, fully synchronous commits
//! so an acknowledged message survives a crash or power loss.

use super::group_commit::{GroupCommit, Writer};
use super::sql_store::impl_store;
use super::{Backend, PoolSettings, StoreError, standard};
use async_trait::async_trait;
use protocol::message::ChatMessage;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

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
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = settings.pool_options().connect_with(options).await?;
        sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore {
            writes: GroupCommit::start(Inserts(pool.clone()), 1, settings.acquire_timeout),
            pool,
        })
    }
}

struct Inserts(SqlitePool);

#[async_trait]
impl Writer for Inserts {
    async fn write(&self, batch: &[ChatMessage]) -> Result<Vec<Option<i64>>, sqlx::Error> {
        standard::insert_batch(&self.0, batch).await
    }
}

impl_store!(SqliteStore, Backend::Sqlite, standard);
