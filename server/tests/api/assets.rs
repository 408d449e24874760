//! The browser bundle goes out precompressed, in the copy the browser
//! accepts and labelled with its encoding. Files named after their content
//! are kept by browsers for good; pages, which name them, are never cached.

use crate::helpers::{TestApp, spawn_app_with};
use chat_core::store::Backend;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};
use std::path::Path;

const JS_HASH: &str = "0123456789abcdef";
const WASM_HASH: &str = "fedcba9876543210";
const CSS_HASH: &str = "00112233aabbccdd";

/// A built site as `scripts/build-site.sh` leaves it: hashed names, the
/// hash list, compressed copies of the script.
fn write_site(root: &Path) {
    let pkg = root.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let js = pkg.join(format!("chat.{JS_HASH}.js"));
    std::fs::write(&js, "export default function init() {}").unwrap();
    std::fs::write(js.with_extension("js.br"), b"brotli bytes").unwrap();
    std::fs::write(js.with_extension("js.gz"), b"gzip bytes").unwrap();
    std::fs::write(pkg.join(format!("chat.{WASM_HASH}.wasm")), b"\0asm").unwrap();
    std::fs::write(pkg.join(format!("chat.{CSS_HASH}.css")), "body {}").unwrap();
    std::fs::write(pkg.join("unhashed.css"), "body {}").unwrap();
    std::fs::write(
        root.join("hash.txt"),
        format!("js: {JS_HASH}\nwasm: {WASM_HASH}\ncss: {CSS_HASH}\n"),
    )
    .unwrap();
}

/// The server on SQLite, serving a site built into `root`.
async fn spawn_with_site(root: &Path) -> Option<TestApp> {
    write_site(root);
    let root = root.to_owned();
    spawn_app_with(Backend::Sqlite, |config| config.site_root = root).await
}

#[tokio::test]
async fn the_bundle_is_sent_in_the_encoding_the_browser_accepts_and_kept_for_good() {
    let site = tempfile::tempdir().unwrap();
    let Some(app) = spawn_with_site(site.path()).await else {
        return;
    };

    let script = format!("/pkg/chat.{JS_HASH}.js");
    for (accepts, encoding, body) in [
        ("gzip, deflate, br", Some("br"), "brotli bytes"),
        ("gzip", Some("gzip"), "gzip bytes"),
        ("identity", None, "export default function init() {}"),
    ] {
        let response = app
            .http
            .get(app.url(&script))
            .header(ACCEPT_ENCODING, accepts)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header(CONTENT_ENCODING), encoding, "for {accepts}");
        assert_eq!(header(CONTENT_TYPE), Some("text/javascript"));
        assert_eq!(
            header(CACHE_CONTROL),
            Some("public, max-age=31536000, immutable")
        );
        assert!(header(VARY).is_some_and(|v| v.contains("accept-encoding")));
        assert_eq!(response.text().await.unwrap(), body);
    }

    // A name without a hash may change content: revalidated on every load.
    let plain = app.get("/pkg/unhashed.css", None).await;
    assert_eq!(plain.status(), 200);
    assert_eq!(plain.headers()[CACHE_CONTROL], "no-cache");

    let missing = app.get("/pkg/nothing.js", None).await;
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get(CACHE_CONTROL).is_none());
}

#[tokio::test]
async fn pages_name_the_current_bundle_and_are_not_cached() {
    let site = tempfile::tempdir().unwrap();
    let Some(app) = spawn_with_site(site.path()).await else {
        return;
    };

    let token = app.login("Alice", "general").await;
    for (path, token) in [("/", None), ("/chat/general/", Some(token.as_str()))] {
        let response = app.get(path, token).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()[CACHE_CONTROL], "private, no-cache");
        let html = response.text().await.unwrap();
        for name in [
            format!("/pkg/chat.{JS_HASH}.js"),
            format!("/pkg/chat.{WASM_HASH}.wasm"),
            format!("/pkg/chat.{CSS_HASH}.css"),
        ] {
            assert!(html.contains(&name), "{path} does not name {name}: {html}");
        }
    }
}
