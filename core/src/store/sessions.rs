//! What sessions keep: one row per sign-in (a guest's or an account's),
//! under the hash of the secret its token carries. A session ends when its
//! row goes, and also, on every read, when it can no longer stand: a
//! guest's once its name (or a look-alike) is claimed, an account's once
//! the account is retired or gone. Every read applies that rule here, so
//! no path can skip it.

use super::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use protocol::names::Username;

/// A sign-in about to be stored.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    /// The SHA-256 of the token's secret (see [`crate::session`]).
    pub id: &'a str,
    pub username: &'a Username,
    /// The name folded for comparison ([`name_key`](crate::reserved::name_key)).
    pub name_key: &'a str,
    /// A guest's (no password) rather than an account's.
    pub guest: bool,
    /// The client's `User-Agent`, shortened to [`USER_AGENT_MAX_CHARS`].
    pub user_agent: &'a str,
}

/// The longest `User-Agent` kept with a session.
pub const USER_AGENT_MAX_CHARS: usize = 200;

/// A session that still stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSession {
    pub id: String,
    pub username: String,
    pub guest: bool,
    /// The account has the staff role (never for a guest).
    pub staff: bool,
    pub user_agent: String,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// A session row with what its rule needs of the account of its name.
#[derive(sqlx::FromRow)]
pub(super) struct SessionRow {
    id: String,
    username: String,
    guest: bool,
    user_agent: String,
    created_at: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    account_staff: Option<bool>,
    account_retired_at: Option<DateTime<Utc>>,
    /// Whether an account has the session's folded name.
    account_key: Option<String>,
}

impl SessionRow {
    /// The session, if it still stands: a guest's while no account has its
    /// name, an account's while the account is active.
    pub(super) fn standing(self) -> Option<StoredSession> {
        let account = self.account_key.is_some();
        let stands = if self.guest {
            !account
        } else {
            account && self.account_retired_at.is_none()
        };
        stands.then(|| StoredSession {
            staff: !self.guest && self.account_staff.unwrap_or(false),
            id: self.id,
            username: self.username,
            guest: self.guest,
            user_agent: self.user_agent,
            created_at: self.created_at,
            last_seen: self.last_seen,
        })
    }
}

