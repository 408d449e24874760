//! MySQL 8 and MariaDB 10.11+: `?` parameters and no `RETURNING` in MySQL,
//! so a message's number is read back under the room's row lock and its id
//! from the insert's result. Tables use a binary collation, so names compare
//! exactly as on the other backends (not case- or accent-folded).

use super::contention;
use super::group_commit::{self, GroupCommit, Numbered, Writer};
use super::numbering::{self, Rooms};
use super::sql_store::impl_store;
use super::{Backend, PoolSettings, StoreError, is_unique_violation};
use async_trait::async_trait;
use protocol::message::ChatMessage;
use sqlx::{MySql, MySqlPool, QueryBuilder};
use std::collections::HashMap;

pub(super) struct MySqlStore {
    pool: MySqlPool,
    /// A room's inserts wait in its lane, not on its row lock.
    writes: GroupCommit,
}

impl MySqlStore {
    pub(super) async fn connect(url: &str, settings: &PoolSettings) -> Result<Self, StoreError> {
        let pool = settings.pool_options().connect(url).await?;
        sqlx::migrate!("../migrations/mysql").run(&pool).await?;
        let lanes = group_commit::lanes_beside_reads(settings.max_connections);
        Ok(MySqlStore {
            writes: GroupCommit::start(Inserts(pool.clone()), lanes, settings.acquire_timeout),
            pool,
        })
    }
}

struct Inserts(MySqlPool);

#[async_trait]
impl Writer for Inserts {
    /// Tried again when InnoDB breaks a deadlock by rolling it back (first
    /// messages of different nodes racing to create one room can do that).
    async fn write(&self, batch: &[ChatMessage]) -> Result<Vec<Option<Numbered>>, sqlx::Error> {
        contention::retrying(move || self.write_once(batch)).await
    }
}

impl Inserts {
    /// The batch in a few statements, or, when it holds a retried
    /// `client_id`, one message at a time.
    async fn write_once(
        &self,
        batch: &[ChatMessage],
    ) -> Result<Vec<Option<Numbered>>, sqlx::Error> {
        let mut tx = self.0.begin().await?;
        let ids = insert_at_once(&mut tx, batch).await?;
        numbering::commit_or_one_by_one(tx, ids, self.insert_one_by_one(batch)).await
    }

