use crate::backends;
use crate::helpers::spawn_app;
use chat_core::store::Backend;
use reqwest::header::CONTENT_TYPE;
use rstest_reuse::apply;

/// The value of one series in a Prometheus text exposition.
fn series(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

#[apply(backends)]
#[tokio::test]
async fn metrics_count_messages_connections_and_refusals(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let scrape = || async {
        let response = app.get("/metrics", None).await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        response.text().await.unwrap()
    };
    let before = scrape().await;
    assert_eq!(series(&before, "chat_messages_stored_total"), 0.0);

    let token = app.login("Alice", "general").await;
    let alice = app.socket(&token).await;
    alice.join("general").await;
    alice.send("general", "counted").await;
    let refused = app
        .http
        .post(app.url("/api/chat/general/images/"))
        .header("Cookie", format!("chat_session={token}"))
        .multipart(reqwest::multipart::Form::new().part(
            "image",
            reqwest::multipart::Part::bytes(b"not an image".to_vec()).file_name("x.png"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 415);

    let after = scrape().await;
    assert_eq!(series(&after, "chat_messages_stored_total"), 1.0);
    assert_eq!(series(&after, "chat_socket_connections_total"), 1.0);
    assert_eq!(series(&after, "chat_socket_connections_open"), 1.0);
    assert_eq!(series(&after, "chat_uploads_refused_total"), 1.0);
}
