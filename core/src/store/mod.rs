//! Message storage (and by entity: accounts in [`accounts`], sign-ins in
//! [`sessions`], memberships, read markers and private rooms in [`rooms`],
//! mutes and bans in [`sanctions`], what push notifications keep in
//! [`push`]).
//! Callers hold an [`Arc<dyn Store>`](Store) from [`connect`]; each
//! backend keeps its SQL and its migrations to itself
//! (`migrations/<backend>/`), and one conformance suite holds all three to
//! the same behaviour.
//!
//! What every backend guarantees:
//! - ids strictly increase within a room in the order messages become
//!   visible (inserts into one room are serialised on the room's row, which
//!   also numbers the room's messages 1, 2, 3, … in `seq`);
//! - one message per (room, username, client_id), however many retries race;
//! - timestamps in UTC milliseconds, read back exactly as acknowledged;
//! - a message is acknowledged only after its transaction committed (the
//!   messages sent meanwhile share a transaction: see [`group_commit`]).

pub mod accounts;
mod accounts_sql;
mod contention;
mod dialects;
mod group_commit;
mod mysql;
mod numbering;
mod postgres;
pub mod push;
mod push_sql;
pub mod rooms;
mod rooms_sql;
mod row;
pub mod sanctions;
pub mod sessions;
mod sql_store;
mod sqlite;
mod sqlite_writer;
mod standard;

pub use accounts::{Account, AccountStore, AccountSummary, NewAccount};
use async_trait::async_trait;
use protocol::message::{ChatMessage, ContentType, HistoryPage};
use protocol::names::{RoomName, Username};
pub use rooms::{DirectSide, DirectoryRoom, MemberRoom, ReadMarker, RoomAccess, RoomStore};
pub use sanctions::{Sanction, SanctionKind, SanctionStore};
pub use sessions::{NewSession, SessionStore, StoredSession};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// A storage failure. The detail is for logs; callers answer `unavailable`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A failed commit, shared by every message of its batch.
    #[error("database error: {0}")]
    Write(group_commit::Failure),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("could not start the SQLite writer thread: {0}")]
    WriterThread(std::io::Error),
    #[error(
        "an in-memory SQLite database cannot be shared by the message writer: name a file, e.g. sqlite://data/chat.db"
    )]
    SqliteInMemory,
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?} (expected sqlite:, postgres:// or mysql://)")]
    UnsupportedUrl(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

impl Backend {
    /// The backend of a `DATABASE_URL`, by its scheme.
    pub fn of_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':')?.0;
        match scheme {
            "sqlite" => Some(Backend::Sqlite),
            "postgres" | "postgresql" => Some(Backend::Postgres),
            "mysql" => Some(Backend::MySql),
            _ => None,
        }
    }
}

/// Connection pool settings.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// How long a query waits for a connection (or for a new one to open)
    /// before it fails as unavailable.
    pub acquire_timeout: Duration,
    /// How long [`connect`] keeps trying a database it cannot reach yet (a
    /// server started next to the chat may still be starting).
    pub startup_wait: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            startup_wait: Duration::from_secs(30),
        }
    }
}

impl PoolSettings {
    /// A pool of any backend, sized and timed by these settings.
    fn pool_options<DB: sqlx::Database>(&self) -> sqlx::pool::PoolOptions<DB> {
        sqlx::pool::PoolOptions::new()
            .max_connections(self.max_connections)
            .acquire_timeout(self.acquire_timeout)
    }
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

impl NewMessage<'_> {
    /// The message as it will be stored; its id and timestamp are set when
    /// it is.
    fn unsaved(&self) -> ChatMessage {
        ChatMessage {
            id: 0,
            room: self.room.to_string(),
            username: self.username.to_string(),
            content: self.content.map(str::to_owned),
            image: self.image.map(str::to_owned),
            content_type: self.content_type,
            client_id: self.client_id.map(str::to_owned),
            timestamp: now_millis(),
            edited_at: None,
            deleted: false,
        }
    }
}

/// What storing a message did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inserted {
    /// The stored message: the new one, or the one stored earlier under the
    /// same `client_id`.
    pub message: ChatMessage,
    /// False when an earlier send with the same `client_id` was found.
    pub is_new: bool,
    /// The new message's number in its room (1 for its first): what
    /// unread counts are reckoned from. `None` for one stored earlier.
    pub seq: Option<i64>,
}

/// An edit or deletion of a stored message.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// New text, edited at `at`.
    Edit {
        content: &'a str,
        at: chrono::DateTime<chrono::Utc>,
    },
    /// The content and image go; the message keeps its id and place.
    Delete,
}

/// A room as the admin pages list it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RoomSummary {
    pub name: String,
    pub message_count: i64,
    /// Seen only by its members (and staff).
    pub private: bool,
    /// When its newest message was stored, if it has any.
    pub last_activity: Option<chrono::DateTime<chrono::Utc>>,
}

