//! Who a socket belongs to, decided once when it connects.

use super::state::SocketState;
use app::names::Username;
use axum::extract::ConnectInfo;
use chat_core::Chat;
use chat_core::metrics::Metrics;
use chat_core::session;
use serde::Deserialize;
use socketioxide::extract::{SocketRef, State, TryData};
use std::net::{IpAddr, SocketAddr};

/// The authenticated user of a socket, kept in its extensions.
#[derive(Debug, Clone)]
pub struct Identity(pub Username);

/// Which sign-in a socket belongs to (see [`Session::id`]).
///
/// [`Session::id`]: chat_core::session::Session::id
#[derive(Debug, Clone)]
pub struct SessionId(pub String);

/// The `auth` object non-browser clients send.
#[derive(Debug, Deserialize)]
pub struct ConnectAuth {
    token: Option<String>,
}

/// Refusal sent to the client as a connect error.
#[derive(Debug, thiserror::Error)]
#[error("unauthorized: log in first")]
pub struct Unauthorized;

/// Accepts the socket if `auth.token` or the session cookie is valid.
pub async fn authenticate(
    socket: SocketRef,
    State(chat): State<Chat>,
    State(sockets): State<SocketState>,
    TryData(auth): TryData<ConnectAuth>,
) -> Result<(), Unauthorized> {
    let now = session::now_unix();
    let from_auth = auth
        .ok()
        .and_then(|a| a.token)
        .and_then(|token| chat.sessions().verify(&token, now));
    let session = from_auth
        .or_else(|| {
            chat.sessions()
                .from_headers(&socket.req_parts().headers, now)
        })
        .ok_or_else(|| {
            Metrics::bump(&sockets.metrics.connections_refused);
            Unauthorized
        })?;
    socket.extensions.insert(Identity(session.username));
    socket.extensions.insert(SessionId(session.id));
    Ok(())
}

/// The address a socket connected from, kept to release its slot.
#[derive(Debug, Clone, Copy)]
pub struct PeerIp(pub IpAddr);

/// Refusal of a connection past the per-address limit.
#[derive(Debug, thiserror::Error)]
#[error("too many connections from your address; close some tabs and retry")]
pub struct TooManyConnections;

/// Counts the socket against its address's connection limit.
pub async fn limit_connections(
    socket: SocketRef,
    State(sockets): State<SocketState>,
) -> Result<(), TooManyConnections> {
    let peer = socket
        .req_parts()
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    // Without a peer address (an embedding without connect info) there is
    // nothing to count against.
    let Some(ip) = peer else { return Ok(()) };
    if !sockets.connections.acquire(ip) {
        Metrics::bump(&sockets.metrics.connections_refused);
        return Err(TooManyConnections);
    }
    socket.extensions.insert(PeerIp(ip));
    Ok(())
}
