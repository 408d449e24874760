//! Who reaches a private room, path by path: its member and staff do; an
//! account never in it, a guest, and a member who left get the answer a
//! room that does not exist gets.

use super::{Cast, SECRET, Standing, get, my_rooms, upload};
use crate::accounts::{call, post, register};
use crate::backends;
use crate::helpers::{assert_refused, ids_of};
use chat_core::store::Backend;
use reqwest::StatusCode;
use rstest_reuse::apply;
use serde_json::{Value, json};

/// The answer a room that does not exist gets over HTTP.
#[track_caller]
fn hidden(path: &str, who: Standing, status: StatusCode, body: &str) {
    assert_eq!(status, StatusCode::NOT_FOUND, "{who:?} {path}: {body}");
    let error: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    assert_eq!(
        error["error"]["code"], "not_found",
        "{who:?} {path}: {body}"
    );
}

#[apply(backends)]
#[tokio::test]
async fn reading_a_private_room_over_http_takes_being_in_it(#[case] backend: Backend) {
    let Some(cast) = Cast::new(backend).await else {
        return;
    };
    let app = &cast.app;
    let reads = [
        format!("/chat/{SECRET}/history/"),
        format!("/api/chat/{SECRET}/messages/"),
        format!("/api/chat/{SECRET}/messages/?page=1&page_size=1"),
        format!("/api/chat/{SECRET}/messages/?cursor="),
        cast.image.clone(),
    ];
    assert!(
        cast.image.starts_with("/media/private_images/"),
        "{}",
        cast.image
    );
    for (who, token) in cast.everyone() {
        for path in &reads {
            let (status, body) = get(app, path, token).await;
            if who.sees() {
                assert_eq!(status, StatusCode::OK, "{who:?} {path}: {body}");
            } else {
                hidden(path, who, status, &body);
            }
        }
        // The answer is the one for a room no one made.
        for path in ["/chat/nowhere/history/", "/api/chat/nowhere/messages/"] {
            let (status, body) = get(app, path, token).await;
            hidden(path, who, status, &body);
        }

        // The page shows the room, or says there is none.
        let (status, page) = get(app, &format!("/chat/{SECRET}/"), token).await;
        assert_eq!(status, StatusCode::OK, "{who:?}");
        assert_eq!(page.contains("the plan"), who.sees(), "{who:?}'s page");
        assert_eq!(
            page.contains("There is no room named #secret"),
            !who.sees(),
            "{who:?}'s page"
        );
    }
    // Without a session, a private image is refused like any other read.
    let anonymous = app.get(&cast.image, None).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Each showing of a private image is checked again (no cache keeps it
    // for someone who leaves); public images stay cached for good.
    let member_view = app.get(&cast.image, Some(&cast.member)).await;
    assert_eq!(member_view.headers()["cache-control"], "private, no-cache");
    assert_eq!(member_view.headers()["x-content-type-options"], "nosniff");
}

#[apply(backends)]
#[tokio::test]
async fn a_private_room_is_listed_and_changed_only_by_those_in_it(#[case] backend: Backend) {
    let Some(cast) = Cast::new(backend).await else {
        return;
    };
    let app = &cast.app;
    register(app, "dave").await;
    for (who, token) in cast.everyone() {
        let listed = my_rooms(app, token)
            .await
            .iter()
            .any(|room| room["name"] == SECRET);
        assert_eq!(listed, who == Standing::Member, "{who:?}'s room list");
        let (status, directory) =
            call(app, reqwest::Method::GET, "/api/rooms/directory", token).await;
        assert_eq!(status, StatusCode::OK, "{directory}");
        assert!(
            !directory.to_string().contains(SECRET),
            "{who:?} sees the room in the directory: {directory}"
        );

        let (status, posted) = upload(app, token, SECRET).await;
        let path = "an upload";
        if who.sees() {
            assert_eq!(status, StatusCode::CREATED, "{who:?}: {posted}");
        } else {
            hidden(path, who, status, &posted.to_string());
        }

        let path = format!("/api/rooms/{SECRET}/members");
        let added = post(app, &path, Some(token), json!({"username": "dave"})).await;
        if who.sees() {
            assert_eq!(added.0, StatusCode::OK, "{who:?}: {}", added.1);
        } else {
            hidden(&path, who, added.0, &added.1.to_string());
        }

        if who != Standing::Member {
            // Staff are not a member to leave.
            let path = format!("/api/rooms/{SECRET}/membership");
            let left = call(app, reqwest::Method::DELETE, &path, token).await;
            hidden(&path, who, left.0, &left.1.to_string());
        }
    }
    // Nothing of the refused changes happened.
    let listed = my_rooms(app, &cast.member).await;
    assert!(listed.iter().any(|room| room["name"] == SECRET));
}

#[apply(backends)]
#[tokio::test]
async fn every_socket_event_on_a_private_room_takes_being_in_it(#[case] backend: Backend) {
    let Some(cast) = Cast::new(backend).await else {
        return;
    };
    for (who, token) in cast.everyone() {
        let socket = cast.socket(token).await;
        let joined = socket.join(SECRET).await;
        if who.sees() {
            assert_eq!(joined["ok"], true, "{who:?}: {joined}");
            assert!(
                ids_of(&joined["messages"]).contains(&cast.message),
                "{joined}"
            );
        } else {
            assert_refused(&joined, "not_found");
            // What a room no one made answers.
            for (event, data) in [
                ("send_message", json!({"room": SECRET, "content": "hi"})),
                ("typing", json!({"room": SECRET, "typing": true})),
            ] {
                let refused = socket.ack(event, data.clone()).await;
                assert_refused(&refused, "not_joined");
                let unknown = data.to_string().replace(SECRET, "nowhere");
                let unknown = socket
                    .ack(event, serde_json::from_str(&unknown).unwrap())
                    .await;
                assert_eq!(refused["error"]["code"], unknown["error"]["code"]);
            }
        }

        let edit = |id: i64| json!({"room": SECRET, "id": id, "content": "changed"});
        let edited = socket.ack("edit_message", edit(cast.message)).await;
        match who {
            Standing::Member => assert_eq!(edited["ok"], true, "{edited}"),
            // The room is seen, the message is not theirs.
            Standing::Staff => assert_refused(&edited, "forbidden"),
            _ => assert_refused(&edited, "not_found"),
        }
        // Carol's own message, in a room she left.
        let edited = socket.ack("edit_message", edit(cast.formers_message)).await;
        if !who.sees() {
            assert_refused(&edited, "not_found");
        }
        let delete = json!({"room": SECRET, "id": cast.formers_message});
        if !who.sees() {
            let deleted = socket.ack("delete_message", delete).await;
            assert_refused(&deleted, "not_found");
        }

        let read = socket
            .ack("mark_read", json!({"room": SECRET, "id": cast.message}))
            .await;
        if who == Standing::Member {
            assert_eq!(read["ok"], true, "{read}");
        } else {
            // Staff read without being a member: no marker to move.
            assert_refused(&read, "not_found");
        }
        socket.disconnect().await;
    }
    // Staff moderate the room: Carol's old message goes.
    let staff = cast.socket(&cast.staff).await;
    let deleted = staff
        .ack(
            "delete_message",
            json!({"room": SECRET, "id": cast.formers_message}),
        )
        .await;
    assert_eq!(deleted["ok"], true, "{deleted}");
    assert_eq!(deleted["message"]["deleted"], true);
}
