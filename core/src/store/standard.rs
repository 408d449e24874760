//! The SQL that SQLite and PostgreSQL both speak (`$n` parameters,
//! `ON CONFLICT`, `RETURNING`), and storing a batch one message at a time
//! on it.

use super::group_commit::Numbered;
use super::row::select_messages;
use chrono::{DateTime, Utc};
use protocol::message::ChatMessage;
use sqlx::{Database, Encode, Executor, Pool, Type};

pub(super) const ENSURE_ROOM: &str = "INSERT INTO rooms (name, created_at, last_activity)
     VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
pub(super) const ROOM_SIZE: &str = "SELECT message_count FROM rooms WHERE name = $1";
pub(super) const FIND_BY_CLIENT_ID: &str =
    select_messages!("WHERE room = $1 AND username = $2 AND client_id = $3");
pub(super) const PAGE_BEFORE: &str =
    select_messages!("WHERE room = $1 AND id < $2 ORDER BY id DESC LIMIT $3");
pub(super) const PAGE_AFTER: &str =
    select_messages!("WHERE room = $1 AND id > $2 ORDER BY id ASC LIMIT $3");
pub(super) const SEQ_RANGE: &str =
    select_messages!("WHERE room = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq ASC");
pub(super) const ROOMS: &str = "SELECT name, message_count, private,
            CASE WHEN message_count > 0 THEN last_activity END AS last_activity
     FROM rooms
     ORDER BY message_count = 0, last_activity DESC, name ASC
     LIMIT $1";
pub(super) const IMPOSE: &str =
    "INSERT INTO sanctions (kind, room, name_key, username, until, issued_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (kind, room, name_key) DO UPDATE
     SET username = excluded.username, until = excluded.until,
         issued_by = excluded.issued_by, created_at = excluded.created_at";
pub(super) const LIFT: &str =
    "DELETE FROM sanctions WHERE kind = $1 AND room = $2 AND name_key = $3";
pub(super) const SANCTIONS_IN_FORCE: &str =
    "SELECT kind, room, name_key, username, until, issued_by FROM sanctions WHERE until > $1
     ORDER BY until ASC";
pub(super) const MESSAGE: &str = select_messages!("WHERE room = $1 AND id = $2");
pub(super) const BUMP_CHANGES: &str =
    "UPDATE rooms SET change_count = change_count + 1 WHERE name = $1";
pub(super) const ROOM_COUNTS: &str =
    "SELECT change_count, message_count FROM rooms WHERE name = $1";
pub(super) const EDIT_MESSAGE: &str = "UPDATE messages
     SET content = $1, edited_at = $2, change_no = $3, changed_at_count = $4
     WHERE room = $5 AND id = $6 AND NOT deleted";
pub(super) const DELETE_MESSAGE: &str = "UPDATE messages
     SET content = NULL, image = NULL, deleted = TRUE, change_no = $1, changed_at_count = $2
     WHERE room = $3 AND id = $4 AND NOT deleted";
pub(super) const SEQ_AT: &str =
    "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = $1 AND id <= $2";
pub(super) const CHANGES_SINCE: &str = select_messages!(
    "WHERE room = $1 AND id <= $2 AND changed_at_count >= $3 ORDER BY change_no ASC LIMIT $4"
);

/// Counts the message in its room (creating the room if need be) and
/// returns its number there. The row stays locked (SQLite: the database's
/// write lock) until the transaction ends, so messages of one room are
/// stored one after another and their ids increase in commit order.
pub(super) const NUMBER_IN_ROOM: &str =
    "INSERT INTO rooms (name, message_count, created_at, last_activity) VALUES ($1, 1, $2, $2)
     ON CONFLICT (name) DO UPDATE
     SET message_count = rooms.message_count + 1, last_activity = excluded.last_activity
     RETURNING message_count";

/// Moves the sender's read marker to their message: what one sends is read.
/// A marker only moves forward.
pub(super) const READ_OWN_MESSAGE: &str = "UPDATE room_members SET read_up_to = $1, read_seq = $2
     WHERE room = $3 AND username = $4 AND read_seq < $2";

/// Gives back the number of a message that was not stored, so the room's
/// numbers stay 1, 2, 3, … without a gap.
pub(super) const UNNUMBER_IN_ROOM: &str =
    "UPDATE rooms SET message_count = message_count - 1 WHERE name = $1";

/// A retried `client_id` inserts nothing and returns no row.
pub(super) const INSERT_MESSAGE: &str = "INSERT INTO messages
         (room, seq, username, content, image, content_type, client_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (room, username, client_id) WHERE client_id IS NOT NULL DO NOTHING
     RETURNING id";

/// The batch one message after another in one transaction: a retried
/// `client_id` gets `None`, and its number is given back.
pub(super) async fn insert_one_by_one<DB>(
    pool: &Pool<DB>,
    batch: &[ChatMessage],
) -> Result<Vec<Option<Numbered>>, sqlx::Error>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB> + sqlx::Decode<'q, DB>,
    for<'q> DateTime<Utc>: Encode<'q, DB> + Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    let mut tx = pool.begin().await?;
    let mut ids = Vec::with_capacity(batch.len());
    for message in batch {
        let seq: i64 = sqlx::query_scalar(NUMBER_IN_ROOM)
            .bind(message.room.as_str())
            .bind(message.timestamp)
            .fetch_one(&mut *tx)
            .await?;
        let id: Option<i64> = sqlx::query_scalar(INSERT_MESSAGE)
            .bind(message.room.as_str())
            .bind(seq)
            .bind(message.username.as_str())
            .bind(message.content.as_deref())
            .bind(message.image.as_deref())
            .bind(message.content_type.as_str())
            .bind(message.client_id.as_deref())
            .bind(message.timestamp)
            .fetch_optional(&mut *tx)
            .await?;
        match id {
            Some(id) => {
                sqlx::query(READ_OWN_MESSAGE)
                    .bind(id)
                    .bind(seq)
                    .bind(message.room.as_str())
                    .bind(message.username.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            None => {
                sqlx::query(UNNUMBER_IN_ROOM)
                    .bind(message.room.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        ids.push(id.map(|id| Numbered { id, seq }));
    }
    tx.commit().await?;
    Ok(ids)
}
