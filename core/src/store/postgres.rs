//! PostgreSQL: the same SQL as SQLite; commits are durable with the server's
//! default `synchronous_commit = on`.

use super::sql_store::impl_store;
use super::write_queue::WriteQueue;
use super::{Backend, Inserted, NewMessage, PoolSettings, StoreError, standard};
use sqlx::PgPool;

pub(super) struct PgStore {
    pool: PgPool,
    /// One lane per room: its inserts wait here, not on its row lock.
    writes: WriteQueue,
}

impl PgStore {
    pub(super) async fn connect(url: &str, settings: &PoolSettings) -> Result<Self, StoreError> {
        let pool = settings.pool_options().connect(url).await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        Ok(PgStore {
            pool,
            writes: WriteQueue::new(settings.acquire_timeout),
        })
    }

    async fn insert(&self, new: &NewMessage<'_>) -> Result<Option<Inserted>, sqlx::Error> {
        let _turn = self.writes.turn(new.room.as_str()).await?;
        standard::insert_returning(&self.pool, new).await
    }
}

impl_store!(PgStore, Backend::Postgres, standard);
