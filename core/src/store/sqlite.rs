//! SQLite: one file under the data directory, WAL, fully synchronous commits
//! so an acknowledged message survives a crash or power loss.

use super::group_commit::{GroupCommit, Writer};
use super::numbering::{self, Rooms};
use super::sql_store::impl_store;
use super::{Backend, PoolSettings, StoreError, standard};
use async_trait::async_trait;
use protocol::message::ChatMessage;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::collections::HashMap;
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
    /// In two statements, or, when the batch holds a retried `client_id`,
    /// one message at a time.
    async fn write(&self, batch: &[ChatMessage]) -> Result<Vec<Option<i64>>, sqlx::Error> {
        let mut tx = self.0.begin().await?;
        let ids = insert_at_once(&mut tx, batch).await?;
        numbering::commit_or_one_by_one(tx, ids, standard::insert_one_by_one(&self.0, batch)).await
    }
}

/// Every message of `batch` in two statements that return no rows (sqlx
/// hands SQLite's rows over from its worker thread one by one, which costs
/// more than storing them): each room's count is raised by its messages
/// first, each message numbered just below it, and, as this transaction is
/// the only writer, the new ids are consecutive up to the last one.
/// `None` when a message was not stored (a retried `client_id`): the
/// transaction must then be rolled back.
async fn insert_at_once(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    batch: &[ChatMessage],
) -> Result<Option<Vec<i64>>, sqlx::Error> {
    let Some(first) = batch.first() else {
        return Ok(Some(Vec::new()));
    };
    let rooms = Rooms::of(batch);
    let mut count = QueryBuilder::<Sqlite>::new(numbering::INSERT_ROOM_COUNTS);
    numbering::push_room_counts(&mut count, rooms.counts(), first.timestamp);
    count.push(
        " ON CONFLICT (name) DO UPDATE
          SET message_count = rooms.message_count + excluded.message_count",
    );
    count.build().execute(&mut **tx).await?;

    // How far below its room's new count each message's number is.
    let mut after: HashMap<&str, i64> = rooms.counts().collect();
    let below: Vec<i64> = batch
        .iter()
        .map(|message| {
            let left = after.get_mut(message.room.as_str()).expect("counted");
            *left -= 1;
            *left
        })
        .collect();
    let mut insert = QueryBuilder::<Sqlite>::new(numbering::INSERT_MESSAGES);
    numbering::push_messages(&mut insert, batch, |row, n| {
        row.push("(SELECT message_count FROM rooms WHERE name = ")
            .push_bind_unseparated(batch[n].room.as_str())
            .push_unseparated(") - ")
            .push_bind_unseparated(below[n]);
    });
    insert.push(" ON CONFLICT (room, username, client_id) WHERE client_id IS NOT NULL DO NOTHING");
    let stored = insert.build().execute(&mut **tx).await?;
    if stored.rows_affected() != batch.len() as u64 {
        return Ok(None);
    }
    let last = stored.last_insert_rowid();
    Ok(Some((last + 1 - batch.len() as i64..=last).collect()))
}

impl_store!(SqliteStore, Backend::Sqlite, standard);
super::push::impl_push_store!(SqliteStore, sqlx::Sqlite, super::push_sql::standard);
