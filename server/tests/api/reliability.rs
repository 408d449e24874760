use crate::backends;
use crate::helpers::{TestApp, assert_refused, ids_of, spawn_app, spawn_app_with, unthrottled};
use chat_core::store::Backend;
use rstest_reuse::apply;
use rust_socketio::asynchronous::ClientBuilder;
use serde_json::json;
use std::time::{Duration, Instant};

async fn joined(app: &TestApp, user: &str, room: &str) -> crate::helpers::TestSocket {
    let socket = app.socket(&app.login(user, room).await).await;
    assert_eq!(socket.join(room).await["ok"], true);
    socket
}

#[apply(backends)]
#[tokio::test]
async fn a_client_that_missed_messages_gets_exactly_those_on_rejoining(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, unthrottled).await else {
        return;
    };
    let alice = joined(&app, "Alice", "general").await;
    let bob = joined(&app, "Bob", "general").await;
    let seen = bob.send("general", "before the outage").await["message"]["id"]
        .as_i64()
        .unwrap();
    bob.disconnect().await;

    let mut missed = Vec::new();
    for i in 0..25 {
        let ack = alice
            .send("general", &format!("while Bob was away #{i}"))
            .await;
        missed.push(ack["message"]["id"].as_i64().unwrap());
    }
    let bob = app.socket(&app.login("Bob", "general").await).await;
    let ack = bob
        .ack("join", json!({"room": "general", "since": seen}))
        .await;
    assert_eq!(ack["recovered"], true);
    assert_eq!(ids_of(&ack["messages"]), missed);
}

#[apply(backends)]
#[tokio::test]
async fn presence_counts_a_user_once_across_tabs_and_they_leave_with_the_last(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut bob = joined(&app, "Bob", "general").await;
    let token = app.login("Alice", "general").await;
    let tab1 = app.socket(&token).await;
    let tab2 = app.socket(&token).await;

    assert_eq!(
        tab1.join("general").await["online"],
        json!(["Alice", "Bob"])
    );
    let arrival = bob.next_event("presence").await;
    assert_eq!(
        arrival,
        json!({"room": "general", "online": ["Alice", "Bob"], "joined": "Alice"})
    );
    // The second tab is not a second Alice, and joining with it is no news.
    assert_eq!(
        tab2.join("general").await["online"],
        json!(["Alice", "Bob"])
    );
    bob.assert_no_event("presence").await;

    tab1.disconnect().await;
    bob.assert_no_event("presence").await;
    tab2.disconnect().await;
    let departure = bob.next_event("presence").await;
    assert_eq!(
        departure,
        json!({"room": "general", "online": ["Bob"], "left": "Alice"})
    );
}

#[apply(backends)]
#[tokio::test]
async fn typing_is_throttled_never_echoed_and_ends_by_itself(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut alice = joined(&app, "Alice", "general").await;
    let mut bob = joined(&app, "Bob", "general").await;

    let started = Instant::now();
    for _ in 0..4 {
        assert_eq!(
            alice
                .ack("typing", json!({"room": "general", "typing": true}))
                .await,
            json!({"ok": true})
        );
    }
    let typing = json!({"room": "general", "username": "Alice", "typing": true});
    assert_eq!(bob.next_event("typing").await, typing);
    // Without a stop, typing ends about five seconds after the last signal.
    let stopped = bob.next_event("typing").await;
    assert_eq!(stopped["typing"], false);
    let lasted = started.elapsed();
    assert!(
        lasted >= Duration::from_millis(4_500),
        "ended after {lasted:?}"
    );
    alice.assert_no_event("typing").await;

    // An explicit stop ends it at once, and a message ends it too.
    alice
        .ack("typing", json!({"room": "general", "typing": true}))
        .await;
    assert_eq!(bob.next_event("typing").await["typing"], true);
    alice.send("general", "done typing").await;
    assert_eq!(bob.next_event("typing").await["typing"], false);
}

#[apply(backends)]
#[tokio::test]
async fn a_flood_is_rate_limited_while_another_users_sends_go_through(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let flooder = joined(&app, "Flooder", "general").await;
    let bob = joined(&app, "Bob", "general").await;

    let mut limited = None;
    for i in 0..40 {
        let ack = flooder.send("general", &format!("spam {i}")).await;
        if ack["ok"] == false {
            limited = Some(ack);
            break;
        }
    }
    let refusal = limited.expect("40 sends in a row were all accepted");
    assert_refused(&refusal, "rate_limited");
    let wait = refusal["error"]["retry_after_ms"]
        .as_u64()
        .expect("a retry hint");
    assert!(wait > 0 && wait <= 1_000, "{wait}");

    assert_eq!(bob.send("general", "I can still talk").await["ok"], true);
    tokio::time::sleep(Duration::from_millis(wait + 50)).await;
    assert_eq!(flooder.send("general", "after waiting").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn cross_origin_handshakes_are_refused(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.allowed_origins = vec!["https://mobile.example".into()]
    })
    .await
    else {
        return;
    };
    let handshake = |origin: Option<String>| {
        let mut request = app.http.get(app.url("/socket.io/?EIO=4&transport=polling"));
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        request.send()
    };
    let evil = handshake(Some("https://evil.example".into()))
        .await
        .unwrap();
    assert_eq!(evil.status(), 403);
    let body: serde_json::Value = evil.json().await.unwrap();
    assert_eq!(body["error"]["code"], "forbidden");

    for allowed in [
        Some(format!("http://{}", app.addr)),
        Some("https://mobile.example".into()),
        None,
    ] {
        let response = handshake(allowed.clone()).await.unwrap();
        assert_eq!(response.status(), 200, "{allowed:?}");
    }
}

#[apply(backends)]
#[tokio::test]
async fn connections_per_address_are_limited(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.max_connections_per_ip = 3).await
    else {
        return;
    };
    let token = app.login("Alice", "general").await;
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(app.socket(&token).await);
    }
    let builder = ClientBuilder::new(app.url("/")).auth(json!({"token": token}));
    let refusal = app
        .try_socket_with(builder)
        .await
        .err()
        .expect("a fourth connection was accepted");
    assert!(refusal.contains("too many connections"), "{refusal}");

    // Closing one frees its slot.
    open.pop().unwrap().disconnect().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = app.socket(&token).await;
    assert_eq!(again.join("general").await["ok"], true);
}

/// A WebSocket keeps its place under `MAX_OPEN_CONNECTIONS` until it
/// closes (hyper ends the HTTP connection when it hands the stream over).
#[apply(backends)]
#[tokio::test]
async fn websockets_count_toward_the_open_connection_cap(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.max_open_connections = 2;
        // Idle keep-alive connections (the test client's) close quickly.
        config.header_read_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", app.addr);
    let mut sockets = Vec::new();
    for _ in 0..2 {
        let (socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        sockets.push(socket);
    }

    let health = format!("http://{}/healthz", app.addr);
    let fresh = || {
        reqwest::Client::builder()
            .timeout(Duration::from_millis(700))
            .build()
            .unwrap()
    };
    let waiting = fresh().get(&health).send().await;
    assert!(
        waiting.is_err(),
        "a third connection was served while two WebSockets were open"
    );

    drop(sockets.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let served = fresh()
        .get(&health)
        .send()
        .await
        .expect("served once a WebSocket closed");
    assert_eq!(served.status(), 200);
}
