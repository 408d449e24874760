//! Web pages of other sites may neither open Socket.IO connections nor send
//! anything that changes state (log in, log out, upload, call a server
//! function): browsers send `Origin` with those, and only the site's own
//! (or a configured one) is let through. Clients that send no `Origin`
//! (native apps, bots) authenticate by token.

use crate::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Origins allowed besides the site's own.
#[derive(Debug, Clone, Default)]
pub struct AllowedOrigins(Arc<Vec<String>>);

impl AllowedOrigins {
    pub fn new(origins: &[String]) -> Self {
        let normalized = origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
            .filter(|o| !o.is_empty())
            .collect();
        AllowedOrigins(Arc::new(normalized))
    }

    /// Whether a page at `origin` may connect to a server reached as `host`.
    fn permits(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        let same_site = host.is_some_and(|host| {
            let host = host.to_ascii_lowercase();
            origin == format!("http://{host}") || origin == format!("https://{host}")
        });
        same_site || self.0.contains(&origin)
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
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(origin) = text(header::ORIGIN)
            && !allowed.permits(origin, text(header::HOST))
        {
            tracing::info!(%origin, path = req.uri().path(), "refused a cross-origin request");
            return ApiError::Forbidden(format!("requests from {origin} are not allowed"))
                .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sites_own_origin_and_configured_ones_are_allowed() {
        let allowed = AllowedOrigins::new(&["https://App.example.com/".into()]);
        assert!(allowed.permits("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(allowed.permits("https://chat.example.org", Some("chat.example.org")));
        assert!(allowed.permits("https://app.example.com", Some("127.0.0.1:3000")));
        assert!(!allowed.permits("https://evil.example", Some("127.0.0.1:3000")));
        assert!(!allowed.permits("http://127.0.0.1:3001", Some("127.0.0.1:3000")));
        assert!(!allowed.permits("null", None));
    }
}
