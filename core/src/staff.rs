//! Staff: accounts with the staff role, made from the command line
//! (`create-superuser`, `reset-password`) straight on the database. Staff
//! names are kept from guests, look-alikes included.

use crate::accounts::password_rules;
use crate::passwords::Passwords;
use crate::reserved::name_key;
use crate::store::{NewAccount, Store, StoreError};
use protocol::names::Username;

/// Why a command-line account change was not made.
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    #[error("{0}")]
    WeakPassword(String),
    #[error("the account {0:?} has a name that looks the same; use that one instead")]
    LookAlike(String),
    #[error("no account is named {0:?}")]
    NoAccount(String),
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What saving a staff account did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    /// The staff account has this password now.
    PasswordChanged,
    /// An ordinary account now has the staff role and this password.
    Promoted,
}

async fn hashed(
    passwords: &Passwords,
    username: &Username,
    password: &str,
) -> Result<String, StaffError> {
    password_rules::check(password, username.as_str())
        .map_err(|e| StaffError::WeakPassword(e.to_string()))?;
    passwords
        .hash(password)
        .await
        .map_err(|e| StaffError::Hash(e.to_string()))
}

/// Creates the staff account `username` with `password`, or gives the
/// existing account of that name the staff role and the password. Its
/// sessions from before end (they are returned, to close their
/// connections).
pub async fn save(
    store: &dyn Store,
    passwords: &Passwords,
    username: &Username,
    password: &str,
) -> Result<(Saved, Vec<String>), StaffError> {
    let key = name_key(username.as_str());
    let existing = store.account(&key).await?;
    if let Some(account) = &existing
        && account.username != username.as_str()
    {
        return Err(StaffError::LookAlike(account.username.clone()));
    }
    let hash = hashed(passwords, username, password).await?;
    let saved = if let Some(account) = existing {
        store.set_password(username.as_str(), &hash).await?;
        store.set_staff(username.as_str(), true).await?;
        if account.staff {
            Saved::PasswordChanged
        } else {
            Saved::Promoted
        }
    } else {
        let new = NewAccount {
            username,
            name_key: &key,
            password_hash: &hash,
            staff: true,
        };
        if !store.create_account(new, None).await? {
            return Err(StaffError::LookAlike(username.to_string()));
        }
        Saved::Created
    };
    let ended = store.end_sessions_of(&key, None).await?;
    Ok((saved, ended))
}

/// Sets `password` on the account `username` and ends its sessions
/// (returned, to close their connections).
pub async fn reset_password(
    store: &dyn Store,
    passwords: &Passwords,
    username: &Username,
    password: &str,
) -> Result<Vec<String>, StaffError> {
    let key = name_key(username.as_str());
    match store.account(&key).await? {
        Some(account) if account.username == username.as_str() => {}
        _ => return Err(StaffError::NoAccount(username.to_string())),
    }
    let hash = hashed(passwords, username, password).await?;
    store.set_password(username.as_str(), &hash).await?;
    Ok(store.end_sessions_of(&key, None).await?)
}

/// Whether `name` is a staff account's (or looks like one).
pub async fn is_staff_name(store: &dyn Store, name: &str) -> Result<bool, StoreError> {
    Ok(store
        .account(&name_key(name))
        .await?
        .is_some_and(|account| account.staff))
}
