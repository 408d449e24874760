//! Room lists kept live: news of my other rooms, my marker moving on every
//! connection of mine, leaving that stops delivery everywhere, direct
//! messages, and pushes of a private room to its members only.

use super::{Cast, SECRET, my_room};
use crate::accounts::{call, refused, register};
use crate::backends;
use crate::helpers::{QUIET, TestApp, TestSocket, assert_refused, spawn_app, spawn_app_with};
use crate::push::{push_to, saved};
use crate::push_services::{FakeFcm, PushService};
use chat_core::store::Backend;
use reqwest::{Method, StatusCode};
use rstest_reuse::apply;
use serde_json::{Value, json};
use std::time::Duration;

/// How soon news of a room must reach a connection not in it.
const NEWS_WITHIN: Duration = Duration::from_secs(1);

/// The `room_activity` that tells `socket` of message `id` in `room`
/// (a first connection is also told each room's counts once they load).
async fn news_of(socket: &mut TestSocket, room: &str, id: &Value) -> Value {
    socket
        .next_matching("room_activity", NEWS_WITHIN, |news| {
            news["room"] == room && news["last_message_id"] == *id
        })
        .await
}

/// Registers `name` and makes them a member of each of `rooms`.
async fn member_of(app: &TestApp, name: &str, rooms: &[&str]) -> String {
    let token = register(app, name).await;
    let socket = app.socket(&token).await;
    for room in rooms {
        let joined = socket.join(room).await;
        assert_eq!(joined["ok"], true, "{joined}");
    }
    socket.disconnect().await;
    token
}

#[apply(backends)]
#[tokio::test]
async fn news_of_my_other_rooms_and_my_marker_reach_every_connection_of_mine(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = member_of(&app, "alice", &["general", "random"]).await;
    let bob = member_of(&app, "bob", &["general", "random"]).await;
    // History from before a first join is not unread.
    assert_eq!(my_room(&app, &alice, "random").await.unwrap()["unread"], 0);

    let mut reading = app.socket(&alice).await;
    assert_eq!(reading.join("general").await["read_up_to"], 0);
    let mut phone = app.socket(&alice).await;
    let bob_socket = app.socket(&bob).await;
    bob_socket.join("random").await;
    bob_socket.join("general").await;

    let sent = bob_socket.send("random", "over here").await;
    let id = sent["message"]["id"].as_i64().unwrap();
    for socket in [&mut reading, &mut phone] {
        let news = news_of(socket, "random", &sent["message"]["id"]).await;
        assert_eq!(
            news,
            json!({"room": "random", "last_message_id": id, "unread": 1, "mentions": 0})
        );
    }
    // A room the connection has joined brings the message itself instead.
    let in_general = bob_socket.send("general", "and here").await;
    assert_eq!(
        reading.next_event("message").await["id"],
        in_general["message"]["id"]
    );
    let news = news_of(&mut phone, "general", &in_general["message"]["id"]).await;
    assert_eq!(news["unread"], 1);
    reading
        .assert_none_matching("room_activity", |news| news["room"] == "general")
        .await;

    let listed = my_room(&app, &alice, "random").await.unwrap();
    assert_eq!(listed["unread"], 1);
    assert_eq!(listed["last_message_id"], id);

    // Read on the phone: the other connection hears, the list agrees.
    let read = phone
        .ack("mark_read", json!({"room": "random", "id": id}))
        .await;
    assert_eq!(read, json!({"ok": true, "read_up_to": id}));
    assert_eq!(
        reading.next_event("read").await,
        json!({"room": "random", "read_up_to": id, "unread": 0})
    );
    phone.assert_no_event("read").await;
    assert_eq!(my_room(&app, &alice, "random").await.unwrap()["unread"], 0);
    // A marker only moves forward.
    let back = phone
        .ack("mark_read", json!({"room": "random", "id": 1}))
        .await;
    assert_eq!(back["read_up_to"], id);

    // My own message counts as read.
    reading.send("general", "back to work").await;
    let general = my_room(&app, &alice, "general").await.unwrap();
    assert_eq!(general["unread"], 0, "{general}");
    // Bob's list counts Alice's message, and puts general first.
    let bobs = my_room(&app, &bob, "general").await.unwrap();
    assert_eq!(bobs["unread"], 1, "{bobs}");
}

