//! What staff accounts keep: a name, the password's hash, and when it was
//! last set (staff sessions from before then end).

use super::StoreError;
use async_trait::async_trait;
use protocol::names::Username;

/// A staff account as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StaffAccount {
    pub username: String,
    /// The password's Argon2id hash, in PHC form.
    pub password_hash: String,
    /// When the password was last set: staff sessions from before it end.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Storage for staff accounts, the same on every backend.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Creates the staff account `username` or sets its password;
    /// `name_key` is the name folded for comparison
    /// ([`name_key`](crate::reserved::name_key)).
    async fn save_staff(
        &self,
        username: &Username,
        name_key: &str,
        password_hash: &str,
    ) -> Result<(), StoreError>;

    /// The staff account whose folded name is `name_key`, if any.
    async fn staff(&self, name_key: &str) -> Result<Option<StaffAccount>, StoreError>;
}

/// Implements [`StaffStore`] for `$store` (a struct with a `pool` field)
/// with the queries in its dialect module `$sql`.
macro_rules! impl_staff_store {
    ($store:ty, $sql:path) => {
        #[async_trait::async_trait]
        impl $crate::store::StaffStore for $store {
            async fn save_staff(
                &self,
                username: &protocol::names::Username,
                name_key: &str,
                password_hash: &str,
            ) -> Result<(), $crate::store::StoreError> {
                use $sql as sql;
                let now = $crate::store::now_millis();
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::SAVE_STAFF)
                        .bind(username.as_str())
                        .bind(name_key)
                        .bind(password_hash)
                        .bind(now)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn staff(
                &self,
                name_key: &str,
            ) -> Result<Option<$crate::store::StaffAccount>, $crate::store::StoreError> {
                use $sql as sql;
                let account = sqlx::query_as(sql::STAFF)
                    .bind(name_key)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(account)
            }
        }
    };
}
pub(super) use impl_staff_store;
