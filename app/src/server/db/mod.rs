//! Message storage. Callers see one [`Database`]; each backend keeps its SQL
//! in its own module, so adding PostgreSQL or MySQL touches only this folder.

mod sqlite;

use crate::message::{ChatMessage, ContentType};
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

/// A page of a room's history, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub messages: Vec<ChatMessage>,
    /// Whether older messages exist before the first one.
    pub has_more: bool,
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

    /// The newest `limit` messages of a room, oldest first.
    pub async fn newest_page(&self, room: &RoomName, limit: i64) -> Result<Page, StoreError> {
        match self {
            Database::Sqlite(pool) => sqlite::page_before(pool, room, i64::MAX, limit).await,
        }
    }

    /// Up to `limit` messages with ids above `since`, oldest first.
    pub async fn messages_after(
        &self,
        room: &RoomName,
        since: i64,
        limit: i64,
    ) -> Result<Vec<ChatMessage>, StoreError> {
        match self {
            Database::Sqlite(pool) => sqlite::messages_after(pool, room, since, limit).await,
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
