use crate::backends;
use crate::helpers::spawn_app;
use chat_core::store::Backend;
use rstest_reuse::apply;
use rust_socketio::asynchronous::ClientBuilder;
use serde_json::json;

#[apply(backends)]
#[tokio::test]
async fn a_connection_without_a_session_is_refused(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for builder in [
        ClientBuilder::new(app.url("/")),
        ClientBuilder::new(app.url("/")).auth(json!({"token": "forged.1.c2lnbmF0dXJl"})),
        ClientBuilder::new(app.url("/")).auth(json!({"token": 42})),
        ClientBuilder::new(app.url("/")).opening_header("Cookie", "chat_session=not-a-session"),
    ] {
        match app.try_socket_with(builder).await {
            Ok(_) => panic!("an unauthenticated socket was accepted"),
            Err(refusal) => assert!(
                refusal.contains("ConnectError"),
                "unexpected failure: {refusal}"
            ),
        }
    }
}

#[apply(backends)]
#[tokio::test]
async fn a_browser_session_cookie_authenticates_the_socket(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.login("Alice", "general").await;
    let socket = app
        .socket_with(
            ClientBuilder::new(app.url("/"))
                .opening_header("Cookie", format!("chat_session={token}")),
        )
        .await;
    let ack = socket.join("general").await;
    assert_eq!(ack["ok"], true);
    assert_eq!(
        socket.send("general", "via cookie").await["message"]["username"],
        "Alice"
    );
}

// The server confirms a connection before socketioxide runs the connect
// handler; the event handlers must be in place by then. (The race is narrow;
// a server on its own threads makes it likelier, as in a real deployment.)
#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_sent_the_moment_the_connection_is_confirmed_is_answered(
    #[case] backend: Backend,
) {
    use app::sio::packet::{EnginePacket, SocketPacket};
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.login("Alice", "general").await;
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", app.addr);
    for _ in 0..50 {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("websocket");
        let open = ws.next().await.unwrap().unwrap();
        assert!(matches!(
            EnginePacket::decode(open.to_text().unwrap()),
            Ok(EnginePacket::Open(_))
        ));

        // The first event goes out the instant the connection is confirmed,
        // as the browser client does.
        let frame =
            |packet: SocketPacket| Message::text(EnginePacket::Message(packet.encode()).encode());
        let connect = SocketPacket::Connect {
            namespace: "/".into(),
            data: Some(json!({"token": token})),
        };
        ws.send(frame(connect)).await.unwrap();
        loop {
            let text = ws.next().await.unwrap().unwrap().into_text().unwrap();
            match EnginePacket::decode(&text) {
                Ok(EnginePacket::Message(payload)) => {
                    let packet = SocketPacket::decode(&payload);
                    assert!(
                        matches!(packet, Ok(SocketPacket::Connect { .. })),
                        "{payload}"
                    );
                    break;
                }
                Ok(EnginePacket::Ping(data)) => ws
                    .send(Message::text(EnginePacket::Pong(data).encode()))
                    .await
                    .unwrap(),
                other => panic!("unexpected {other:?}"),
            }
        }
        let join = SocketPacket::event("join", Some(1), vec![json!({"room": "general"})]);
        ws.send(frame(join)).await.unwrap();

        let ack = tokio::time::timeout(crate::helpers::WAIT, async {
            loop {
                let text = ws.next().await.unwrap().unwrap().into_text().unwrap();
                if let Ok(EnginePacket::Message(payload)) = EnginePacket::decode(&text)
                    && let Ok(SocketPacket::Ack { id: 1, args, .. }) =
                        SocketPacket::decode(&payload)
                {
                    return args;
                }
            }
        })
        .await
        .expect("the join was never answered");
        assert_eq!(ack[0]["ok"], true, "{ack:?}");
    }
}
