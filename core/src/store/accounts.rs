//! What accounts keep: a name, the password's hash, the staff role, and
//! whether staff retired the account (its name then stays kept).

use super::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use protocol::names::Username;

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Account {
    pub username: String,
    /// The password's Argon2id hash, in PHC form.
    pub password_hash: String,
    pub staff: bool,
    pub created_at: DateTime<Utc>,
    pub password_set_at: DateTime<Utc>,
    /// Set once staff deleted the account but kept its name from others:
    /// it signs in no more.
    pub retired_at: Option<DateTime<Utc>>,
}

impl Account {
    /// Whether the account can be signed in to.
    pub fn active(&self) -> bool {
        self.retired_at.is_none()
    }
}

/// An account about to be created.
#[derive(Debug, Clone, Copy)]
pub struct NewAccount<'a> {
    pub username: &'a Username,
    /// The name folded for comparison ([`name_key`](crate::reserved::name_key)).
    pub name_key: &'a str,
    pub password_hash: &'a str,
    pub staff: bool,
}

/// An account as the admin pages list it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountSummary {
    pub username: String,
    pub staff: bool,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    /// When any of its sessions was last used, if one is still open.
    pub last_seen: Option<DateTime<Utc>>,
}

/// Storage for accounts, the same on every backend.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the account; `false` (and nothing stored) when its name or a
    /// look-alike of it is an account's already. With `from_session`, that
    /// guest session becomes the account's in the same transaction (a
    /// guest claiming their name carries on signed in).
    async fn create_account(
        &self,
        new: NewAccount<'_>,
        from_session: Option<&str>,
    ) -> Result<bool, StoreError>;

    /// The account whose folded name is `name_key`, retired or not.
    async fn account(&self, name_key: &str) -> Result<Option<Account>, StoreError>;

    /// Sets the password of the account `username` (bringing a retired one
    /// back); `false` when there is no such account.
    async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool, StoreError>;

    /// Gives or takes the staff role; `false` when there is no such account.
    async fn set_staff(&self, username: &str, staff: bool) -> Result<bool, StoreError>;

    /// Retires the account: it signs in no more, and keeps its name from
    /// others (and loses the staff role).
    async fn retire_account(&self, username: &str) -> Result<bool, StoreError>;

    /// Deletes the account: its name may be taken again.
    async fn delete_account(&self, username: &str) -> Result<bool, StoreError>;

    /// Up to `limit` accounts, by name.
    async fn accounts(&self, limit: i64) -> Result<Vec<AccountSummary>, StoreError>;
}

/// Implements [`AccountStore`] for `$store` (a struct with a `pool` field)
/// with the queries in the dialect module `$sql`.
macro_rules! impl_account_store {
    ($store:ty, $sql:path) => {
        #[async_trait::async_trait]
        impl $crate::store::AccountStore for $store {
            async fn create_account(
                &self,
                new: $crate::store::NewAccount<'_>,
                from_session: Option<&str>,
            ) -> Result<bool, $crate::store::StoreError> {
                use $sql as sql;
                let now = $crate::store::now_millis();
                $crate::store::contention::retrying(move || async move {
                    use $crate::store::contention::WritePool;
                    let mut tx = self.pool.begin_write().await?;
                    let inserted = sqlx::query(sql::CREATE_ACCOUNT)
                        .bind(new.username.as_str())
                        .bind(new.name_key)
                        .bind(new.password_hash)
                        .bind(new.staff)
                        .bind(now)
                        .bind(now)
                        .execute(&mut *tx)
                        .await;
                    match inserted {
                        Ok(_) => {}
                        Err(e) if $crate::store::is_unique_violation(&e) => return Ok(false),
                        Err(e) => return Err(e.into()),
                    }
                    if let Some(id) = from_session {
                        sqlx::query(sql::PROMOTE_SESSION)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(true)
                })
                .await
            }

            async fn account(
                &self,
                name_key: &str,
            ) -> Result<Option<$crate::store::Account>, $crate::store::StoreError> {
                use $sql as sql;
                Ok(sqlx::query_as(sql::ACCOUNT)
                    .bind(name_key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_password(
                &self,
                username: &str,
                password_hash: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                use $sql as sql;
                let now = $crate::store::now_millis();
                $crate::store::contention::retrying(move || async move {
                    let done = sqlx::query(sql::SET_PASSWORD)
                        .bind(password_hash)
                        .bind(now)
                        .bind(username)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
                .await
            }

            async fn set_staff(
                &self,
                username: &str,
                staff: bool,
            ) -> Result<bool, $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    let done = sqlx::query(sql::SET_STAFF)
                        .bind(staff)
                        .bind(username)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
                .await
            }

            async fn retire_account(
                &self,
                username: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                use $sql as sql;
                let now = $crate::store::now_millis();
                $crate::store::contention::retrying(move || async move {
                    let done = sqlx::query(sql::RETIRE_ACCOUNT)
                        .bind(now)
                        .bind(username)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
                .await
            }

            async fn delete_account(
                &self,
                username: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    let done = sqlx::query(sql::DELETE_ACCOUNT)
                        .bind(username)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
                .await
            }

            async fn accounts(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::store::AccountSummary>, $crate::store::StoreError> {
                use $sql as sql;
                Ok(sqlx::query_as(sql::ACCOUNTS)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}
pub(super) use impl_account_store;
