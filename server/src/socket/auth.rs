//! Who a socket belongs to, decided when it connects; staff rights are
//! confirmed again on every staff event. A socket whose session ends is
//! closed (see [`LiveRooms`](super::LiveRooms)).

use super::state::SocketState;
use crate::net::ClientIp;
use chat_core::metrics::Metrics;
use chat_core::{Caller, Chat, Reader};
use protocol::events::ErrorCode;
use protocol::names::Username;
use serde::Deserialize;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State, TryData};

/// The authenticated user of a socket, kept in its extensions.
#[derive(Debug, Clone)]
pub struct Identity(pub Username);

/// Present when the socket signed in as staff (rights confirmed on
/// connect, by [`Chat::caller`]). The rights end with the session or the
/// role, so every staff event asks again ([`Staff::confirmed`]).
#[derive(Debug, Clone)]
pub struct Staff(String);

impl Staff {
    /// Whether `staff` (the socket's, if any) still carries staff rights;
    /// a database that cannot say leaves it without.
    pub async fn confirmed(staff: Option<&Staff>, chat: &Chat) -> bool {
        match staff {
            Some(Staff(session_id)) => chat.has_staff_rights(session_id).await,
            None => false,
        }
    }
}

/// Which sign-in a socket belongs to (see [`Session::id`]).
///
/// [`Session::id`]: chat_core::session::Session::id
#[derive(Debug, Clone)]
pub struct SessionId(pub String);

/// What the connection's user may see of rooms, as signed in: a guest is
/// in no private room; staff see every room.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    pub guest: bool,
    pub staff: bool,
}

impl Standing {
    /// The user `me`, as the core's room checks take them.
    pub fn reader(self, me: &Username) -> Reader<'_> {
        Reader {
            username: me,
            guest: self.guest,
            staff: self.staff,
        }
    }
}

/// The `auth` object non-browser clients send.
#[derive(Debug, Deserialize)]
pub struct ConnectAuth {
    token: Option<String>,
}

/// Refusal sent to the client as a connect error; each message starts
/// with its `events::REFUSED_*` word, which clients read (any other word:
/// the client tries again later).
#[derive(Debug, thiserror::Error)]
pub enum Unauthorized {
    #[error("unauthorized: log in first")]
    NoSession,
    #[error("banned until {0}")]
    Banned(String),
    #[error("session_ended: you were signed out; sign in again")]
    SessionEnded,
    /// The database cannot say whether the caller may connect.
    #[error("unavailable: the server cannot check this sign-in right now; trying again")]
    Unavailable,
}

/// Accepts the socket if `auth.token` or the session cookie is valid and
/// the core lets its holder in ([`Chat::caller`]).
pub async fn authenticate<A: Adapter>(
    socket: SocketRef<A>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(auth): TryData<ConnectAuth>,
) -> Result<(), Unauthorized> {
    let token = auth.ok().and_then(|a| a.token);
    let caller = chat
        .caller_of(&socket.req_parts().headers, token.as_deref())
        .await
        .map_err(|error| {
            Metrics::bump(&sockets.metrics.connections_refused);
            match error {
                chat_core::Error::Banned { until } => {
                    Unauthorized::Banned(protocol::message::format_timestamp(&until))
                }
                ended if ended.code() == ErrorCode::SessionEnded => Unauthorized::SessionEnded,
                other => {
                    tracing::warn!(error = %other, "a socket could not be signed in");
                    Unauthorized::Unavailable
                }
            }
        })?
        .ok_or_else(|| {
            Metrics::bump(&sockets.metrics.connections_refused);
            Unauthorized::NoSession
        })?;
    let Caller { session, staff } = caller;
    if staff {
        socket.extensions.insert(Staff(session.id.clone()));
    }
    socket.extensions.insert(Standing {
        guest: session.guest,
        staff,
    });
    socket.extensions.insert(Identity(session.username));
    socket.extensions.insert(SessionId(session.id));
    Ok(())
}

/// Refusal of a connection past the per-address limit.
#[derive(Debug, thiserror::Error)]
#[error("too many connections from your address; close some tabs and retry")]
pub struct TooManyConnections;

/// Counts the socket against its address's connection limit.
pub async fn limit_connections<A: Adapter>(
    socket: SocketRef<A>,
    State(sockets): State<SocketState<A>>,
) -> Result<(), TooManyConnections> {
    let parts = socket.req_parts();
    let ip = sockets
        .network
        .client_ip(crate::net::peer(&parts.extensions), &parts.headers);
    if !sockets.connections.acquire(ip) {
        Metrics::bump(&sockets.metrics.connections_refused);
        return Err(TooManyConnections);
    }
    socket.extensions.insert(ClientIp(ip));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::Unauthorized;
    use protocol::events::{REFUSED_BANNED, REFUSED_SESSION_ENDED, REFUSED_UNAUTHORIZED};

    #[test]
    fn refusals_start_with_the_word_clients_read() {
        assert!(
            Unauthorized::NoSession
                .to_string()
                .starts_with(REFUSED_UNAUTHORIZED)
        );
        let banned = Unauthorized::Banned("2030-01-01T00:00:00.000Z".into()).to_string();
        assert!(banned.starts_with(REFUSED_BANNED), "{banned}");
        assert!(
            Unauthorized::SessionEnded
                .to_string()
                .starts_with(REFUSED_SESSION_ENDED)
        );
    }
}
