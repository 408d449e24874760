//! SQLite: one file under the data directory, WAL, fully synchronous commits
//! so an acknowledged message survives a crash or power loss.

use super::{NewMessage, Page, StoreError, parse_content_type};
use crate::message::ChatMessage;
use crate::names::RoomName;
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

pub(super) async fn ensure_room(pool: &SqlitePool, room: &RoomName) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO rooms (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING")
        .bind(room.as_str())
        .bind(now_millis())
        .execute(pool)
        .await?;
    Ok(())
}

pub(super) async fn insert_message(
    pool: &SqlitePool,
    new: NewMessage<'_>,
) -> Result<ChatMessage, StoreError> {
    let inserted: Option<Row> = sqlx::query_as(
        "INSERT INTO messages (room, username, content, image, content_type, client_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (room, username, client_id) WHERE client_id IS NOT NULL DO NOTHING
         RETURNING id, room, username, content, image, content_type, client_id, created_at",
    )
    .bind(new.room.as_str())
    .bind(new.username.as_str())
    .bind(new.content)
    .bind(new.image)
    .bind(new.content_type.as_str())
    .bind(new.client_id)
    .bind(now_millis())
    .fetch_optional(pool)
    .await?;

    let row = match inserted {
        Some(row) => row,
        // A retry of a stored send: answer with the original.
        None => {
            sqlx::query_as(
                "SELECT id, room, username, content, image, content_type, client_id, created_at FROM messages WHERE room = ? AND username = ? AND client_id = ?"
            )
            .bind(new.room.as_str())
            .bind(new.username.as_str())
            .bind(new.client_id)
            .fetch_one(pool)
            .await?
        }
    };
    row.try_into()
}

pub(super) async fn page_before(
    pool: &SqlitePool,
    room: &RoomName,
    before: i64,
    limit: i64,
) -> Result<Page, StoreError> {
    // One row past the page tells whether older messages exist, without a COUNT.
    let mut rows: Vec<Row> = sqlx::query_as(
        "SELECT id, room, username, content, image, content_type, client_id, created_at FROM messages WHERE room = ? AND id < ? ORDER BY id DESC LIMIT ?"
    )
    .bind(room.as_str())
    .bind(before)
    .bind(limit + 1)
    .fetch_all(pool)
    .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    rows.reverse();
    Ok(Page {
        messages: into_messages(rows)?,
        has_more,
    })
}

pub(super) async fn messages_after(
    pool: &SqlitePool,
    room: &RoomName,
    since: i64,
    limit: i64,
) -> Result<Vec<ChatMessage>, StoreError> {
    let rows = sqlx::query_as(
        "SELECT id, room, username, content, image, content_type, client_id, created_at FROM messages WHERE room = ? AND id > ? ORDER BY id ASC LIMIT ?"
    )
    .bind(room.as_str())
    .bind(since)
    .bind(limit)
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
