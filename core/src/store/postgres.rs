//! PostgreSQL: the same SQL as SQLite; commits are durable with the server's
//! default `synchronous_commit = on`.

use super::group_commit::{self, GroupCommit, Writer};
use super::sql_store::impl_store;
use super::{Backend, PoolSettings, StoreError, standard};
use async_trait::async_trait;
use protocol::message::ChatMessage;
use sqlx::PgPool;

pub(super) struct PgStore {
    pool: PgPool,
    /// A room's inserts wait in its lane, not on its row lock.
    writes: GroupCommit,
}

impl PgStore {
    pub(super) async fn connect(url: &str, settings: &PoolSettings) -> Result<Self, StoreError> {
        let pool = settings.pool_options().connect(url).await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        let lanes = group_commit::lanes_beside_reads(settings.max_connections);
        Ok(PgStore {
            writes: GroupCommit::start(Inserts(pool.clone()), lanes, settings.acquire_timeout),
            pool,
        })
    }
}

struct Inserts(PgPool);

#[async_trait]
impl Writer for Inserts {
    async fn write(&self, batch: &[ChatMessage]) -> Result<Vec<Option<i64>>, sqlx::Error> {
        standard::insert_batch(&self.0, batch).await
    }
}

impl_store!(PgStore, Backend::Postgres, standard);