    async fn insert_one_by_one(
        &self,
        batch: &[ChatMessage],
    ) -> Result<Vec<Option<Numbered>>, sqlx::Error> {
        let mut tx = self.0.begin().await?;
        let mut ids = Vec::with_capacity(batch.len());
        for message in batch {
            // Locks the room's row until commit: one room's messages are
            // stored one after another, so ids increase in commit order.
            sqlx::query(
                "INSERT INTO rooms (name, message_count, created_at, last_activity)
                 VALUES (?, 1, ?, ?)
                 ON DUPLICATE KEY UPDATE
                 message_count = message_count + 1, last_activity = VALUES(last_activity)",
            )
            .bind(message.room.as_str())
            .bind(message.timestamp)
            .bind(message.timestamp)
            .execute(&mut *tx)
            .await?;
            let seq: i64 = sqlx::query_scalar("SELECT message_count FROM rooms WHERE name = ?")
                .bind(message.room.as_str())
                .fetch_one(&mut *tx)
                .await?;
            let inserted = sqlx::query(
                "INSERT INTO messages
                     (room, seq, username, content, image, content_type, client_id, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(message.room.as_str())
            .bind(seq)
            .bind(message.username.as_str())
            .bind(message.content.as_deref())
            .bind(message.image.as_deref())
            .bind(message.content_type.as_str())
            .bind(message.client_id.as_deref())
            .bind(message.timestamp)
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(result) => {
                    let id = i64::try_from(result.last_insert_id())
                        .map_err(|_| sqlx::Error::Protocol("message id out of range".into()))?;
                    read_own_message(&mut tx, message.room.as_str(), &message.username, id, seq)
                        .await?;
                    ids.push(Some(Numbered { id, seq }));
                }
                // InnoDB undid only the refused statement: give the room's
                // number back and go on with the batch.
                Err(e) if is_unique_violation(&e) => {
                    sqlx::query(
                        "UPDATE rooms SET message_count = message_count - 1 WHERE name = ?",
                    )
                    .bind(message.room.as_str())
                    .execute(&mut *tx)
                    .await?;
                    ids.push(None);
                }
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(ids)
    }
}

/// Every message of `batch` at once; `None` when one was refused as a
/// retried `client_id` (MySQL then undoes the whole insert statement, and
/// the transaction must be rolled back).
async fn insert_at_once(
    tx: &mut sqlx::Transaction<'_, MySql>,
    batch: &[ChatMessage],
) -> Result<Option<Vec<Numbered>>, sqlx::Error> {
    let Some(first) = batch.first() else {
        return Ok(Some(Vec::new()));
    };
    let rooms = Rooms::of(batch);
    let counts: Vec<(&str, i64)> = rooms.counts().collect();
    // Every statement goes in pieces of a few sizes (see
    // `numbering::in_cached_sizes`), so their prepared forms stay cached.
    // Locks the rooms' rows (in name order) until commit.
    for piece in numbering::in_cached_sizes(&counts) {
        let mut count = QueryBuilder::<MySql>::new(numbering::INSERT_ROOM_COUNTS);
        numbering::push_room_counts(&mut count, piece.iter().copied(), first.timestamp);
        count
            .push(" ON DUPLICATE KEY UPDATE message_count = message_count + VALUES(message_count), last_activity = VALUES(last_activity)");
        count.build().execute(&mut **tx).await?;
    }

    let mut totals: HashMap<String, i64> = HashMap::with_capacity(counts.len());
    for piece in numbering::in_cached_sizes(&counts) {
        let mut read =
            QueryBuilder::<MySql>::new("SELECT name, message_count FROM rooms WHERE name IN (");
        let mut names = read.separated(", ");
        for (room, _) in piece {
            names.push_bind(*room);
        }
        read.push(")");
        totals.extend(
            read.build_query_as::<(String, i64)>()
                .fetch_all(&mut **tx)
                .await?,
        );
    }
    let numbers = rooms.numbers(batch, &totals)?;

    let mut offset = 0;
    for piece in numbering::in_cached_sizes(batch) {
        let mut insert = QueryBuilder::<MySql>::new(numbering::INSERT_MESSAGES);
        numbering::push_messages(&mut insert, piece, |row, n| {
            row.push_bind(numbers[offset + n]);
        });
        match insert.build().execute(&mut **tx).await {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e),
        }
        offset += piece.len();
    }

    // No RETURNING: read the new rows back by their numbers.
    let mut stored = Vec::with_capacity(batch.len());
    for piece in numbering::in_cached_sizes(&counts) {
        let mut read = QueryBuilder::<MySql>::new("SELECT id, room, seq FROM messages WHERE ");
        let mut ranges = read.separated(" OR ");
        for &(room, messages) in piece {
            let last = totals[room];
            ranges
                .push("(room = ")
                .push_bind_unseparated(room)
                .push_unseparated(" AND seq BETWEEN ")
                .push_bind_unseparated(last - messages + 1)
                .push_unseparated(" AND ")
                .push_bind_unseparated(last)
                .push_unseparated(")");
        }
        stored.extend(
            read.build_query_as::<(i64, String, i64)>()
                .fetch_all(&mut **tx)
                .await?,
        );
    }
    let Some(stored) = numbering::ids_in_order(batch, &numbers, stored) else {
        return Ok(None);
    };
    for (room, username, id, seq) in numbering::senders_newest(batch, &stored) {
        read_own_message(tx, room, username, id, seq).await?;
    }
    Ok(Some(stored))
}

/// Moves the sender's read marker to their message `id`, number `seq` in
/// `room`: what one sends is read. A marker only moves forward.
async fn read_own_message(
    tx: &mut sqlx::Transaction<'_, MySql>,
    room: &str,
    username: &str,
    id: i64,
    seq: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE room_members SET read_up_to = ?, read_seq = ?
         WHERE room = ? AND username = ? AND read_seq < ?",
    )
    .bind(id)
    .bind(seq)
    .bind(room)
    .bind(username)
    .bind(seq)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

mod sql {
    use super::super::row::select_messages;

    pub(in super::super) const ENSURE_ROOM: &str =
        "INSERT INTO rooms (name, created_at, last_activity) VALUES (?, ?, ?)
         ON DUPLICATE KEY UPDATE name = name";
    pub(in super::super) const ROOM_SIZE: &str = "SELECT message_count FROM rooms WHERE name = ?";
    pub(in super::super) const FIND_BY_CLIENT_ID: &str =
        select_messages!("WHERE room = ? AND username = ? AND client_id = ?");
    // MariaDB reads the whole (room, id) range before applying the LIMIT
    // unless told to walk the index (0.5 s instead of 0.1 ms for a page in
    // the middle of a million-message room).
    pub(in super::super) const PAGE_BEFORE: &str = select_messages!(
        "FORCE INDEX (messages_room_id) WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?"
    );
    pub(in super::super) const PAGE_AFTER: &str = select_messages!(
        "FORCE INDEX (messages_room_id) WHERE room = ? AND id > ? ORDER BY id ASC LIMIT ?"
    );
    pub(in super::super) const SEQ_RANGE: &str =
        select_messages!("WHERE room = ? AND seq BETWEEN ? AND ? ORDER BY seq ASC");
    pub(in super::super) const ROOMS: &str = "SELECT name, message_count, private,
            CASE WHEN message_count > 0 THEN last_activity END AS last_activity
     FROM rooms
     ORDER BY message_count = 0, last_activity DESC, name ASC
     LIMIT ?";
    pub(in super::super) const IMPOSE: &str =
        "INSERT INTO sanctions (kind, room, name_key, username, until, issued_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON DUPLICATE KEY UPDATE username = VALUES(username), until = VALUES(until),
         issued_by = VALUES(issued_by), created_at = VALUES(created_at)";
    pub(in super::super) const LIFT: &str =
        "DELETE FROM sanctions WHERE kind = ? AND room = ? AND name_key = ?";
    pub(in super::super) const SANCTIONS_IN_FORCE: &str =
        "SELECT kind, room, name_key, username, until, issued_by FROM sanctions WHERE until > ?
         ORDER BY until ASC";
    pub(in super::super) const MESSAGE: &str = select_messages!("WHERE room = ? AND id = ?");
    pub(in super::super) const BUMP_CHANGES: &str =
        "UPDATE rooms SET change_count = change_count + 1 WHERE name = ?";
    pub(in super::super) const ROOM_COUNTS: &str =
        "SELECT change_count, message_count FROM rooms WHERE name = ?";
    pub(in super::super) const EDIT_MESSAGE: &str = "UPDATE messages
         SET content = ?, edited_at = ?, change_no = ?, changed_at_count = ?
         WHERE room = ? AND id = ? AND NOT deleted";
    pub(in super::super) const DELETE_MESSAGE: &str = "UPDATE messages
         SET content = NULL, image = NULL, deleted = TRUE, change_no = ?, changed_at_count = ?
         WHERE room = ? AND id = ? AND NOT deleted";
    pub(in super::super) const SEQ_AT: &str =
        "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ? AND id <= ?";
    pub(in super::super) const CHANGES_SINCE: &str = select_messages!(
        "WHERE room = ? AND id <= ? AND changed_at_count >= ? ORDER BY change_no ASC LIMIT ?"
    );
}

impl_store!(MySqlStore, Backend::MySql, sql);
super::accounts::impl_account_store!(MySqlStore, super::accounts_sql::mysql);
super::sessions::impl_session_store!(MySqlStore, sqlx::MySql, super::accounts_sql::mysql);
super::rooms::impl_room_store!(MySqlStore, super::rooms_sql::mysql);
super::sanctions::impl_sanction_store!(MySqlStore, sql);
super::push::impl_push_store!(MySqlStore, sqlx::MySql, super::push_sql::mysql);
