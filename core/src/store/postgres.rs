//! PostgreSQL: the same SQL as SQLite; commits are durable with the server's
//! default `synchronous_commit = on`.

use super::contention;
use super::group_commit::{self, GroupCommit, Numbered, Writer};
use super::numbering::{self, Rooms};
use super::sql_store::impl_store;
use super::{Backend, PoolSettings, StoreError, standard};
use async_trait::async_trait;
use protocol::message::ChatMessage;
use sqlx::{PgPool, Postgres, QueryBuilder};
use std::collections::HashMap;

/// Raises each room's count by its messages in a batch (creating rooms as
/// need be), locking the rows until commit; the new counts come back.
const COUNT_ROOMS_END: &str = " ON CONFLICT (name) DO UPDATE
     SET message_count = rooms.message_count + excluded.message_count,
         last_activity = excluded.last_activity
     RETURNING name, message_count";

/// A retried `client_id` inserts nothing and returns no row.
const INSERT_MESSAGES_END: &str =
    " ON CONFLICT (room, username, client_id) WHERE client_id IS NOT NULL DO NOTHING
     RETURNING id, room, seq";

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
    /// In two statements, or, when the batch holds a retried `client_id`,
    /// one message at a time.
    /// Tried again when PostgreSQL breaks a deadlock by rolling it back.
    async fn write(&self, batch: &[ChatMessage]) -> Result<Vec<Option<Numbered>>, sqlx::Error> {
        contention::retrying(move || async move {
            let mut tx = self.0.begin().await?;
            let ids = insert_at_once(&mut tx, batch).await?;
            numbering::commit_or_one_by_one(tx, ids, standard::insert_one_by_one(&self.0, batch))
                .await
        })
        .await
    }
}

/// The batch in two statements; `None` when a message was not stored (a
/// retried `client_id`), and the transaction must be rolled back.
async fn insert_at_once(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    batch: &[ChatMessage],
) -> Result<Option<Vec<Numbered>>, sqlx::Error> {
    let Some(first) = batch.first() else {
        return Ok(Some(Vec::new()));
    };
    let rooms = Rooms::of(batch);
    let mut count = QueryBuilder::<Postgres>::new(numbering::INSERT_ROOM_COUNTS);
    numbering::push_room_counts(&mut count, rooms.counts(), first.timestamp);
    count.push(COUNT_ROOMS_END);
    let totals: HashMap<String, i64> = count
        .build_query_as::<(String, i64)>()
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
    let numbers = rooms.numbers(batch, &totals)?;

    let mut insert = QueryBuilder::<Postgres>::new(numbering::INSERT_MESSAGES);
    numbering::push_messages(&mut insert, batch, |row, n| {
        row.push_bind(numbers[n]);
    });
    insert.push(INSERT_MESSAGES_END);
    let stored = insert
        .build_query_as::<(i64, String, i64)>()
        .fetch_all(&mut **tx)
        .await?;
    let Some(stored) = numbering::ids_in_order(batch, &numbers, stored) else {
        return Ok(None);
    };
    for (room, username, id, seq) in numbering::senders_newest(batch, &stored) {
        sqlx::query(standard::READ_OWN_MESSAGE)
            .bind(id)
            .bind(seq)
            .bind(room)
            .bind(username)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Some(stored))
}

impl_store!(PgStore, Backend::Postgres, standard);
super::accounts::impl_account_store!(PgStore, super::accounts_sql::standard);
super::sessions::impl_session_store!(PgStore, sqlx::Postgres, super::accounts_sql::standard);
super::rooms::impl_room_store!(PgStore, super::rooms_sql::standard);
super::sanctions::impl_sanction_store!(PgStore, standard);
super::push::impl_push_store!(PgStore, sqlx::Postgres, super::push_sql::standard);
