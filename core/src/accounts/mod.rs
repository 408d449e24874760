//! Accounts and sign-ins. A name nobody has claimed can be used by anyone
//! as a guest; a name claimed with a password (an account), and its
//! look-alikes, sign in only with the password. Every sign-in, a guest's
//! too, is a session row ([`sessions`]), so any of them can be listed and
//! ended; staff manage accounts in [`admin`].

mod admin;
pub mod password_rules;
mod sessions;

use crate::reserved::{looks_reserved, name_key};
use crate::session::Session;
use crate::store::{Account, NewAccount};
use crate::{Chat, Error};
use protocol::events::ErrorCode;
use protocol::names::Username;

/// Who may sign in how (the `GUEST_ACCESS` and `REGISTRATION` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Names nobody claimed can be used without a password.
    pub guests: bool,
    /// Anyone may claim a name; otherwise only staff create accounts.
    pub registration: bool,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            guests: true,
            registration: true,
        }
    }
}

/// A new sign-in: the token to give the client, and its session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: Session,
}

fn reserved() -> Error {
    Error::new(ErrorCode::Reserved, "username is reserved")
}

fn claimed() -> Error {
    Error::new(
        ErrorCode::Claimed,
        "this name is protected: enter its password",
    )
}

fn bad_credentials() -> Error {
    Error::new(ErrorCode::BadCredentials, "wrong name or password")
}

impl Chat {
    /// Signs a guest in under `username`: refused for reserved and staff
    /// names (`reserved`), claimed ones and their look-alikes (`claimed`),
    /// while guests are not let in (`guests_disabled`), and while the name
    /// is banned.
    pub async fn sign_in_guest(
        &self,
        username: &Username,
        user_agent: &str,
    ) -> Result<SignedIn, Error> {
        if looks_reserved(username.as_str()) {
            return Err(reserved());
        }
        match self.store().account(&name_key(username.as_str())).await? {
            Some(account) if account.staff => return Err(reserved()),
            Some(_) => return Err(claimed()),
            None => {}
        }
        if !self.access().guests {
            return Err(Error::new(
                ErrorCode::GuestsDisabled,
                "this server lets in only accounts: sign in with your password",
            ));
        }
        self.refuse_banned(username.as_str()).await?;
        self.open_session(username, true, user_agent).await
    }

    /// The active account `username` names (in any spelling that folds to
    /// it), if `password` is its password; `bad_credentials` for an
    /// unknown name and a wrong password alike, after the same work.
    pub async fn check_password(&self, username: &str, password: &str) -> Result<Account, Error> {
        let account = match Username::parse(username) {
            Ok(name) => self.store().account(&name_key(name.as_str())).await?,
            Err(_) => None,
        }
        .filter(Account::active);
        let hash = account.as_ref().map(|a| a.password_hash.as_str());
        let right = self.passwords().verify(hash, password).await?;
        match account {
            Some(account) if right => Ok(account),
            _ => Err(bad_credentials()),
        }
    }

    /// Signs in to `account` (whose password was just checked).
    pub async fn sign_in_account(
        &self,
        account: &Account,
        user_agent: &str,
    ) -> Result<SignedIn, Error> {
        let username = Username::parse(&account.username).map_err(|_| {
            Error::from(crate::store::StoreError::Corrupt(
                "an account's name".into(),
            ))
        })?;
        self.refuse_banned(username.as_str()).await?;
        self.open_session(&username, false, user_agent).await
    }

    /// Registers `username` with `password` and signs in to it. Refused
    /// while registration is closed (`forbidden`), for a name that is (or
    /// looks like) an account's already (`taken`), and for a weak password.
    pub async fn register(
        &self,
        username: &Username,
        password: &str,
        user_agent: &str,
    ) -> Result<SignedIn, Error> {
        self.refuse_closed_registration()?;
        self.create_account(username, password, false, None).await?;
        self.open_session(username, false, user_agent).await
    }

    /// Claims the guest `session`'s own name with `password`: the name
    /// becomes an account, the session carries on as the account's, and
    /// every other guest session under the name (other people's) ends.
    pub async fn claim(&self, session: &Session, password: &str) -> Result<Session, Error> {
        if !session.guest {
            return Err(Error::invalid("this name is protected already"));
        }
        self.refuse_closed_registration()?;
        self.create_account(&session.username, password, false, Some(&session.id))
            .await?;
        Ok(Session {
            guest: false,
            ..session.clone()
        })
    }

    /// Creates the account and ends the sessions other people hold under
    /// its name (all but `from_session`, which becomes the account's).
    async fn create_account(
        &self,
        username: &Username,
        password: &str,
        staff: bool,
        from_session: Option<&str>,
    ) -> Result<(), Error> {
        if looks_reserved(username.as_str()) {
            return Err(reserved());
        }
        self.refuse_banned(username.as_str()).await?;
        password_rules::check(password, username.as_str())?;
        let key = name_key(username.as_str());
        let taken = || {
            Error::new(
                ErrorCode::Taken,
                "that name (or one that looks like it) is taken",
            )
        };
        // Checked before the slow hash; the insert below decides a race.
        if self.store().account(&key).await?.is_some() {
            return Err(taken());
        }
        let hash = self.passwords().hash(password).await?;
        let new = NewAccount {
            username,
            name_key: &key,
            password_hash: &hash,
            staff,
        };
        if !self.store().create_account(new, from_session).await? {
            return Err(taken());
        }
        let ended = self.store().end_sessions_of(&key, from_session).await?;
        self.announce_ended(&ended).await;
        Ok(())
    }

    fn refuse_closed_registration(&self) -> Result<(), Error> {
        if self.access().registration {
            Ok(())
        } else {
            Err(Error::forbidden(
                "this server does not take new accounts: ask its staff for one",
            ))
        }
    }

    async fn refuse_banned(&self, username: &str) -> Result<(), Error> {
        match self.banned_until(username).await? {
            Some(until) => Err(Error::banned(until)),
            None => Ok(()),
        }
    }
}
