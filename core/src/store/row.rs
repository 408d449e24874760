//! A stored message as every backend reads it back.

use super::StoreError;
use chrono::{DateTime, Utc};
use protocol::message::{ChatMessage, ContentType, HistoryPage};
use protocol::names::RoomName;
use sqlx::FromRow;

/// `SELECT` of every message column `FROM messages`, followed by the rest of
/// the query: one static string, as sqlx wants its SQL.
macro_rules! select_messages {
    ($rest:literal) => {
        concat!(
            "SELECT id, room, username, content, image, content_type, client_id, created_at, \
             edited_at, deleted FROM messages ",
            $rest
        )
    };
}
pub(super) use select_messages;

#[derive(FromRow)]
pub(super) struct MessageRow {
    id: i64,
    room: String,
    username: String,
    content: Option<String>,
    image: Option<String>,
    content_type: String,
    client_id: Option<String>,
    created_at: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    deleted: bool,
}

impl TryFrom<MessageRow> for ChatMessage {
    type Error = StoreError;

    fn try_from(row: MessageRow) -> Result<Self, StoreError> {
        let content_type = match row.content_type.as_str() {
            "text" => ContentType::Text,
            "image" => ContentType::Image,
            other => return Err(StoreError::Corrupt(format!("content_type {other:?}"))),
        };
        Ok(ChatMessage {
            id: row.id,
            room: row.room,
            username: row.username,
            content: row.content,
            image: row.image,
            content_type,
            client_id: row.client_id,
            timestamp: row.created_at,
            edited_at: row.edited_at,
            deleted: row.deleted,
        })
    }
}

/// Fetches the message rows of a query over one room and two integers
/// (an id or number, and a bound): what every history read binds.
pub(super) async fn fetch_rows<'e, 'q, DB, E>(
    executor: E,
    sql: &'static str,
    room: &'q RoomName,
    a: i64,
    b: i64,
) -> Result<Vec<MessageRow>, StoreError>
where
    DB: sqlx::Database,
    E: sqlx::Executor<'e, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
    MessageRow: for<'r> FromRow<'r, DB::Row>,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let rows = sqlx::query_as(sql)
        .bind(room.as_str())
        .bind(a)
        .bind(b)
        .fetch_all(executor)
        .await?;
    Ok(rows)
}

pub(super) fn into_messages(rows: Vec<MessageRow>) -> Result<Vec<ChatMessage>, StoreError> {
    rows.into_iter().map(ChatMessage::try_from).collect()
}

/// Rows fetched one past `limit`: the extra row only says that more exist.
/// `newest_first` rows (a backwards scan) are turned oldest first.
pub(super) fn into_page(
    mut rows: Vec<MessageRow>,
    limit: i64,
    newest_first: bool,
) -> Result<HistoryPage, StoreError> {
    let has_more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    if newest_first {
        rows.reverse();
    }
    Ok(HistoryPage {
        messages: into_messages(rows)?,
        has_more,
    })
}
