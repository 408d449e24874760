//! Staff accounts: a name and a password, stored as an Argon2id hash.
//! Staff names are kept from the password-less login, look-alikes
//! included.

use crate::reserved::name_key;
use crate::session::Session;
use crate::store::{StaffAccount, Store, StoreError};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use protocol::names::Username;
use std::sync::LazyLock;

/// Shortest password accepted, in characters.
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Longest password accepted, in bytes: hashing cost stays bounded.
pub const PASSWORD_MAX_BYTES: usize = 1024;

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
    let hash = hash_password(password.to_owned()).await?;
    store.save_staff(username, &key, &hash).await?;
    Ok(saved)
}

/// The staff account signing in as `username` with `password`, if both
/// are right.
pub async fn verify(
    store: &dyn Store,
    username: &str,
    password: &str,
) -> Result<Option<StaffAccount>, StoreError> {
    let account = match store.staff(&name_key(username)).await? {
        Some(account) if account.username == username => account,
        // Same work whether or not the name exists, so timing does not
        // tell staff names apart.
        _ => {
            let _ = check_password(None, password).await;
            return Ok(None);
        }
    };
    let right = check_password(Some(account.password_hash.clone()), password).await;
    Ok(right.then_some(account))
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

/// The hash of a password no one has, checked when the name is unknown.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_now("no one signs in with this").unwrap_or_default());

/// Hashing takes tens of milliseconds of CPU: off the async workers.
async fn hash_password(password: String) -> Result<String, StaffError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| StaffError::Hash(e.to_string()))?
}

fn hash_now(password: &str) -> Result<String, StaffError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| StaffError::Hash(e.to_string()))
}

/// Whether `password` matches `hash` (or, with none, the dummy hash: the
/// same work for a name that does not exist).
async fn check_password(hash: Option<String>, password: &str) -> bool {
    if password.len() > PASSWORD_MAX_BYTES {
        return false;
    }
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let hash = hash.as_deref().unwrap_or(&DUMMY_HASH);
        PasswordHash::new(hash).is_ok_and(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}