/// Storage for sessions, the same on every backend.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new sign-in.
    async fn create_session(&self, new: NewSession<'_>) -> Result<(), StoreError>;

    /// Session `id`, if it still stands.
    async fn session(&self, id: &str) -> Result<Option<StoredSession>, StoreError>;

    /// Records that session `id` was used at `at`.
    async fn touch_session(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// The standing sessions of the account whose folded name is
    /// `name_key`, most recently used first.
    async fn account_sessions(&self, name_key: &str) -> Result<Vec<StoredSession>, StoreError>;

    /// Ends session `id` if its name's folded form is `name_key` (so one
    /// person cannot end another's); whether it did.
    async fn end_session(&self, id: &str, name_key: &str) -> Result<bool, StoreError>;

    /// Ends every session under the folded name `name_key`, guests' and
    /// the account's, except `keep`; returns the ids it ended.
    async fn end_sessions_of(
        &self,
        name_key: &str,
        keep: Option<&str>,
    ) -> Result<Vec<String>, StoreError>;

    /// Which of `ids` still stand.
    async fn standing_sessions(&self, ids: &[String]) -> Result<Vec<String>, StoreError>;

    /// Ends the sessions not used since `idle_since`; how many.
    async fn purge_sessions(&self, idle_since: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// The columns every session read takes, with the account of its name.
macro_rules! select_sessions {
    ($where:literal) => {
        concat!(
            "SELECT s.id, s.username, s.guest, s.user_agent, s.created_at, s.last_seen,
                    a.staff AS account_staff, a.retired_at AS account_retired_at,
                    a.name_key AS account_key
             FROM sessions s LEFT JOIN accounts a ON a.name_key = s.name_key ",
            $where
        )
    };
}
pub(super) use select_sessions;

/// How many ids one [`SessionStore::standing_sessions`] query asks about.
pub(super) const STANDING_BATCH: usize = 500;

/// Implements [`SessionStore`] for `$store` (a struct with a `pool` field
/// of database `$db`) with the queries in the dialect module `$sql`.
macro_rules! impl_session_store {
    ($store:ty, $db:ty, $sql:path) => {
        #[async_trait::async_trait]
        impl $crate::store::SessionStore for $store {
            async fn create_session(
                &self,
                new: $crate::store::NewSession<'_>,
            ) -> Result<(), $crate::store::StoreError> {
                use $sql as sql;
                let now = $crate::store::now_millis();
                let user_agent: String = new
                    .user_agent
                    .chars()
                    .take($crate::store::sessions::USER_AGENT_MAX_CHARS)
                    .collect();
                let user_agent = user_agent.as_str();
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::CREATE_SESSION)
                        .bind(new.id)
                        .bind(new.username.as_str())
                        .bind(new.name_key)
                        .bind(new.guest)
                        .bind(user_agent)
                        .bind(now)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn session(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::StoredSession>, $crate::store::StoreError> {
                use $sql as sql;
                let row: Option<$crate::store::sessions::SessionRow> = sqlx::query_as(sql::SESSION)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.and_then(|row| row.standing()))
            }

            async fn touch_session(
                &self,
                id: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::TOUCH_SESSION)
                        .bind(at)
                        .bind(id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn account_sessions(
                &self,
                name_key: &str,
            ) -> Result<Vec<$crate::store::StoredSession>, $crate::store::StoreError> {
                use $sql as sql;
                let rows: Vec<$crate::store::sessions::SessionRow> =
                    sqlx::query_as(sql::ACCOUNT_SESSIONS)
                        .bind(name_key)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().filter_map(|row| row.standing()).collect())
            }

            async fn end_session(
                &self,
                id: &str,
                name_key: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    let done = sqlx::query(sql::END_SESSION)
                        .bind(id)
                        .bind(name_key)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
                .await
            }

            async fn end_sessions_of(
                &self,
                name_key: &str,
                keep: Option<&str>,
            ) -> Result<Vec<String>, $crate::store::StoreError> {
                use $sql as sql;
                let keep = keep.unwrap_or_default();
                // Listed first, to close their connections; one opened
                // between the two ends too, and the sweep closes its
                // connections (`LiveSessions`).
                let ids: Vec<String> = sqlx::query_scalar(sql::SESSIONS_OF_NAME)
                    .bind(name_key)
                    .fetch_all(&self.pool)
                    .await?;
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::END_SESSIONS_OF_NAME)
                        .bind(name_key)
                        .bind(keep)
                        .execute(&self.pool)
                        .await?;
                    Ok::<_, $crate::store::StoreError>(())
                })
                .await?;
                Ok(ids.into_iter().filter(|id| id != keep).collect())
            }

            async fn standing_sessions(
                &self,
                ids: &[String],
            ) -> Result<Vec<String>, $crate::store::StoreError> {
                let mut standing = Vec::new();
                for batch in ids.chunks($crate::store::sessions::STANDING_BATCH) {
                    let mut query = sqlx::QueryBuilder::<$db>::new(
                        $crate::store::sessions::select_sessions!("WHERE s.id IN ("),
                    );
                    let mut list = query.separated(", ");
                    for id in batch {
                        list.push_bind(id.as_str());
                    }
                    query.push(")");
                    let rows: Vec<$crate::store::sessions::SessionRow> =
                        query.build_query_as().fetch_all(&self.pool).await?;
                    standing.extend(
                        rows.into_iter()
                            .filter_map(|row| row.standing())
                            .map(|s| s.id),
                    );
                }
                Ok(standing)
            }

            async fn purge_sessions(
                &self,
                idle_since: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    let done = sqlx::query(sql::PURGE_SESSIONS)
                        .bind(idle_since)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected())
                })
                .await
            }
        }
    };
}
pub(super) use impl_session_store;
