//! Sessions: opened at sign-in, looked up on every request, listed and
//! ended by their holder. An ended session is refused at once everywhere
//! (its row is gone), and its live connections are closed on every node
//! ([`Fanout::sessions_ended`](crate::Fanout::sessions_ended)).

use super::{SignedIn, password_rules};
use crate::reserved::name_key;
use crate::session::{MAX_AGE_SECS, Session};
use crate::store::{NewSession, StoreError, StoredSession};
use crate::{Chat, Error};
use chrono::{Duration, Utc};
use protocol::names::Username;

/// How stale a session's `last_seen` may get before a request updates it:
/// one write a minute per busy session, not one per request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

fn session_of(stored: StoredSession) -> Result<Session, Error> {
    let username = Username::parse(&stored.username)
        .map_err(|_| StoreError::Corrupt(format!("session name {:?}", stored.username)))?;
    Ok(Session {
        id: stored.id,
        username,
        guest: stored.guest,
        staff: stored.staff,
        created_at: stored.created_at,
        last_seen: stored.last_seen,
    })
}

impl Chat {
    /// Opens a session for `username` and issues its token.
    pub(super) async fn open_session(
        &self,
        username: &Username,
        guest: bool,
        user_agent: &str,
    ) -> Result<SignedIn, Error> {
        let issued = self.sessions().issue();
        self.store()
            .create_session(NewSession {
                id: &issued.id,
                username,
                name_key: &name_key(username.as_str()),
                guest,
                user_agent,
            })
            .await?;
        let stored = self
            .store()
            .session(&issued.id)
            .await?
            .ok_or_else(Error::session_ended)?;
        Ok(SignedIn {
            token: issued.token,
            session: session_of(stored)?,
        })
    }

    /// Session `id` as it stands now; `session_ended` once it was signed
    /// out, claimed from under a guest, or left unused too long.
    pub async fn standing_session(&self, id: &str) -> Result<Session, Error> {
        let stored = self
            .store()
            .session(id)
            .await?
            .ok_or_else(Error::session_ended)?;
        let now = Utc::now();
        if now - stored.last_seen > Duration::seconds(MAX_AGE_SECS) {
            return Err(Error::session_ended());
        }
        if now - stored.last_seen > TOUCH_EVERY {
            self.store().touch_session(id, now).await?;
        }
        session_of(stored)
    }

    /// The sessions `me` may see: an account's all, a guest's only its
    /// own (others under the same name are other people).
    pub async fn sessions_of(&self, me: &Session) -> Result<Vec<StoredSession>, Error> {
        if me.guest {
            return Ok(self.store().session(&me.id).await?.into_iter().collect());
        }
        Ok(self
            .store()
            .account_sessions(&name_key(me.username.as_str()))
            .await?)
    }

    /// Ends session `id` of `me`'s (`not_found` for anyone else's).
    pub async fn end_session(&self, me: &Session, id: &str) -> Result<(), Error> {
        let not_found = || Error::not_found("no such session of yours");
        if me.guest && id != me.id {
            return Err(not_found());
        }
        let key = name_key(me.username.as_str());
        if !self.store().end_session(id, &key).await? {
            return Err(not_found());
        }
        self.announce_ended(&[id.to_owned()]).await;
        Ok(())
    }

    /// Signs `me` out here: the session ends.
    pub async fn sign_out(&self, me: &Session) -> Result<(), Error> {
        self.end_session(me, &me.id).await
    }

    /// Ends every session of `me`'s account but `me`; how many.
    pub async fn end_other_sessions(&self, me: &Session) -> Result<usize, Error> {
        if me.guest {
            return Ok(0);
        }
        let key = name_key(me.username.as_str());
        let ended = self.store().end_sessions_of(&key, Some(&me.id)).await?;
        self.announce_ended(&ended).await;
        Ok(ended.len())
    }

    /// Changes the password of `me`'s account from `current` to `new`;
    /// every other session of the account ends.
    pub async fn change_password(
        &self,
        me: &Session,
        current: &str,
        new: &str,
    ) -> Result<(), Error> {
        if me.guest {
            return Err(Error::forbidden(
                "a guest has no password: protect this name first",
            ));
        }
        let account = self.check_password(me.username.as_str(), current).await?;
        password_rules::check(new, &account.username)?;
        let hash = self.passwords().hash(new).await?;
        self.store().set_password(&account.username, &hash).await?;
        self.end_other_sessions(me).await?;
        Ok(())
    }

    /// Ends the sessions nobody used for [`MAX_AGE_SECS`]; how many.
    pub async fn purge_idle_sessions(&self) -> Result<u64, Error> {
        let idle_since = Utc::now() - Duration::seconds(MAX_AGE_SECS);
        Ok(self.store().purge_sessions(idle_since).await?)
    }

    /// Closes the live connections of sessions that just ended.
    pub(crate) async fn announce_ended(&self, ids: &[String]) {
        if !ids.is_empty() {
            self.fanout().sessions_ended(ids).await;
        }
    }
}
