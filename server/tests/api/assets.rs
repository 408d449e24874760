//! The browser bundle goes out precompressed: the copy the browser
//! accepts, labelled with its encoding, revalidated on every load.

use crate::helpers::spawn_app_with;
use chat_core::store::Backend;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, VARY};

#[tokio::test]
async fn the_bundle_is_sent_in_the_encoding_the_browser_accepts() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("chat.js"), "export default function init() {}").unwrap();
    std::fs::write(pkg.join("chat.js.br"), b"brotli bytes").unwrap();
    std::fs::write(pkg.join("chat.js.gz"), b"gzip bytes").unwrap();
    let root = site.path().to_owned();
    let Some(app) = spawn_app_with(Backend::Sqlite, |config| config.site_root = root).await else {
        return;
    };

    for (accepts, encoding, body) in [
        ("gzip, deflate, br", Some("br"), "brotli bytes"),
        ("gzip", Some("gzip"), "gzip bytes"),
        ("identity", None, "export default function init() {}"),
    ] {
        let response = app
            .http
            .get(app.url("/pkg/chat.js"))
            .header(ACCEPT_ENCODING, accepts)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        assert_eq!(header(CONTENT_ENCODING), encoding, "for {accepts}");
        assert_eq!(header(CONTENT_TYPE), Some("text/javascript"));
        assert_eq!(header(CACHE_CONTROL), Some("no-cache"));
        assert!(header(VARY).is_some_and(|v| v.contains("accept-encoding")));
        assert_eq!(response.text().await.unwrap(), body);
    }
    let missing = app.get("/pkg/nothing.js", None).await;
    assert_eq!(missing.status(), 404);
}
