//! SQLite: one file under the data directory, WAL, fully synchronous commits
//! so an acknowledged message survives a crash or power loss.

use super::{NewMessage, StoreError, parse_content_type};
use crate::message::{ChatMessage, HistoryPage};
use crate::names::{RoomName, Username};
use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub(super) async fn connect(url: &str) -> Result<SqlitePool, StoreError> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!("../migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

#[derive(FromRow)]
struct Row {
    id: i64,
    room: String,
    username: String,
    content: Option<String>,
    image: Option<String>,
    content_type: String,
    client_id: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for ChatMessage {
    type Error = StoreError;

    fn try_from(row: Row) -> Result<Self, StoreError> {
        Ok(ChatMessage {
            id: row.id,
            room: row.room,
            username: row.username,
            content: row.content,
            image: row.image,
            content_type: parse_content_type(&row.content_type)?,
            client_id: row.client_id,
            timestamp: row.created_at,
        })
    }
}

fn into_messages(rows: Vec<Row>) -> Result<Vec<ChatMessage>, StoreError> {
    rows.into_iter().map(ChatMessage::try_from).collect()
}

/// Rows fetched one past `limit`: the extra row only says that more exist.
fn into_page(mut rows: Vec<Row>, limit: i64, descending: bool) -> Result<HistoryPage, StoreError> {
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    if descending {
        rows.reverse();
    }
    Ok(HistoryPage {
        messages: into_messages(rows)?,
        has_more,
    })
}

pub(super) async fn ensure_room(pool: &SqlitePool, room: &RoomName) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO rooms (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
        .bind(room.as_str())
        .bind(now_millis())
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn room_size(
    pool: &SqlitePool,
    room: &RoomName,
) -> Result<Option<i64>, StoreError> {
    let count = sqlx::query_scalar("SELECT message_count FROM rooms WHERE name = ?")
        .bind(room.as_str())
        .fetch_optional(pool)
        .await?;
    Ok(count)
}

pub(super) async fn insert_message(
    pool: &SqlitePool,
    new: NewMessage<'_>,
) -> Result<ChatMessage, StoreError> {
    let mut tx = pool.begin().await?;
    // Writing first takes the write lock at once, so this transaction never
    // has to upgrade a read snapshot (which SQLite refuses under contention).
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO rooms (name, message_count, created_at) VALUES (?, 1, ?)
         ON CONFLICT (name) DO UPDATE SET message_count = message_count + 1
         RETURNING message_count",
    )
    .bind(new.room.as_str())
    .bind(now_millis())
    .fetch_one(&mut *tx)
    .await?;

    let inserted: Option<Row> = sqlx::query_as(
        "INSERT INTO messages
             (room, seq, username, content, image, content_type, client_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (room, username, client_id) WHERE client_id IS NOT NULL DO NOTHING
         RETURNING id, room, username, content, image, content_type, client_id, created_at",
    )
    .bind(new.room.as_str())
    .bind(seq)
    .bind(new.username.as_str())
    .bind(new.content)
    .bind(new.image)
    .bind(new.content_type.as_str())
    .bind(new.client_id)
    .bind(now_millis())
    .fetch_optional(&mut *tx)
    .await?;

    let row = match inserted {
        Some(row) => {
            tx.commit().await?;
            row
        }
        // A retry of a stored send: undo the count and answer with the original.
        None => {
            tx.rollback().await?;
            let client_id = new.client_id.unwrap_or_default();
            return find_by_client_id(pool, new.room, new.username, client_id)
                .await?
                .ok_or_else(|| StoreError::Corrupt("conflicting send vanished".into()));
        }
    };
    row.try_into()
}

pub(super) async fn find_by_client_id(
    pool: &SqlitePool,
    room: &RoomName,
    username: &Username,
    client_id: &str,
) -> Result<Option<ChatMessage>, StoreError> {
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, room, username, content, image, content_type, client_id, created_at
         FROM messages WHERE room = ? AND username = ? AND client_id = ?",
    )
    .bind(room.as_str())
    .bind(username.as_str())
    .bind(client_id)
    .fetch_optional(pool)
    .await?;
    row.map(ChatMessage::try_from).transpose()
}

pub(super) async fn page_before(
    pool: &SqlitePool,
    room: &RoomName,
    before: i64,
    limit: i64,
) -> Result<HistoryPage, StoreError> {
    let rows = sqlx::query_as(
        "SELECT id, room, username, content, image, content_type, client_id, created_at
         FROM messages WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?",
    )
    .bind(room.as_str())
    .bind(before)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    into_page(rows, limit, true)
}

pub(super) async fn page_after(
    pool: &SqlitePool,
    room: &RoomName,
    after: i64,
    limit: i64,
) -> Result<HistoryPage, StoreError> {
    let rows = sqlx::query_as(
        "SELECT id, room, username, content, image, content_type, client_id, created_at
         FROM messages WHERE room = ? AND id > ? ORDER BY id ASC LIMIT ?",
    )
    .bind(room.as_str())
    .bind(after)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    into_page(rows, limit, false)
}

pub(super) async fn seq_range(
    pool: &SqlitePool,
    room: &RoomName,
    first: i64,
    last: i64,
) -> Result<Vec<ChatMessage>, StoreError> {
    let rows = sqlx::query_as(
        "SELECT id, room, username, content, image, content_type, client_id, created_at
         FROM messages WHERE room = ? AND seq BETWEEN ? AND ? ORDER BY seq ASC",
    )
    .bind(room.as_str())
    .bind(first)
    .bind(last)
    .fetch_all(pool)
    .await?;
    into_messages(rows)
}

/// Now, truncated to the millisecond the contract's timestamps carry, so a
/// stored message reads back exactly as it was acknowledged.
fn now_millis() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}