#[apply(backends)]
#[tokio::test]
async fn leaving_a_room_takes_it_off_every_device_of_mine(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, crate::helpers::unthrottled).await else {
        return;
    };
    let alice = member_of(&app, "alice", &["general", "random"]).await;
    let bob = member_of(&app, "bob", &["general"]).await;
    let mut laptop = app.socket(&alice).await;
    laptop.join("general").await;
    let mut phone = app.socket(&alice).await;
    let bob_socket = app.socket(&bob).await;
    bob_socket.join("general").await;

    let left = call(
        &app,
        Method::DELETE,
        "/api/rooms/general/membership",
        &alice,
    )
    .await;
    assert_eq!(left.0, StatusCode::OK, "{}", left.1);
    for socket in [&mut laptop, &mut phone] {
        assert_eq!(
            socket.next_event("room_left").await,
            json!({"room": "general"})
        );
    }
    bob_socket.send("general", "anyone?").await;
    laptop.assert_no_event("message").await;
    phone
        .assert_none_matching("room_activity", |news| news["room"] == "general")
        .await;
    assert_refused(&laptop.send("general", "still here").await, "not_joined");
    assert!(my_room(&app, &alice, "general").await.is_none());
    assert!(my_room(&app, &alice, "random").await.is_some());
    // Leaving twice: not a member to leave.
    let again = call(
        &app,
        Method::DELETE,
        "/api/rooms/general/membership",
        &alice,
    )
    .await;
    refused(&again, StatusCode::NOT_FOUND, "not_found");
    // A public room can be joined again, from the newest message on.
    let back = laptop.join("general").await;
    assert_eq!(back["ok"], true);
    assert_eq!(my_room(&app, &alice, "general").await.unwrap()["unread"], 0);
}

#[apply(backends)]
#[tokio::test]
async fn a_direct_message_is_one_private_room_for_both(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = register(&app, "alice").await;
    let bob = register(&app, "bob").await;
    let carol = register(&app, "carol").await;
    let guest = app.login("gus", "general").await;
    let mut bob_socket = app.socket(&bob).await;

    let opened = call(&app, Method::GET, "/api/dm/bob", &alice).await;
    assert_eq!(opened.0, StatusCode::OK, "{}", opened.1);
    let room = opened.1["name"].as_str().unwrap().to_owned();
    assert_eq!(opened.1["private"], true);
    // Bob, opening it from his side and spelling Alice otherwise, gets
    // the same room.
    let his = call(&app, Method::GET, "/api/dm/ALICE", &bob).await;
    assert_eq!(his.1["name"], room.as_str(), "{}", his.1);
    assert_eq!(
        my_room(&app, &alice, &room).await.unwrap()["direct_with"],
        "bob"
    );
    assert_eq!(
        my_room(&app, &bob, &room).await.unwrap()["direct_with"],
        "alice"
    );

    let alice_socket = app.socket(&alice).await;
    assert_eq!(alice_socket.join(&room).await["ok"], true);
    let sent = alice_socket.send(&room, "lunch?").await;
    let news = news_of(&mut bob_socket, &room, &sent["message"]["id"]).await;
    assert_eq!(news["unread"], 1);

    // No one else gets in, or adds themselves.
    let carols = app.socket(&carol).await;
    assert_refused(&carols.join(&room).await, "not_found");
    let add = crate::accounts::post(
        &app,
        &format!("/api/rooms/{room}/members"),
        Some(&alice),
        json!({"username": "carol"}),
    )
    .await;
    refused(&add, StatusCode::FORBIDDEN, "forbidden");
    // Guests have no direct messages; unknown people cannot be written to.
    refused(
        &call(&app, Method::GET, "/api/dm/bob", &guest).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    refused(
        &call(&app, Method::GET, "/api/dm/nobody", &alice).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    refused(
        &call(&app, Method::GET, "/api/dm/gus", &alice).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // A made-up direct-message name is not a room anyone can create.
    assert_refused(&carols.join("dm-0123456789abcdef").await, "not_found");
}

#[apply(backends)]
#[tokio::test]
async fn a_private_rooms_messages_are_pushed_to_its_members_only(#[case] backend: Backend) {
    let fcm = FakeFcm::start().await;
    let Some(cast) = Cast::new_with(backend, |config| push_to(config, &fcm)).await else {
        return;
    };
    let app = &cast.app;
    // Dave is a member who is away.
    let dave = register(app, "dave").await;
    let added = crate::accounts::post(
        app,
        &format!("/api/rooms/{SECRET}/members"),
        Some(&cast.member),
        json!({"username": "dave"}),
    )
    .await;
    assert_eq!(added.0, StatusCode::OK, "{}", added.1);
    saved(app, &dave, json!({"token": "dave-phone"})).await;
    saved(app, &cast.outsider, json!({"token": "bob-phone"})).await;
    saved(app, &cast.former, json!({"token": "carol-phone"})).await;
    saved(app, &cast.staff, json!({"token": "boss-phone"})).await;

    let alice = app.socket(&cast.member).await;
    alice.join(SECRET).await;
    assert_eq!(alice.send(SECRET, "meet at noon").await["ok"], true);
    let pushed = fcm.wait_accepted("dave-phone", 1).await;
    assert_eq!(pushed[0]["notification"]["title"], "#secret");
    tokio::time::sleep(QUIET).await;
    for nobody in ["bob-phone", "carol-phone", "boss-phone"] {
        assert_eq!(fcm.attempts(nobody), 0, "{nobody} was pushed to");
    }
}
