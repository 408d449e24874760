use crate::backends;
use crate::helpers::{Site, login_over_http, socket_at, spawn_app, start_server_process};
use chat_core::store::Backend;
use reqwest::header::{COOKIE, LOCATION};
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

/// Every load of a busy room page is whole. The tab title once read the
/// page's reactive state at a moment the server may already have let it go,
/// and about one load in a few hundred panicked and cut the response off;
/// it showed only against the server in a process of its own, loaded over
/// fresh connections, so that is how this test loads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_page_is_whole_on_every_load() {
    const LOADS: usize = 1_500;
    const AT_ONCE: usize = 4;
    let site = Site::new(Backend::Sqlite)
        .await
        .expect("SQLite needs no setup");
    let (_server, url) = start_server_process(&site);
    let token = login_over_http(&url, "Alice", "busy").await;
    let alice = socket_at(&url, &token).await;
    assert_eq!(alice.join("busy").await["ok"], true);
    for i in 0..50 {
        assert_eq!(
            alice.send("busy", &format!("message {i}")).await["ok"],
            true
        );
    }

    let page = format!("{url}/chat/busy/");
    let loads = (0..AT_ONCE).map(|_| {
        let (page, token) = (page.clone(), token.clone());
        tokio::spawn(async move {
            // No connection kept: each load is a new visitor's.
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(0)
                .build()
                .unwrap();
            for _ in 0..LOADS / AT_ONCE {
                let html = client
                    .get(&page)
                    .header(COOKIE, format!("chat_session={token}"))
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .expect("the page answers")
                    .text()
                    .await
                    .expect("the page arrives whole");
                assert!(html.contains("<title>#busy · Chat</title>"), "{html}");
                assert!(
                    html.contains("message 49") && html.contains("</html>"),
                    "{html}"
                );
            }
        })
    });
    for load in futures::future::join_all(loads).await {
        load.expect("every load");
    }
}
