//! Rooms: a person's list with unread counts kept live, read markers that
//! follow them to every device, private rooms and direct messages, and who
//! may reach a private room on each path (to anyone not in it, it is a room
//! that does not exist).

mod access;
mod live;
mod making;

use crate::accounts::{call, post, register};
use crate::helpers::{Site, TestApp, TestSocket, staff_site, staff_token, start};
use crate::images::{Uploader, png};
use chat_core::store::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use server::config::Config;

/// The private room every access test reads.
pub const SECRET: &str = "secret";

/// A server with a private room and one person of each standing towards
/// it, and what they would try to reach in it.
pub struct Cast {
    pub app: TestApp,
    _site: Site,
    /// Alice: made the room, posted in it.
    pub member: String,
    /// Bob: an account, never in the room.
    pub outsider: String,
    /// Gus: signed in by name alone.
    pub guest: String,
    /// Carol: was added, posted, and left.
    pub former: String,
    /// Boss: staff, not a member.
    pub staff: String,
    /// Alice's text message in the room.
    pub message: i64,
    /// Carol's, from before she left.
    pub formers_message: i64,
    /// The URL of the image Alice posted there.
    pub image: String,
}

impl Cast {
    pub async fn new(backend: Backend) -> Option<Cast> {
        Cast::new_with(backend, |_| {}).await
    }

    /// The cast, on a server with adjusted settings.
    pub async fn new_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<Cast> {
        let site = staff_site(backend, "boss").await?;
        let mut config = site.config();
        adjust(&mut config);
        let app = start(config).await;
        let member = register(&app, "alice").await;
        let outsider = register(&app, "bob").await;
        let former = register(&app, "carol").await;
        let guest = app.login("gus", "general").await;
        let staff = staff_token(&app, "boss").await;

        let made = post(
            &app,
            "/api/rooms",
            Some(&member),
            json!({"name": SECRET, "private": true}),
        )
        .await;
        assert_eq!(made.0, StatusCode::CREATED, "{}", made.1);
        let added = post(
            &app,
            &format!("/api/rooms/{SECRET}/members"),
            Some(&member),
            json!({"username": "carol"}),
        )
        .await;
        assert_eq!(added.0, StatusCode::OK, "{}", added.1);

        let message = posted(&app, &member, "the plan").await;
        let formers_message = posted(&app, &former, "count me in").await;
        let left = call(
            &app,
            reqwest::Method::DELETE,
            &format!("/api/rooms/{SECRET}/membership"),
            &former,
        )
        .await;
        assert_eq!(left.0, StatusCode::OK, "{}", left.1);

        let (status, uploaded) = upload(&app, &member, SECRET).await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        let image = uploaded["image"].as_str().unwrap().to_owned();
        Some(Cast {
            app,
            _site: site,
            member,
            outsider,
            guest,
            former,
            staff,
            message,
            formers_message,
            image,
        })
    }

    /// Each standing towards the room, with its token.
    pub fn everyone(&self) -> [(Standing, &str); 5] {
        [
            (Standing::Member, &self.member),
            (Standing::Outsider, &self.outsider),
            (Standing::Guest, &self.guest),
            (Standing::Former, &self.former),
            (Standing::Staff, &self.staff),
        ]
    }

    pub async fn socket(&self, token: &str) -> TestSocket {
        self.app.socket(token).await
    }
}

/// Someone's standing towards the private room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Member,
    Outsider,
    Guest,
    Former,
    Staff,
}

impl Standing {
    /// Whether they may see the room at all.
    pub fn sees(self) -> bool {
        matches!(self, Standing::Member | Standing::Staff)
    }
}

/// Joins `room` as `token`'s holder, sends `content` there and returns
/// the message's id.
pub async fn posted(app: &TestApp, token: &str, content: &str) -> i64 {
    let socket = app.socket(token).await;
    let room = SECRET;
    let joined = socket.join(room).await;
    assert_eq!(joined["ok"], true, "{joined}");
    let sent = socket.send(room, content).await;
    assert_eq!(sent["ok"], true, "{sent}");
    socket.disconnect().await;
    sent["message"]["id"].as_i64().unwrap()
}

/// Uploads a small PNG to `room` as `token`'s holder; status and JSON.
pub async fn upload(app: &TestApp, token: &str, room: &str) -> (StatusCode, Value) {
    Uploader::holding(app, token)
        .upload(room, "plan.png", png())
        .await
}

/// GETs `path` as `token`'s holder; status and body.
pub async fn get(app: &TestApp, path: &str, token: &str) -> (StatusCode, String) {
    let response = app.get(path, Some(token)).await;
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// The names of `token`'s holder's rooms, as `/api/rooms` lists them.
pub async fn my_rooms(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, rooms) = call(app, reqwest::Method::GET, "/api/rooms", token).await;
    assert_eq!(status, StatusCode::OK, "{rooms}");
    rooms["rooms"].as_array().unwrap().clone()
}

/// The entry for `room` in `token`'s holder's room list, if listed.
pub async fn my_room(app: &TestApp, token: &str, room: &str) -> Option<Value> {
    my_rooms(app, token)
        .await
        .into_iter()
        .find(|entry| entry["name"] == room)
}
