//! What one connection may make the server hold.

use crate::backends;
use crate::helpers::{TestApp, assert_refused, spawn_app};
use chat_core::store::Backend;
use futures::{SinkExt, StreamExt};
use rstest_reuse::apply;
use serde_json::json;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type RawSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A bare Engine.IO WebSocket session, past its open packet.
async fn engine_session(app: &TestApp) -> RawSocket {
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", app.addr);
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("websocket");
    let open = ws.next().await.expect("open packet").expect("open packet");
    assert!(open.to_text().unwrap().starts_with('0'), "{open:?}");
    ws
}

/// Whether the server closes `ws` within `wait` (pings are ignored).
async fn closed_within(ws: &mut RawSocket, wait: Duration) -> bool {
    let closed = async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => continue,
            }
        }
    };
    tokio::time::timeout(wait, closed).await.is_ok()
}

#[apply(backends)]
#[tokio::test]
async fn an_oversized_packet_closes_its_connection_and_nothing_else(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.socket(&app.login("Alice", "general").await).await;
    assert_eq!(alice.join("general").await["ok"], true);

    // A megabyte before signing in: a stranger's attempt to make the
    // server buffer and parse it.
    let mut stranger = engine_session(&app).await;
    let huge = format!("40{{\"token\":\"{}\"}}", "x".repeat(1 << 20));
    let _ = stranger.send(Message::text(huge)).await;
    assert!(
        closed_within(&mut stranger, Duration::from_secs(5)).await,
        "a 1 MiB packet was accepted"
    );

    // The longest message the contract allows still goes through.
    let longest = "🙂".repeat(4_000);
    assert_eq!(alice.send("general", &longest).await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn a_session_that_never_signs_in_is_closed_soon(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut idle = engine_session(&app).await;
    assert!(
        closed_within(&mut idle, Duration::from_secs(15)).await,
        "an unsigned session stayed open"
    );
}

#[apply(backends)]
#[tokio::test]
async fn refused_sends_cost_no_one_their_messages(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.socket(&app.login("Alice", "general").await).await;
    assert_eq!(alice.join("general").await["ok"], true);

    // A stranger signs in under the same name and sends garbage from
    // three connections.
    let stranger = app.login("Alice", "general").await;
    let garbage = json!({"room": "general", "content": 42});
    for _ in 0..3 {
        let socket = app.socket(&stranger).await;
        assert_eq!(socket.join("general").await["ok"], true);
        for _ in 0..30 {
            let ack = socket.ack("send_message", garbage.clone()).await;
            assert_eq!(ack["ok"], false, "{ack}");
        }
    }

    // The real Alice still has her whole burst of sends.
    for i in 0..10 {
        let ack = alice.send("general", &format!("mine {i}")).await;
        assert_eq!(ack["ok"], true, "send {i}: {ack}");
    }
    // And a connection whose sends were refused can still send.
    let clumsy = app.socket(&stranger).await;
    assert_eq!(clumsy.join("general").await["ok"], true);
    for _ in 0..5 {
        assert_refused(
            &clumsy.ack("send_message", garbage.clone()).await,
            "invalid",
        );
    }
    assert_eq!(clumsy.send("general", "now properly").await["ok"], true);
}
