//! Message storage. Callers see one [`Database`]; each backend keeps its SQL
//! in its own module, so adding PostgreSQL or MySQL touches only this folder.

mod sqlite;

use crate::message::{ChatMessage, ContentType, HistoryPage};
use crate::names::{RoomName, Username};
use std::path::Path;

/// A storage failure. The detail is for logs; callers answer `unavailable`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?} (expected sqlite:)")]
    UnsupportedUrl(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// A message about to be stored.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub room: &'a RoomName,
    pub username: &'a Username,
    pub content: Option<&'a str>,
    pub image: Option<&'a str>,
    pub content_type: ContentType,
    /// The sender's idempotency key: the same (room, user, key) is stored once.
    pub client_id: Option<&'a str>,
}

/// The connection pool of whichever backend `DATABASE_URL` names.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(sqlx::SqlitePool),
}

impl Database {
    /// Opens the database at `url`, creating and migrating it as needed.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            return Ok(Database::Sqlite(sqlite::connect(url).await?));
        }
        Err(StoreError::UnsupportedUrl(redact(url)))
    }

    /// The default SQLite URL for a data directory.
    pub fn sqlite_url_in(dir: &Path) -> String {
        format!("sqlite://{}", dir.join("chat.db").display())
    }

    /// Records that a room exists (idempotent).
    pub async fn ensure_room(&self, room: &RoomName) -> Result<(), StoreError> {
        match self {
            Database::Sqlite(pool) => sqlite::ensure_room(pool, room).await,
        }
    }

    /// Stores a message and returns it with its id and timestamp. A message
    /// whose (room, user, client_id) is already stored is returned as it was.
    pub async fn insert_message(&self, new: NewMessage<'_>) -> Result<ChatMessage, StoreError> {
        match self {
            Database::Sqlite(pool) => sqlite::insert_message(pool, new).await,
        }
    }

    /// The message a sender stored under `client_id` in a room, if any.
    pub async fn find_by_client_id(
        &self,
        room: &RoomName,
        username: &Username,
        client_id: &str,
    ) -> Result<Option<ChatMessage>, StoreError> {
        match self {
            Database::Sqlite(pool) => {
                sqlite::find_by_client_id(pool, room, username, client_id).await
            }
        }
    }

    /// How many messages a room has, or `None` for a room nobody created.
    pub async fn room_size(&self, room: &RoomName) -> Result<Option<i64>, StoreError> {
        match self {
            Database::Sqlite(pool) => sqlite::room_size(pool, room).await,
        }
    }

    /// Up to `limit` messages older than `before` (the newest ones when
    /// `None`), oldest first; `has_more` tells whether older ones remain.
    pub async fn page_before(
        &self,
        room: &RoomName,
        before: Option<i64>,
        limit: i64,
    ) -> Result<HistoryPage, StoreError> {
        let before = before.unwrap_or(i64::MAX);
        match self {
            Database::Sqlite(pool) => sqlite::page_before(pool, room, before, limit).await,
        }
    }

    /// Up to `limit` messages newer than `after`, oldest first; `has_more`
    /// tells whether newer ones remain.
    pub async fn page_after(
        &self,
        room: &RoomName,
        after: i64,
        limit: i64,
    ) -> Result<HistoryPage, StoreError> {
        match self {
            Database::Sqlite(pool) => sqlite::page_after(pool, room, after, limit).await,
        }
    }

    /// The messages numbered `first..=last` within the room (1 is the
    /// room's first message), oldest first.
    pub async fn seq_range(
        &self,
        room: &RoomName,
        first: i64,
        last: i64,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        match self {
            Database::Sqlite(pool) => sqlite::seq_range(pool, room, first, last).await,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Database::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop)?,
        }
        Ok(())
    }

    /// Closes the pool, checkpointing SQLite's write-ahead log.
    pub async fn close(&self) {
        match self {
            Database::Sqlite(pool) => pool.close().await,
        }
    }
}

/// Keeps credentials out of logs and error messages.
fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((_, host)) => format!("…@{host}"),
        None => url.split(':').next().unwrap_or_default().to_owned() + ":…",
    }
}

fn parse_content_type(raw: &str) -> Result<ContentType, StoreError> {
    match raw {
        "text" => Ok(ContentType::Text),
        "image" => Ok(ContentType::Image),
        other => Err(StoreError::Corrupt(format!("content_type {other:?}"))),
    }
}
