//! Who a socket belongs to, decided once when it connects.

use app::names::Username;
use app::server::AppState;
use app::server::session;
use serde::Deserialize;
use socketioxide::extract::{SocketRef, State, TryData};

/// The authenticated user of a socket, kept in its extensions.
#[derive(Debug, Clone)]
pub struct Identity(pub Username);

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
    State(state): State<AppState>,
    TryData(auth): TryData<ConnectAuth>,
) -> Result<(), Unauthorized> {
    let now = session::now_unix();
    let from_auth = auth
        .ok()
        .and_then(|a| a.token)
        .and_then(|token| state.sessions.verify(&token, now));
    let session = from_auth
        .or_else(|| {
            state
                .sessions
                .from_headers(&socket.req_parts().headers, now)
        })
        .ok_or(Unauthorized)?;
    socket.extensions.insert(Identity(session.username));
    Ok(())
}
