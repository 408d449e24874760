//! Every write path answers every request when many arrive at once: a
//! write that meets another waits its turn (SQLite's one writer) or is
//! tried again (a deadlock broken by PostgreSQL or MySQL), instead of
//! answering `unavailable`.

use crate::backends;
use crate::helpers::{TestApp, TestSocket, spawn_app, staff_app, staff_token};
use crate::push::save_token;
use chat_core::store::Backend;
use futures::future::join_all;
use reqwest::StatusCode;
use rstest_reuse::apply;
use serde_json::{Value, json};

/// How many people act at the same moment.
const AT_ONCE: usize = 24;

/// `AT_ONCE` people signed in to `room`, each with their session.
async fn people(app: &TestApp, room: &str) -> Vec<(String, String)> {
    join_all((0..AT_ONCE).map(|i| async move {
        let name = format!("user{i}");
        let token = app.login(&name, room).await;
        (name, token)
    }))
    .await
}

/// Signs each in over Socket.IO and joins `room`, all at once.
async fn joined(app: &TestApp, people: &[(String, String)], room: &str) -> Vec<TestSocket> {
    let sockets = join_all(people.iter().map(|(_, token)| app.socket(token))).await;
    let joins = join_all(sockets.iter().map(|socket| socket.join(room))).await;
    for joined in &joins {
        assert_eq!(joined["ok"], true, "{joined}");
    }
    sockets
}

async fn device_change(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    device: &Value,
) -> StatusCode {
    save_token(app, method, token, device).await.status()
}

#[apply(backends)]
#[tokio::test]
async fn everyone_saving_and_removing_a_push_device_at_once_is_answered(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let people = people(&app, "general").await;
    let device = |i: usize| json!({"token": format!("phone-of-user{i}")});
    let all_at_once = |method: reqwest::Method| {
        let (app, people) = (&app, &people);
        join_all(people.iter().enumerate().map(move |(i, (_, token))| {
            let method = method.clone();
            async move { device_change(app, method, token, &device(i)).await }
        }))
    };

    // After a restart every browser saves its device again at once; the
    // second round finds them all saved.
    let first = all_at_once(reqwest::Method::POST).await;
    assert_eq!(first, vec![StatusCode::CREATED; AT_ONCE]);
    let again = all_at_once(reqwest::Method::POST).await;
    assert_eq!(again, vec![StatusCode::OK; AT_ONCE]);
    let removed = all_at_once(reqwest::Method::DELETE).await;
    assert_eq!(removed, vec![StatusCode::OK; AT_ONCE]);
    let gone = all_at_once(reqwest::Method::DELETE).await;
    assert_eq!(gone, vec![StatusCode::NOT_FOUND; AT_ONCE]);
}

#[apply(backends)]
#[tokio::test]
async fn one_person_saving_devices_from_many_places_at_once_keeps_the_newest(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // Alice on many phones and browsers at once: each save also trims her
    // devices to the newest ten, so the saves overlap on her rows.
    let app = &app;
    let sessions = join_all((0..AT_ONCE).map(|_| app.login("alice", "general"))).await;
    let saved = join_all(sessions.iter().enumerate().map(|(i, token)| {
        let device = json!({"token": format!("alice-device-{i}")});
        async move { device_change(app, reqwest::Method::POST, token, &device).await }
    }))
    .await;
    assert_eq!(saved, vec![StatusCode::CREATED; AT_ONCE]);
    // Ten are kept; removing each answers whether it was one of them.
    let removed = join_all(sessions.iter().enumerate().map(|(i, token)| {
        let device = json!({"token": format!("alice-device-{i}")});
        async move { device_change(app, reqwest::Method::DELETE, token, &device).await }
    }))
    .await;
    let kept = removed.iter().filter(|s| **s == StatusCode::OK).count();
    let forgotten = removed
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    assert_eq!((kept, forgotten), (10, AT_ONCE - 10), "{removed:?}");
}

#[apply(backends)]
#[tokio::test]
async fn everyone_joining_rooms_at_once_is_let_in(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let people = people(&app, "general").await;
    // All into one room (each a new member), then each into a new room.
    let sockets = joined(&app, &people, "general").await;
    let rooms: Vec<String> = (0..AT_ONCE).map(|i| format!("room-{i}")).collect();
    let joins = join_all(
        sockets
            .iter()
            .zip(&rooms)
            .map(|(socket, room)| socket.join(room)),
    )
    .await;
    for joined in &joins {
        assert_eq!(joined["ok"], true, "{joined}");
    }
}

#[apply(backends)]
#[tokio::test]
async fn edits_and_deletions_at_once_are_all_applied(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let people = people(&app, "general").await;
    let sockets = joined(&app, &people, "general").await;
    let sent = join_all(sockets.iter().map(|socket| socket.send("general", "first"))).await;
    let ids: Vec<Value> = sent
        .iter()
        .map(|ack| ack["message"]["id"].clone())
        .collect();

    let changes = join_all(
        sockets
            .iter()
            .zip(&ids)
            .enumerate()
            .map(|(i, (socket, id))| {
                let (event, data) = if i % 2 == 0 {
                    (
                        "edit_message",
                        json!({"room": "general", "id": id, "content": format!("edit {i}")}),
                    )
                } else {
                    ("delete_message", json!({"room": "general", "id": id}))
                };
                socket.ack(event, data)
            }),
    )
    .await;
    for (i, changed) in changes.iter().enumerate() {
        assert_eq!(changed["ok"], true, "{changed}");
        if i % 2 == 0 {
            assert_eq!(changed["message"]["content"], format!("edit {i}"));
        } else {
            assert_eq!(changed["message"]["deleted"], true);
        }
    }
}

#[apply(backends)]
#[tokio::test]
async fn staff_imposing_many_sanctions_at_once_are_all_kept(#[case] backend: Backend) {
    let Some((_site, app)) = staff_app(backend, "Boss").await else {
        return;
    };
    let boss = staff_token(&app, "Boss").await;
    let people = people(&app, "general").await;
    let imposed = join_all(people.iter().enumerate().map(|(i, (name, _))| {
        let (kind, room) = if i % 2 == 0 {
            ("mute", json!("general"))
        } else {
            ("ban", Value::Null)
        };
        let request = app
            .http
            .post(app.url("/api/admin/sanctions"))
            .bearer_auth(&boss)
            .json(&json!({"kind": kind, "room": room, "username": name, "minutes": 10}))
            .send();
        async move { request.await.unwrap().status() }
    }))
    .await;
    assert_eq!(imposed, vec![StatusCode::OK; AT_ONCE]);
    let listed: Value = app
        .http
        .get(app.url("/api/admin/sanctions"))
        .bearer_auth(&boss)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let count = listed["sanctions"].as_array().map(Vec::len);
    assert_eq!(count, Some(AT_ONCE), "{listed}");
}
