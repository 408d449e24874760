use crate::backends;
use crate::helpers::{Site, TestSocket, ids_of, spawn_app, spawn_app_on};
use chat_core::store::Backend;
use rstest_reuse::apply;
use serde_json::json;

async fn joined(app: &crate::helpers::TestApp, user: &str, room: &str) -> TestSocket {
    let socket = app.socket(&app.login(user, room).await).await;
    let ack = socket.join(room).await;
    assert_eq!(ack["ok"], true, "join failed: {ack}");
    socket
}

#[apply(backends)]
#[tokio::test]
async fn two_clients_in_one_room_see_each_others_messages_in_id_order(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut alice = joined(&app, "Alice", "general").await;
    let mut bob = joined(&app, "Bob", "general").await;

    let mut acked = Vec::new();
    for (i, (sender, text)) in [
        ("alice", "hi bob"),
        ("bob", "hi alice"),
        ("alice", "how are you?"),
    ]
    .into_iter()
    .enumerate()
    {
        let (from, to) = if sender == "alice" {
            (&alice, &mut bob)
        } else {
            (&bob, &mut alice)
        };
        let ack = from.send("general", text).await;
        assert_eq!(ack["ok"], true, "send {i} failed: {ack}");
        assert_eq!(ack["message"]["content"], text);
        let event = to.next_event("message").await;
        assert_eq!(
            event, ack["message"],
            "the other client got a different message"
        );
        acked.push(ack["message"]["id"].as_i64().unwrap());
    }
    assert!(
        acked.windows(2).all(|w| w[0] < w[1]),
        "ids not increasing: {acked:?}"
    );

    // A newcomer gets the same history, in id order.
    let carol = app.socket(&app.login("Carol", "general").await).await;
    let ack = carol.join("general").await;
    assert_eq!(ids_of(&ack["messages"]), acked);
    assert_eq!(ack["recovered"], true);
    assert_eq!(ack["online"], json!(["Alice", "Bob", "Carol"]));
}

#[apply(backends)]
#[tokio::test]
async fn a_client_in_another_room_does_not_receive_the_message(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = joined(&app, "Alice", "general").await;
    let mut bob = joined(&app, "Bob", "general").await;
    let mut eve = joined(&app, "Eve", "random").await;

    assert_eq!(alice.send("general", "for general only").await["ok"], true);
    assert_eq!(
        bob.next_event("message").await["content"],
        "for general only"
    );
    eve.assert_no_event("message").await;
    assert_eq!(eve.join("random").await["messages"], json!([]));
}

#[apply(backends)]
#[tokio::test]
async fn the_sender_name_comes_from_the_session_not_the_payload(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mallory = joined(&app, "Mallory", "general").await;
    let mut bob = joined(&app, "Bob", "general").await;

    let ack = mallory
        .ack(
            "send_message",
            json!({"room": "general", "content": "I am Alice", "username": "Alice"}),
        )
        .await;
    assert_eq!(ack["ok"], true);
    assert_eq!(ack["message"]["username"], "Mallory");
    assert_eq!(bob.next_event("message").await["username"], "Mallory");
}

#[apply(backends)]
#[tokio::test]
async fn a_repeated_send_with_the_same_client_id_is_stored_and_delivered_once(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = joined(&app, "Alice", "general").await;
    let mut bob = joined(&app, "Bob", "general").await;

    let payload = json!({"room": "general", "content": "once", "client_id": "c-1"});
    let first = alice.ack("send_message", payload.clone()).await;
    let second = alice.ack("send_message", payload).await;
    assert_eq!(first["ok"], true);
    assert_eq!(first, second);
    // Bob sees it once: the retry is answered, not delivered again.
    assert_eq!(bob.next_event("message").await, first["message"]);
    bob.assert_no_event("message").await;
    assert_eq!(
        alice.join("general").await["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[apply(backends)]
#[tokio::test]
async fn join_with_since_returns_only_the_messages_after_it(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = joined(&app, "Alice", "general").await;
    let mut sent = Vec::new();
    for i in 0..5 {
        sent.push(
            alice.send("general", &format!("m{i}")).await["message"]["id"]
                .as_i64()
                .unwrap(),
        );
    }
    let ack = alice
        .ack("join", json!({"room": "general", "since": sent[1]}))
        .await;
    assert_eq!(ids_of(&ack["messages"]), sent[2..]);
    assert_eq!(ack["recovered"], true);
}

#[apply(backends)]
#[tokio::test]
async fn messages_and_sessions_survive_a_server_restart(#[case] backend: Backend) {
    let Some(site) = Site::new(backend).await else {
        return;
    };
    let app = spawn_app_on(&site).await;
    let token = app.login("Alice", "general").await;
    let alice = app.socket(&token).await;
    alice.join("general").await;
    let stored = alice.send("general", "still here after a restart").await["message"].clone();
    alice.disconnect().await;
    app.stop().await;

    let app = spawn_app_on(&site).await;
    // The same token: the generated secret was kept in the data directory.
    let alice = app.socket(&token).await;
    let ack = alice.join("general").await;
    assert_eq!(ack["messages"], json!([stored]));
    let next = alice.send("general", "and after").await;
    assert!(next["message"]["id"].as_i64() > stored["id"].as_i64());
    app.stop().await;
}
