//! Engine.IO sessions are opened by a plain HTTP request and live until they
//! sign in or time out ([`SIGN_IN_TIMEOUT`](super::SIGN_IN_TIMEOUT)); before
//! sign-in they are not counted against the per-address cap. Opening them
//! is rate-limited per client address instead: twice the cap at once (room
//! to reconnect while old sessions close), refilled over one sign-in
//! timeout, so one address holds at most about three times the cap of
//! unsigned sessions at any time.

use crate::error::ApiError;
use crate::net::{Network, peer};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chat_core::rate::{Limiter, Rate};
use std::net::IpAddr;
use std::sync::Arc;

/// Session openings per client address.
#[derive(Clone)]
pub struct Handshakes {
    limiter: Arc<Limiter<IpAddr>>,
    network: Network,
}

impl Handshakes {
    /// Twice `max_per_ip` at once, `max_per_ip` more per sign-in timeout.
    pub fn new(max_per_ip: usize, network: Network) -> Self {
        let cap = max_per_ip as f64;
        Handshakes {
            limiter: Limiter::new(Rate {
                burst: 2.0 * cap,
                per_second: cap / super::SIGN_IN_TIMEOUT.as_secs_f64(),
            }),
            network,
        }
    }
}

/// Refuses an Engine.IO handshake (a `/socket.io/` request without `sid`)
/// past the address's allowance with 429.
pub async fn limit_handshakes(
    State(handshakes): State<Handshakes>,
    req: Request,
    next: Next,
) -> Response {
    let is_handshake = req.uri().path().starts_with("/socket.io")
        && !req
            .uri()
            .query()
            .unwrap_or_default()
            .split('&')
            .any(|pair| pair.starts_with("sid="));
    if is_handshake {
        let client = handshakes
            .network
            .client_ip(peer(req.extensions()), req.headers());
        if let Err(wait) = handshakes.limiter.check(client) {
            return ApiError::rate_limited("connections from your address", wait).into_response();
        }
    }
    next.run(req).await
}
