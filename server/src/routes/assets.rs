//! `GET /pkg/…`: the browser bundle (WASM, its JS glue, the stylesheet).
//!
//! `scripts/build-site.sh` writes a brotli (`.br`) and a gzip (`.gz`) copy
//! beside each file, and the copy the browser accepts is sent as is, with
//! its `Content-Encoding` (and `Vary`, so that caches keep them apart): the
//! WASM goes out at about a third of its size, and nothing is compressed
//! per request.
//!
//! The build names each file after a hash of its content
//! (`chat.<hash>.wasm`), so such a file never changes: browsers keep it for
//! a year without asking again, and a new build's pages point at new names.
//! A file without a hash in its name is revalidated on every load instead.

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";
/// Hex digits of the content hash in a file name.
const HASH_LEN: usize = 16;

/// The bundle's directory under the site root, served precompressed.
pub fn bundle(site_root: &str, pkg_dir: &str) -> Router {
    let files = ServeDir::new(format!("{site_root}/{pkg_dir}"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(cache_by_name))
        .layer(SetResponseHeaderLayer::appending(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
}

async fn cache_by_name(req: Request, next: Next) -> Response {
    let forever = is_content_named(req.uri().path());
    let mut response = next.run(req).await;
    if response.status().is_success() {
        let policy = if forever { CACHE_FOREVER } else { REVALIDATE };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// Whether a file name reads `<name>.<hash>.<extension>`.
fn is_content_named(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = file.split('.').collect();
    parts.len() >= 3 && {
        let hash = parts[parts.len() - 2];
        hash.len() == HASH_LEN && hash.bytes().all(|b| b.is_ascii_hexdigit())
    }
}

#[cfg(test)]
mod tests {
    use super::is_content_named;

    #[test]
    fn only_names_carrying_a_hash_are_kept_forever() {
        assert!(is_content_named("/chat.0123456789abcdef.wasm"));
        assert!(is_content_named("/chat.0123456789abcdef.css"));
        assert!(!is_content_named("/chat.js"));
        assert!(!is_content_named("/chat_bg.wasm"));
        assert!(!is_content_named("/chat.0123.js"));
        assert!(!is_content_named("/0123456789abcdef.js/chat.js"));
    }
}