/// Storage for rooms and messages, the same on every backend.
#[async_trait]
pub trait Store:
    push::PushStore + AccountStore + SessionStore + RoomStore + SanctionStore + Send + Sync + 'static
{
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// Records that a room exists (idempotent).
    async fn ensure_room(&self, room: &RoomName) -> Result<(), StoreError>;

    /// Stores a message, numbering it in its room, and returns it with its
    /// id and timestamp; a message already stored under the same (room,
    /// user, client_id) is returned instead, and nothing is stored.
    async fn insert_message(&self, new: NewMessage<'_>) -> Result<Inserted, StoreError>;

    /// The message a sender stored under `client_id` in a room, if any.
    async fn find_by_client_id(
        &self,
        room: &RoomName,
        username: &Username,
        client_id: &str,
    ) -> Result<Option<ChatMessage>, StoreError>;

    /// How many messages a room has, or `None` for a room nobody created.
    async fn room_size(&self, room: &RoomName) -> Result<Option<i64>, StoreError>;

    /// Up to `limit` messages with ids below `before` (the newest ones when
    /// `None`), oldest first; `has_more` tells whether older ones remain.
    async fn page_before(
        &self,
        room: &RoomName,
        before: Option<i64>,
        limit: i64,
    ) -> Result<HistoryPage, StoreError>;

    /// Up to `limit` messages with ids above `after`, oldest first;
    /// `has_more` tells whether newer ones remain.
    async fn page_after(
        &self,
        room: &RoomName,
        after: i64,
        limit: i64,
    ) -> Result<HistoryPage, StoreError>;

    /// The messages numbered `first..=last` within the room (1 is the
    /// room's first message), oldest first.
    async fn seq_range(
        &self,
        room: &RoomName,
        first: i64,
        last: i64,
    ) -> Result<Vec<ChatMessage>, StoreError>;

    /// Message `id` of `room`, deleted or not.
    async fn message(&self, room: &RoomName, id: i64) -> Result<Option<ChatMessage>, StoreError>;

    /// Applies `change` to message `id` of `room` and returns the message
    /// as it now is; `None` when there is no such message or it was
    /// deleted already. The change is numbered in its room, for
    /// [`Store::changes_since`].
    async fn change_message(
        &self,
        room: &RoomName,
        id: i64,
        change: Change<'_>,
    ) -> Result<Option<ChatMessage>, StoreError>;

    /// Up to `limit` messages with ids up to `since` that were edited or
    /// deleted after message `since` was stored, oldest change first, as
    /// they are now; `has_more` tells whether more such changes exist.
    async fn changes_since(
        &self,
        room: &RoomName,
        since: i64,
        limit: i64,
    ) -> Result<HistoryPage, StoreError>;

    /// Up to `limit` rooms, most recently active first (rooms without
    /// messages last).
    async fn rooms(&self, limit: i64) -> Result<Vec<RoomSummary>, StoreError>;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Stores the inserts already queued, then closes the database (SQLite
    /// also checkpoints its write-ahead log); later inserts fail.
    async fn close(&self);
}

/// Opens the database `url` names, creating (SQLite) and migrating it. A
/// database that cannot be reached is tried again, with growing pauses, for
/// up to `pool.startup_wait`; any other failure (a wrong password, say) is
/// returned at once.
pub async fn connect(url: &str, pool: &PoolSettings) -> Result<Arc<dyn Store>, StoreError> {
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(250);
    loop {
        match open(url, pool).await {
            Err(StoreError::Sqlx(e))
                if is_unreachable(&e) && started.elapsed() + pause < pool.startup_wait =>
            {
                tracing::warn!(error = %e, retry_in = ?pause, "the database cannot be reached yet");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            outcome => return outcome,
        }
    }
}

/// Whether a failure is about reaching the database at all.
fn is_unreachable(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut)
}

async fn open(url: &str, pool: &PoolSettings) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = match Backend::of_url(url) {
        Some(Backend::Sqlite) => Arc::new(sqlite::SqliteStore::connect(url, pool).await?),
        Some(Backend::Postgres) => Arc::new(postgres::PgStore::connect(url, pool).await?),
        Some(Backend::MySql) => Arc::new(mysql::MySqlStore::connect(url, pool).await?),
        None => return Err(StoreError::UnsupportedUrl(redact(url))),
    };
    Ok(store)
}

/// The default SQLite URL for a data directory.
pub fn sqlite_url_in(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("chat.db").display())
}

/// A URL with its credentials left out, for logs and error messages.
pub fn redact(url: &str) -> String {
    // The last `@`: a password may contain one.
    match url.rsplit_once('@') {
        Some((_, host)) => {
            let scheme = url.split(':').next().unwrap_or_default();
            format!("{scheme}://…@{host}")
        }
        None => url.to_owned(),
    }
}

/// Now, truncated to the millisecond the contract's timestamps carry, so a
/// stored message reads back exactly as it was acknowledged.
pub(crate) fn now_millis() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

/// Whether a failed statement ran into a unique key (a retried
/// `client_id`, a name taken meanwhile).
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation())
}

/// The message stored earlier under `new`'s `client_id`, for an insert that
/// ran into it.
async fn stored_earlier(store: &dyn Store, new: &NewMessage<'_>) -> Result<Inserted, StoreError> {
    let client_id = new.client_id.unwrap_or_default();
    let message = store
        .find_by_client_id(new.room, new.username, client_id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a conflicting send vanished".into()))?;
    Ok(Inserted {
        message,
        is_new: false,
        seq: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(
            Backend::of_url("sqlite://data/chat.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(Backend::of_url("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::of_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::of_url("mysql://root@h/db"), Some(Backend::MySql));
        assert_eq!(Backend::of_url("redis://h"), None);
        assert_eq!(Backend::of_url("chat.db"), None);
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact("postgres://chat:hunter2@db:5432/chat"),
            "postgres://…@db:5432/chat"
        );
        assert_eq!(redact("mysql://chat:p@ss@db/chat"), "mysql://…@db/chat");
        assert_eq!(redact("sqlite://data/chat.db"), "sqlite://data/chat.db");
    }
}
