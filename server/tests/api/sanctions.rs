//! Mutes and bans: only staff impose them, they hold wherever the person
//! posts or signs in, and lifting them restores everything.

use crate::backends;
use crate::helpers::{Site, TestApp, TestSocket, assert_refused, staff_app, staff_token};
use chat_core::store::Backend;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::multipart::{Form, Part};
use rstest_reuse::apply;
use rust_socketio::asynchronous::ClientBuilder;
use serde_json::{Value, json};
use std::time::Duration;

/// A server whose site has the staff account `Boss`, and Boss's socket.
async fn app_with_staff(backend: Backend) -> Option<(Site, TestApp, TestSocket)> {
    let (site, app) = staff_app(backend, "Boss").await?;
    let boss = app.socket(&staff_token(&app, "Boss").await).await;
    Some((site, app, boss))
}

async fn member(app: &TestApp, name: &str, room: &str) -> (String, TestSocket) {
    let token = app.login(name, room).await;
    let socket = app.socket(&token).await;
    assert_eq!(socket.join(room).await["ok"], true);
    (token, socket)
}

#[apply(backends)]
#[tokio::test]
async fn a_muted_user_cannot_post_in_that_room_until_lifted(#[case] backend: Backend) {
    let Some((_site, app, boss)) = app_with_staff(backend).await else {
        return;
    };
    let (bob_token, mut bob) = member(&app, "Bob", "general").await;
    let (_, alice) = member(&app, "Alice", "general").await;
    let own = bob.send("general", "before").await["message"]["id"].clone();

    // Only staff mute, and never staff.
    let by_alice = alice
        .ack(
            "mute",
            json!({"room": "general", "username": "Bob", "minutes": 10}),
        )
        .await;
    assert_refused(&by_alice, "forbidden");
    let on_staff = boss
        .ack(
            "mute",
            json!({"room": "general", "username": "boss", "minutes": 10}),
        )
        .await;
    assert_refused(&on_staff, "forbidden");
    for bad in [
        json!({"room": "general", "username": "Bob", "minutes": -1}),
        json!({"room": "general", "username": "Bob", "minutes": 600_000}),
        json!({"room": "general", "username": "no spaces", "minutes": 1}),
        json!({"username": "Bob", "minutes": 1}),
    ] {
        assert_refused(&boss.ack("mute", bad.clone()).await, "invalid");
    }

    let muted = boss
        .ack(
            "mute",
            json!({"room": "general", "username": "Bob", "minutes": 10}),
        )
        .await;
    assert_eq!(muted["ok"], true, "{muted}");
    let until = muted["until"].as_str().unwrap().to_owned();
    let notice = bob.next_event("muted").await;
    assert_eq!(notice, json!({"room": "general", "until": until}));

    let refused = bob.send("general", "let me speak").await;
    assert_refused(&refused, "muted");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&until)
    );
    let edit = bob
        .ack(
            "edit_message",
            json!({"room": "general", "id": own, "content": "x"}),
        )
        .await;
    assert_refused(&edit, "muted");
    let upload = app
        .http
        .post(app.url("/api/chat/general/images/"))
        .header(COOKIE, format!("chat_session={bob_token}"))
        .multipart(Form::new().part("image", Part::bytes(vec![0u8; 64]).file_name("x.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(upload.status(), StatusCode::FORBIDDEN);
    let body: Value = upload.json().await.unwrap();
    assert_eq!(body["error"]["code"], "muted", "{body}");
    // The mute holds in that room only.
    assert_eq!(bob.join("random").await["ok"], true);
    assert_eq!(bob.send("random", "elsewhere").await["ok"], true);

    let lifted = boss
        .ack(
            "mute",
            json!({"room": "general", "username": "Bob", "minutes": 0}),
        )
        .await;
    assert_eq!(lifted, json!({"ok": true, "until": null}));
    assert_eq!(bob.next_event("muted").await["until"], Value::Null);
    assert_eq!(bob.send("general", "back").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn a_banned_user_is_disconnected_and_refused_everywhere_until_lifted(
    #[case] backend: Backend,
) {
    let Some((_site, app, boss)) = app_with_staff(backend).await else {
        return;
    };
    let (token, bob) = member(&app, "Bob", "general").await;
    let (_, alice) = member(&app, "Alice", "general").await;
    assert_refused(
        &alice
            .ack("ban", json!({"username": "Bob", "minutes": 5}))
            .await,
        "forbidden",
    );

    let banned = boss
        .ack("ban", json!({"username": "Bob", "minutes": 5}))
        .await;
    assert_eq!(banned["ok"], true, "{banned}");
    // Bob's connection is closed: nothing answers him any more.
    let gone = bob
        .try_ack(
            "send_message",
            json!({"room": "general", "content": "hi"}),
            Duration::from_secs(2),
        )
        .await;
    assert_eq!(gone, None);
    // He cannot sign in again (under a look-alike spelling either), nor
    // use the session he had, over HTTP or Socket.IO.
    for name in ["Bob", "bob", "B0b"] {
        let login = app.try_login(name, "general").await;
        assert_eq!(login.status(), StatusCode::FORBIDDEN, "{name}");
        let body: Value = login.json().await.unwrap();
        assert_eq!(body["error"]["code"], "banned", "{body}");
    }
    let history = app.get("/chat/general/history/", Some(&token)).await;
    assert_eq!(history.status(), StatusCode::FORBIDDEN);
    // Opening the room page signs him out and says why on the login page.
    let page = app
        .http
        .get(app.url("/chat/general/"))
        .header(COOKIE, format!("chat_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let to = page.headers()[LOCATION].to_str().unwrap();
    assert!(to.starts_with("/?banned=you+are+banned+until+"), "{to}");
    let cookie = page.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("Max-Age=0"), "{cookie}");
    let again = app
        .try_socket_with(ClientBuilder::new(app.url("/")).auth(json!({"token": token})))
        .await;
    assert!(again.is_err(), "a banned session connected");
    // Everyone else carries on.
    assert_eq!(alice.send("general", "still here").await["ok"], true);

    let lifted = boss
        .ack("ban", json!({"username": "Bob", "minutes": 0}))
        .await;
    assert_eq!(lifted, json!({"ok": true, "until": null}));
    app.login("Bob", "general").await;
    let history = app.get("/chat/general/history/", Some(&token)).await;
    assert_eq!(history.status(), StatusCode::OK);
}
