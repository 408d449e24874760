//! What a client can hold of the server at the connection level (slow
//! headers and bodies, open connections, unsigned Engine.IO sessions), and
//! who a client is behind a reverse proxy.

use crate::backends;
use crate::helpers::{TestApp, spawn_app_with};
use chat_core::store::Backend;
use reqwest::StatusCode;
use rstest_reuse::apply;
use rust_socketio::asynchronous::ClientBuilder;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Whether the server closes `stream` within `wait`, reading (and dropping)
/// whatever it answers first.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let closed = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(wait, closed).await.is_ok()
}

#[apply(backends)]
#[tokio::test]
async fn clients_that_trickle_headers_or_stall_a_body_are_cut_off(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.header_read_timeout_secs = 1;
        config.body_read_timeout_secs = 1;
    })
    .await
    else {
        return;
    };
    // Slowloris: headers that never end.
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: chat\r\n")
        .await
        .unwrap();
    let trickle = async {
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            if slow.write_all(b"X-A: b\r\n").await.is_err() {
                return;
            }
        }
    };
    trickle.await;
    assert!(
        closed_within(&mut slow, Duration::from_secs(3)).await,
        "a connection trickling its headers was kept open"
    );

    // A body that stops halfway.
    let token = app.login("Alice", "pics").await;
    let mut stalled = TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/chat/pics/images/ HTTP/1.1\r\nHost: chat\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n"
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    assert!(
        closed_within(&mut stalled, Duration::from_secs(5)).await,
        "a stalled upload was kept open"
    );

    // A WebSocket idle for longer than the header timeout is not cut off.
    let alice = app.socket(&token).await;
    assert_eq!(alice.join("pics").await["ok"], true);
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(alice.send("pics", "still here").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn one_address_holds_a_bounded_number_of_connections(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.max_connections_per_ip = 2).await
    else {
        return;
    };
    // Twice the Socket.IO cap in TCP connections, then no more.
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(app.addr).await.unwrap());
    }
    let mut fifth = TcpStream::connect(app.addr).await.unwrap();
    assert!(
        closed_within(&mut fifth, Duration::from_secs(2)).await,
        "a fifth connection from one address was served"
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.get("/healthz/live", None).await.status(), 200);
}

/// Opens an Engine.IO session over polling, as the official clients begin.
async fn handshake(app: &TestApp, forwarded_for: Option<&str>) -> StatusCode {
    let mut request = app.http.get(app.url("/socket.io/?EIO=4&transport=polling"));
    if let Some(address) = forwarded_for {
        request = request.header("X-Forwarded-For", address);
    }
    request.send().await.expect("handshake").status()
}

#[apply(backends)]
#[tokio::test]
async fn sessions_that_never_sign_in_are_counted_per_address(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.max_connections_per_ip = 4).await
    else {
        return;
    };
    let mut opened = 0;
    for _ in 0..20 {
        match handshake(&app, None).await {
            StatusCode::OK => opened += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected handshake answer {other}"),
        }
    }
    // Twice the cap at once, plus what refilled during the loop.
    assert!(
        (8..=10).contains(&opened),
        "{opened} unsigned sessions were opened from one address"
    );
}

#[apply(backends)]
#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_allowance(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.max_connections_per_ip = 1;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await
    else {
        return;
    };
    let token = app.login("Alice", "general").await;
    let from = |client: &str| {
        ClientBuilder::new(app.url("/"))
            .auth(json!({"token": token}))
            .opening_header("X-Forwarded-For", client)
    };
    let first = app.socket_with(from("198.51.100.1")).await;
    assert_eq!(first.join("general").await["ok"], true);
    let refusal = app.try_socket_with(from("198.51.100.1")).await.err();
    assert!(
        refusal.is_some_and(|r| r.contains("too many connections")),
        "one client held two connections"
    );
    let other = app.socket_with(from("198.51.100.2")).await;
    assert_eq!(other.join("general").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn forwarded_addresses_from_anyone_else_are_ignored(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.logins_per_minute = 2).await else {
        return;
    };
    // Claiming to be someone else does not buy more logins.
    for (i, client) in ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
        .iter()
        .enumerate()
    {
        let response = app
            .http
            .post(app.url("/api/login"))
            .header("X-Forwarded-For", *client)
            .json(&json!({"username": format!("user{i}"), "room": "general"}))
            .send()
            .await
            .unwrap();
        let expected = if i < 2 { 200 } else { 429 };
        assert_eq!(response.status(), expected, "login {i}");
    }
}

#[apply(backends)]
#[tokio::test]
async fn the_public_url_decides_the_origin_links_and_cookies(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.public_url = Some("https://chat.example.com".into());
    })
    .await
    else {
        return;
    };
    let login = |origin: &'static str| {
        app.http
            .post(app.url("/"))
            .header("Origin", origin)
            .form(&[("username", "Alice"), ("room", "general")])
            .send()
    };
    // The address the browser typed is the site; the one the server
    // happens to be reached at behind the proxy is not.
    let local = format!("http://{}", app.addr);
    let refused = app
        .http
        .post(app.url("/"))
        .header("Origin", &local)
        .form(&[("username", "Alice"), ("room", "general")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let accepted = login("https://chat.example.com").await.unwrap();
    assert_eq!(accepted.status(), 303);
    let cookie = accepted.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");

    // Links are built from the public URL, never from X-Forwarded-Host.
    let token = app.login("Bob", "general").await;
    let bob = app.socket(&token).await;
    assert_eq!(bob.join("general").await["ok"], true);
    for i in 0..3 {
        assert_eq!(bob.send("general", &format!("m{i}")).await["ok"], true);
    }
    let page: Value = app
        .http
        .get(app.url("/api/chat/general/messages/?page_size=1"))
        .bearer_auth(&token)
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "http")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let next = page["next"].as_str().expect("a next link");
    assert!(
        next.starts_with("https://chat.example.com/api/chat/general/messages/?"),
        "{next}"
    );
}
