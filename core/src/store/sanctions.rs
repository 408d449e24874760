//! What mutes and bans keep: who, where (a mute's room), until when, and
//! who imposed it.

use super::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Which sanction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SanctionKind {
    /// No posting in one room.
    Mute,
    /// No signing in, anywhere.
    Ban,
}

impl SanctionKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SanctionKind::Mute => "mute",
            SanctionKind::Ban => "ban",
        }
    }

    fn parse(stored: &str) -> Result<Self, StoreError> {
        match stored {
            "mute" => Ok(SanctionKind::Mute),
            "ban" => Ok(SanctionKind::Ban),
            other => Err(StoreError::Corrupt(format!("sanction kind {other:?}"))),
        }
    }
}

/// A mute or ban, in force until `until`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanction {
    pub kind: SanctionKind,
    /// The room of a mute; empty for a ban.
    pub room: String,
    pub username: String,
    /// The name folded for comparison ([`name_key`](crate::reserved::name_key)).
    pub name_key: String,
    pub until: DateTime<Utc>,
    /// The staff member who imposed it.
    pub issued_by: String,
}

/// A sanction as every backend reads it back.
#[derive(sqlx::FromRow)]
pub(super) struct SanctionRow {
    kind: String,
    room: String,
    name_key: String,
    username: String,
    until: DateTime<Utc>,
    issued_by: String,
}

impl TryFrom<SanctionRow> for Sanction {
    type Error = StoreError;

    fn try_from(row: SanctionRow) -> Result<Self, StoreError> {
        Ok(Sanction {
            kind: SanctionKind::parse(&row.kind)?,
            room: row.room,
            username: row.username,
            name_key: row.name_key,
            until: row.until,
            issued_by: row.issued_by,
        })
    }
}

/// Storage for sanctions, the same on every backend.
#[async_trait]
pub trait SanctionStore: Send + Sync {
    /// Puts `sanction` in force, replacing one of the same kind for the
    /// same name (and room).
    async fn impose(&self, sanction: &Sanction) -> Result<(), StoreError>;

    /// Lifts the `kind` sanction on `name_key` in `room` (empty for a ban).
    async fn lift(&self, kind: SanctionKind, room: &str, name_key: &str) -> Result<(), StoreError>;

    /// Every sanction that has not ended at `now`, soonest end first.
    async fn sanctions_in_force(&self, now: DateTime<Utc>) -> Result<Vec<Sanction>, StoreError>;
}

/// Implements [`SanctionStore`] for `$store` (a struct with a `pool` field)
/// with the queries in its dialect module `$sql`.
macro_rules! impl_sanction_store {
    ($store:ty, $sql:path) => {
        #[async_trait::async_trait]
        impl $crate::store::SanctionStore for $store {
            async fn impose(
                &self,
                sanction: &$crate::store::Sanction,
            ) -> Result<(), $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::IMPOSE)
                        .bind(sanction.kind.as_str())
                        .bind(sanction.room.as_str())
                        .bind(sanction.name_key.as_str())
                        .bind(sanction.username.as_str())
                        .bind(sanction.until)
                        .bind(sanction.issued_by.as_str())
                        .bind($crate::store::now_millis())
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn lift(
                &self,
                kind: $crate::store::SanctionKind,
                room: &str,
                name_key: &str,
            ) -> Result<(), $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::LIFT)
                        .bind(kind.as_str())
                        .bind(room)
                        .bind(name_key)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn sanctions_in_force(
                &self,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<$crate::store::Sanction>, $crate::store::StoreError> {
                use $sql as sql;
                let rows: Vec<$crate::store::sanctions::SanctionRow> =
                    sqlx::query_as(sql::SANCTIONS_IN_FORCE)
                        .bind(now)
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter()
                    .map($crate::store::Sanction::try_from)
                    .collect()
            }
        }
    };
}
pub(super) use impl_sanction_store;
