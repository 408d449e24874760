use crate::backends;
use crate::helpers::{assert_refused, spawn_app, spawn_app_with, unthrottled};
use chat_core::store::Backend;
use rstest_reuse::apply;
use serde_json::json;

#[apply(backends)]
#[tokio::test]
async fn bad_payloads_get_ok_false_and_the_connection_stays_usable(#[case] backend: Backend) {
    // More refused sends than the send rate's burst: this is about the
    // refusals, not the rate.
    let Some(app) = spawn_app_with(backend, unthrottled).await else {
        return;
    };
    let alice = app.socket(&app.login("Alice", "general").await).await;

    // Before joining, sending is refused.
    assert_refused(&alice.send("general", "too early").await, "not_joined");
    assert_eq!(alice.join("general").await["ok"], true);

    let cases = [
        ("join", json!("general"), "invalid"),
        ("join", json!({"room": 7}), "invalid"),
        ("join", json!({"room": "no spaces"}), "invalid"),
        ("join", json!({"room": "x".repeat(33)}), "invalid"),
        ("send_message", json!({"room": "general"}), "invalid"),
        (
            "send_message",
            json!({"room": "general", "content": 12}),
            "invalid",
        ),
        (
            "send_message",
            json!({"room": "general", "content": "   "}),
            "invalid",
        ),
        (
            "send_message",
            json!({"room": "general", "content": "x".repeat(4001)}),
            "too_long",
        ),
        (
            "send_message",
            json!({"room": "general", "content": "hi", "client_id": "x".repeat(65)}),
            "invalid",
        ),
        (
            "send_message",
            json!({"room": "general", "content": "nul\u{0}inside"}),
            "invalid",
        ),
        (
            "send_message",
            json!({"room": "general", "content": "hi", "client_id": "a\u{0}b"}),
            "invalid",
        ),
        (
            "send_message",
            json!({"room": "elsewhere", "content": "hi"}),
            "not_joined",
        ),
        ("send_message", json!([1, 2, 3]), "invalid"),
        (
            "typing",
            json!({"room": "general", "typing": "yes"}),
            "invalid",
        ),
        (
            "typing",
            json!({"room": "elsewhere", "typing": true}),
            "not_joined",
        ),
        ("leave", json!({}), "invalid"),
    ];
    for (event, payload, code) in cases {
        let ack = alice.ack(event, payload.clone()).await;
        assert_refused(&ack, code);
    }

    // Nothing was stored, and the same connection still works.
    let ack = alice.send("general", "x".repeat(4000).as_str()).await;
    assert_eq!(ack["ok"], true, "{ack}");
    let history = alice.join("general").await;
    assert_eq!(history["messages"].as_array().unwrap().len(), 1);
}

#[apply(backends)]
#[tokio::test]
async fn leaving_a_room_stops_its_messages(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.socket(&app.login("Alice", "general").await).await;
    let mut bob = app.socket(&app.login("Bob", "general").await).await;
    alice.join("general").await;
    bob.join("general").await;

    assert_eq!(
        bob.ack("leave", json!({"room": "general"})).await,
        json!({"ok": true})
    );
    alice.send("general", "bob is gone").await;
    bob.assert_no_event("message").await;
    assert_refused(&bob.send("general", "hello?").await, "not_joined");
}

#[apply(backends)]
#[tokio::test]
async fn typing_reaches_the_others_but_not_the_typer(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mut alice = app.socket(&app.login("Alice", "general").await).await;
    let mut bob = app.socket(&app.login("Bob", "general").await).await;
    alice.join("general").await;
    bob.join("general").await;

    assert_eq!(
        alice
            .ack("typing", json!({"room": "general", "typing": true}))
            .await,
        json!({"ok": true})
    );
    assert_eq!(
        bob.next_event("typing").await,
        json!({"room": "general", "username": "Alice", "typing": true})
    );
    alice.assert_no_event("typing").await;
}
