use crate::helpers::spawn_app;
use rust_socketio::asynchronous::ClientBuilder;
use serde_json::json;

#[tokio::test]
async fn a_connection_without_a_session_is_refused() {
    let app = spawn_app().await;
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

#[tokio::test]
async fn a_browser_session_cookie_authenticates_the_socket() {
    let app = spawn_app().await;
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
