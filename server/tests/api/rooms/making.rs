//! Making rooms: public and private ones by name, adding people to a
//! private room, and the directory of public rooms.

use super::my_room;
use crate::accounts::{call, post, refused, register};
use crate::backends;
use crate::helpers::spawn_app;
use chat_core::store::Backend;
use reqwest::{Method, StatusCode};
use rstest_reuse::apply;
use serde_json::json;

#[apply(backends)]
#[tokio::test]
async fn a_new_room_is_its_makers_and_a_name_is_had_once(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = register(&app, "alice").await;
    let bob = register(&app, "bob").await;
    let guest = app.login("gus", "general").await;
    let new = |name: &str, private: bool| json!({"name": name, "private": private});

    let made = post(&app, "/api/rooms", Some(&alice), new("Design", true)).await;
    assert_eq!(made.0, StatusCode::CREATED, "{}", made.1);
    assert_eq!(made.1, json!({"name": "design", "private": true}));
    let listed = my_room(&app, &alice, "design").await.expect("listed");
    assert_eq!(listed["private"], true);
    assert_eq!(listed["unread"], 0);

    // The name is taken, in any case, whether the room is seen or not.
    for taker in [&bob, &alice] {
        let again = post(&app, "/api/rooms", Some(taker), new("DESIGN", false)).await;
        refused(&again, StatusCode::CONFLICT, "taken");
    }
    let public = post(&app, "/api/rooms", Some(&guest), new("lobby", false)).await;
    assert_eq!(public.0, StatusCode::CREATED, "{}", public.1);
    refused(
        &post(&app, "/api/rooms", Some(&guest), new("hideout", true)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    refused(
        &post(&app, "/api/rooms", Some(&alice), new("dm-mine", true)).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    );
    refused(
        &post(&app, "/api/rooms", Some(&alice), new("no spaces", false)).await,
        StatusCode::BAD_REQUEST,
        "invalid",
    );
    refused(
        &post(&app, "/api/rooms", None, new("anonymous", false)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );

    // Alice adds Bob: the room is his too; unknown names and guests are
    // not people one can add.
    let path = "/api/rooms/design/members";
    let added = post(&app, path, Some(&alice), json!({"username": "Bob"})).await;
    assert_eq!(added.0, StatusCode::OK, "{}", added.1);
    assert!(my_room(&app, &bob, "design").await.is_some());
    for unknown in ["nobody", "gus"] {
        let reply = post(&app, path, Some(&alice), json!({"username": unknown})).await;
        refused(&reply, StatusCode::NOT_FOUND, "not_found");
    }
    let socket = app.socket(&bob).await;
    assert_eq!(socket.join("design").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn the_directory_lists_public_rooms_by_prefix_most_active_first(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = register(&app, "alice").await;
    let bob = register(&app, "bob").await;
    for (name, private) in [("dev-ops", false), ("dev-web", false), ("devious", true)] {
        let made = post(
            &app,
            "/api/rooms",
            Some(&alice),
            json!({"name": name, "private": private}),
        )
        .await;
        assert_eq!(made.0, StatusCode::CREATED, "{}", made.1);
    }
    let socket = app.socket(&bob).await;
    socket.join("dev-ops").await;
    socket.send("dev-ops", "deploying").await;

    let (status, page) = call(&app, Method::GET, "/api/rooms/directory?q=DEV", &bob).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let rooms = page["rooms"].as_array().unwrap();
    let names: Vec<_> = rooms.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["dev-ops", "dev-web"], "{page}");
    assert_eq!(rooms[0]["members"], 2);
    assert_eq!(rooms[1]["members"], 1);

    let (_, one) = call(
        &app,
        Method::GET,
        "/api/rooms/directory?q=dev&limit=1",
        &bob,
    )
    .await;
    assert_eq!(one["rooms"].as_array().unwrap().len(), 1, "{one}");
    for bad in ["?q=%25", "?q=a%20b", "?limit=0", "?limit=101", "?limit=x"] {
        let reply = call(
            &app,
            Method::GET,
            &format!("/api/rooms/directory{bad}"),
            &bob,
        )
        .await;
        refused(&reply, StatusCode::BAD_REQUEST, "invalid");
    }
}
