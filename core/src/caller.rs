//! Who is asking: the one answer the HTTP routes, the Socket.IO handshake
//! and the server-rendered pages all take, with one policy. A token this
//! server did not issue is no session at all; a session that was signed
//! out is refused as `session_ended`; a banned person is refused; staff
//! rights are those the account carries now; and when the database cannot
//! say, the caller is refused as `unavailable` rather than let in on a
//! guess.

use crate::session::Session;
use crate::{Chat, Error};
use http::HeaderMap;

/// A signed-in person who may be served.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session: Session,
    /// The session is an account's with the staff role.
    pub staff: bool,
}

impl Chat {
    /// Who holds session `id`, or why they may not be served
    /// (`session_ended`, `banned`, `unavailable`).
    pub async fn caller(&self, id: &str) -> Result<Caller, Error> {
        let session = self.standing_session(id).await?;
        if let Some(until) = self.banned_until(session.username.as_str()).await? {
            return Err(Error::banned(until));
        }
        Ok(Caller {
            staff: session.staff,
            session,
        })
    }

    /// The caller of a request: the session `token` holds (a Socket.IO
    /// `auth.token`) if this server issued it, else the one in `headers`
    /// (the session cookie or an `Authorization: Bearer` token); `None`
    /// without either.
    pub async fn caller_of(
        &self,
        headers: &HeaderMap,
        token: Option<&str>,
    ) -> Result<Option<Caller>, Error> {
        let sessions = self.sessions();
        let id = token
            .and_then(|token| sessions.verify(token))
            .or_else(|| sessions.from_headers(headers));
        match id {
            Some(id) => self.caller(&id).await.map(Some),
            None => Ok(None),
        }
    }

    /// Whether session `id` carries staff rights now; a database that
    /// cannot say leaves it without.
    pub async fn has_staff_rights(&self, id: &str) -> bool {
        self.caller(id).await.is_ok_and(|caller| caller.staff)
    }
}
