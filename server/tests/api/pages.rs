use crate::backends;
use crate::helpers::spawn_app;
use chat_core::store::Backend;
use reqwest::header::LOCATION;
use rstest_reuse::apply;

#[apply(backends)]
#[tokio::test]
async fn the_room_page_without_a_session_sends_the_visitor_to_log_in(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app.get("/chat/general/", None).await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/?room=general");
}

#[apply(backends)]
#[tokio::test]
async fn room_urls_are_canonical(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.login("Alice", "general").await;
    for (path, canonical) in [
        ("/chat/General/", "/chat/general/"),
        ("/chat/general", "/chat/general/"),
    ] {
        let response = app.get(path, Some(&token)).await;
        assert_eq!(response.status(), 308, "{path}");
        assert_eq!(response.headers()[LOCATION], canonical);
    }
}

#[apply(backends)]
#[tokio::test]
async fn the_room_page_html_holds_the_newest_messages_as_text(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.login("Alice", "general").await;
    let alice = app.socket(&token).await;
    alice.join("general").await;
    alice.send("general", "plain words").await;
    alice
        .send("general", "<script>alert('x')</script><b>bold?</b>")
        .await;

    let response = app.get("/chat/general/", Some(&token)).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("plain words"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert("),
        "markup was not escaped"
    );
    assert!(!html.contains("<b>bold?</b>"), "markup reached the page");
    assert!(html.contains(r#"class="me-name""#) && html.contains(">Alice<"));
    assert!(
        html.contains(r#"rel="modulepreload" href="/pkg/chat."#),
        "no hydration script"
    );
}
