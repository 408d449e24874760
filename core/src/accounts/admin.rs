//! What staff do with accounts: list them, create one (while registration
//! is closed, the only way in), reset a password (the new one is shown
//! once), and delete one (its messages stay under its name, which is kept
//! from others unless staff release it).

use crate::reserved::name_key;
use crate::store::AccountSummary;
use crate::{Chat, Error};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use protocol::names::Username;

/// Most accounts the admin page lists.
pub const ACCOUNTS_LISTED: i64 = 1000;

/// A password for someone else to change: 120 random bits, typeable.
fn generated_password() -> String {
    let mut bytes = [0u8; 15];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    B64.encode(bytes)
}

impl Chat {
    /// Every account, by name (up to [`ACCOUNTS_LISTED`]).
    pub async fn accounts(&self) -> Result<Vec<AccountSummary>, Error> {
        Ok(self.store().accounts(ACCOUNTS_LISTED).await?)
    }

    /// Creates the account `username` with a generated password, which is
    /// returned to be handed over once.
    pub async fn create_account_for(&self, username: &Username) -> Result<String, Error> {
        let password = generated_password();
        self.create_account(username, &password, false, None)
            .await?;
        Ok(password)
    }

    /// Sets a generated password on the account `username` (bringing a
    /// retired one back) and ends its sessions; returns the password.
    pub async fn reset_password(&self, username: &str) -> Result<String, Error> {
        let password = generated_password();
        let hash = self.passwords().hash(&password).await?;
        if !self.store().set_password(username, &hash).await? {
            return Err(Error::not_found(format!("no account named {username:?}")));
        }
        self.end_sessions_of_account(username).await?;
        Ok(password)
    }

    /// Deletes the account `username`, takes it out of its private rooms and
    /// direct messages, and ends its sessions. Its messages
    /// stay under its name; with `release_name`, others may then use or
    /// claim the name, otherwise it stays kept (the account is retired).
    pub async fn delete_account(&self, username: &str, release_name: bool) -> Result<(), Error> {
        let done = if release_name {
            self.store().delete_account(username).await?
        } else {
            self.store().retire_account(username).await?
        };
        if !done {
            return Err(Error::not_found(format!("no account named {username:?}")));
        }
        // Whoever has the name next is not let into its private rooms.
        self.store().leave_private_rooms(username).await?;
        self.end_sessions_of_account(username).await
    }

    async fn end_sessions_of_account(&self, username: &str) -> Result<(), Error> {
        let ended = self
            .store()
            .end_sessions_of(&name_key(username), None)
            .await?;
        self.announce_ended(&ended).await;
        Ok(())
    }
}
