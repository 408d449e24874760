//! Staff accounts: a name and a password, stored as an Argon2id hash.
//! Staff names are kept from the password-less login, look-alikes
//! included.

use crate::Error;
use crate::passwords::Passwords;
use crate::reserved::name_key;
use crate::session::Session;
use crate::store::{StaffAccount, Store, StoreError};
use protocol::names::Username;

pub use crate::passwords::PASSWORD_MAX_BYTES;

/// Shortest password accepted, in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;

/// Why a staff account was not saved.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("the password must be at least {PASSWORD_MIN_CHARS} characters")]
    PasswordTooShort,
    #[error("the password must be at most {PASSWORD_MAX_BYTES} bytes")]
    PasswordTooLong,
    #[error("the staff account {0:?} has a name that looks the same; update that one instead")]
    LookAlike(String),
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What saving a staff account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    PasswordChanged,
}

/// Creates the staff account `username` with `password`, or sets the
/// password of the existing one.
pub async fn save(
    store: &dyn Store,
    passwords: &Passwords,
    username: &Username,
    password: &str,
) -> Result<Saved, StaffError> {
    if password.chars().count() < PASSWORD_MIN_CHARS {
        return Err(StaffError::PasswordTooShort);
    }
    if password.len() > PASSWORD_MAX_BYTES {
        return Err(StaffError::PasswordTooLong);
    }
    let key = name_key(username.as_str());
    let saved = match store.staff(&key).await? {
        None => Saved::Created,
        Some(existing) if existing.username == username.as_str() => Saved::PasswordChanged,
        Some(existing) => return Err(StaffError::LookAlike(existing.username)),
    };
    let hash = passwords
        .hash(password)
        .await
        .map_err(|e| StaffError::Hash(e.to_string()))?;
    store.save_staff(username, &key, &hash).await?;
    Ok(saved)
}

/// The staff account signing in as `username` with `password`, if both
/// are right; `rate_limited` while the hashing pool is full.
pub async fn verify(
    store: &dyn Store,
    passwords: &Passwords,
    username: &str,
    password: &str,
) -> Result<Option<StaffAccount>, Error> {
    let account = store
        .staff(&name_key(username))
        .await?
        .filter(|account| account.username == username);
    // The same work whether or not the name exists, so timing does not
    // tell staff names apart.
    let hash = account.as_ref().map(|a| a.password_hash.as_str());
    let right = passwords.verify(hash, password).await?;
    Ok(account.filter(|_| right))
}

/// Whether `session` carries staff rights now: a staff sign-in of an
/// account that still exists, since its password was last set.
pub async fn has_rights(store: &dyn Store, session: &Session) -> Result<bool, StoreError> {
    if !session.staff {
        return Ok(false);
    }
    let name = session.username.as_str();
    Ok(store.staff(&name_key(name)).await?.is_some_and(|account| {
        account.username == name && session.issued_at >= account.updated_at.timestamp()
    }))
}

/// Whether `name` is a staff account's (or looks like one).
pub async fn is_staff_name(store: &dyn Store, name: &str) -> Result<bool, StoreError> {
    Ok(store.staff(&name_key(name)).await?.is_some())
}
