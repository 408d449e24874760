//! Who is asking: the one answer the HTTP routes, the Socket.IO handshake
//! and the server-rendered pages all take, with one policy. A banned person
//! is refused; staff rights are those the account carries now; and when the
//! database cannot say (the sanctions in force cannot be read, the staff
//! account cannot be looked up), the caller is refused as `unavailable`
//! rather than let in on a guess.

use crate::session::{Session, now_unix};
use crate::{Chat, Error, staff};
use http::HeaderMap;

/// A signed-in person who may be served.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session: Session,
    /// A staff sign-in of an account that still exists, since its
    /// password was last set.
    pub staff: bool,
}

impl Chat {
    /// Who carries `session`, or why they may not be served (`banned`,
    /// `unavailable`).
    pub async fn caller(&self, session: Session) -> Result<Caller, Error> {
        if let Some(until) = self.banned_until(session.username.as_str()).await? {
            return Err(Error::banned(until));
        }
        let staff = staff::has_rights(self.store(), &session).await?;
        Ok(Caller { session, staff })
    }

    /// The caller of a request: the session `token` holds (a Socket.IO
    /// `auth.token`) if it is valid, else the one in `headers` (the session
    /// cookie or an `Authorization: Bearer` token); `None` without either.
    pub async fn caller_of(
        &self,
        headers: &HeaderMap,
        token: Option<&str>,
    ) -> Result<Option<Caller>, Error> {
        let now = now_unix();
        let sessions = self.sessions();
        let session = token
            .and_then(|token| sessions.verify(token, now))
            .or_else(|| sessions.from_headers(headers, now));
        match session {
            Some(session) => self.caller(session).await.map(Some),
            None => Ok(None),
        }
    }
}
