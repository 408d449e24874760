//! Web pages of other sites may neither open Socket.IO connections nor send
//! anything that changes state (log in, log out, upload, call a server
//! function): browsers send `Origin` with those, and only the site's own
//! (or a configured one) is let through. Clients that send no `Origin`
//! (native apps, bots) authenticate by token.

use crate::error::ApiError;
use crate::net::Network;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use protocol::events::ErrorCode;
use std::sync::Arc;

/// The site's own origin (see [`Network::is_own_origin`]) and the
/// configured others.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins {
    others: Arc<Vec<String>>,
    network: Network,
}

impl AllowedOrigins {
    pub fn new(others: &[String], network: Network) -> Self {
        let others = others
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .collect();
        AllowedOrigins {
            others: Arc::new(others),
            network,
        }
    }

    /// Whether a page at `origin` may send this request.
    fn permits(&self, origin: &str, headers: &HeaderMap) -> bool {
        let normalized = origin.trim_end_matches('/').to_ascii_lowercase();
        self.network.is_own_origin(origin, headers) || self.others.contains(&normalized)
    }
}

/// Refuses cross-origin Socket.IO handshakes and state-changing requests
/// with 403.
pub async fn check_origin(
    State(allowed): State<AllowedOrigins>,
    req: Request,
    next: Next,
) -> Response {
    let guarded = req.uri().path().starts_with("/socket.io") || !req.method().is_safe();
    if guarded {
        let headers = req.headers();
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
            && !allowed.permits(origin, headers)
        {
            tracing::info!(%origin, path = req.uri().path(), "refused a cross-origin request");
            return ApiError::new(
                ErrorCode::Forbidden,
                format!("requests from {origin} are not allowed"),
            )
            .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    use axum::http::HeaderValue;

    fn host(host: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static(host));
        headers
    }

    #[test]
    fn the_sites_own_origin_and_configured_ones_are_allowed() {
        let allowed = AllowedOrigins::new(&["https://App.example.com/".into()], Network::default());
        let local = host("127.0.0.1:3000");
        assert!(allowed.permits("http://127.0.0.1:3000", &local));
        assert!(allowed.permits("https://chat.example.org", &host("chat.example.org")));
        assert!(allowed.permits("https://app.example.com", &local));
        assert!(!allowed.permits("https://evil.example", &local));
        assert!(!allowed.permits("http://127.0.0.1:3001", &local));
        assert!(!allowed.permits("null", &HeaderMap::new()));
    }
}
