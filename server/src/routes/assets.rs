//! `GET /pkg/…`: the browser bundle (WASM, its JS glue, the stylesheet).
//! `scripts/build-site.sh` writes a brotli (`.br`) and a gzip (`.gz`) copy
//! beside each file, and the copy the browser accepts is sent as is, with
//! its `Content-Encoding` (and `Vary`, so that caches keep them apart): the
//! WASM goes out at about a third of its size, and nothing is compressed
//! per request. File names do not change between builds, so browsers
//! revalidate them on every load (a `304` when unchanged) instead of
//! keeping a stale bundle.

use axum::Router;
use axum::http::{HeaderValue, header};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The bundle's directory under the site root, served precompressed.
pub fn bundle(site_root: &str, pkg_dir: &str) -> Router {
    let files = ServeDir::new(format!("{site_root}/{pkg_dir}"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(SetResponseHeaderLayer::appending(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
}
