//! Editing and deleting messages over Socket.IO: who may, what the room
//! sees, what history keeps, and what a client that was away learns.

use crate::backends;
use crate::helpers::{
    STAFF_PASSWORD, Site, TestApp, TestSocket, assert_refused, create_superuser, said, staff_app,
    staff_site,
};
use chat_core::store::Backend;
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use reqwest::multipart::{Form, Part};
use rstest_reuse::apply;
use serde_json::{Value, json};

/// A server on a site that has the staff account `Boss`.
async fn app_with_staff(backend: Backend) -> Option<(Site, TestApp)> {
    staff_app(backend, "Boss").await
}

async fn staff_login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/admin/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// A user signed in and in `room`.
async fn member(app: &TestApp, name: &str, room: &str) -> TestSocket {
    let socket = app.socket(&app.login(name, room).await).await;
    let joined = socket.join(room).await;
    assert_eq!(joined["ok"], true, "{joined}");
    socket
}

async fn edit(socket: &TestSocket, room: &str, id: &Value, content: &str) -> Value {
    socket
        .ack(
            "edit_message",
            json!({"room": room, "id": id, "content": content}),
        )
        .await
}

async fn delete(socket: &TestSocket, room: &str, id: &Value) -> Value {
    socket
        .ack("delete_message", json!({"room": room, "id": id}))
        .await
}

#[apply(backends)]
#[tokio::test]
async fn authors_edit_and_delete_their_messages_and_the_room_sees_it(#[case] backend: Backend) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    let alice = member(&app, "Alice", "general").await;
    let mut bob = member(&app, "Bob", "general").await;
    let sent = alice.send("general", "helo").await;
    let id = sent["message"]["id"].clone();
    bob.next_event("message").await;

    let edited = edit(&alice, "general", &id, "  hello  ").await;
    assert_eq!(edited["ok"], true, "{edited}");
    let message = &edited["message"];
    assert_eq!(message["content"], "hello");
    assert_eq!(message["id"], id);
    assert_eq!(message["timestamp"], sent["message"]["timestamp"]);
    assert!(message["edited_at"].is_string(), "{message}");
    assert_eq!(message["deleted"], false);
    assert_eq!(bob.next_event("message_updated").await, *message);

    let deleted = delete(&alice, "general", &id).await;
    assert_eq!(deleted["ok"], true, "{deleted}");
    let tombstone = &deleted["message"];
    assert_eq!(tombstone["deleted"], true);
    assert_eq!(tombstone["content"], Value::Null);
    assert_eq!(bob.next_event("message_updated").await, *tombstone);

    // History keeps its place, as a tombstone.
    let token = app.login("Carol", "general").await;
    let history: Value = app
        .get("/chat/general/history/", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(history["messages"][0], *tombstone);
    // Gone is gone.
    assert_refused(&delete(&alice, "general", &id).await, "not_found");
    assert_refused(&edit(&alice, "general", &id, "back").await, "not_found");
}

#[apply(backends)]
#[tokio::test]
async fn only_authors_edit_and_only_authors_and_staff_delete(#[case] backend: Backend) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    let alice = member(&app, "Alice", "general").await;
    let mallory = member(&app, "Mallory", "general").await;
    let id = alice.send("general", "mine").await["message"]["id"].clone();

    assert_refused(
        &edit(&mallory, "general", &id, "yours now").await,
        "forbidden",
    );
    assert_refused(&delete(&mallory, "general", &id).await, "forbidden");
    // Wrong room, unknown id, and payloads of the wrong shape.
    assert_refused(&delete(&alice, "random", &id).await, "not_found");
    assert_refused(
        &delete(&alice, "general", &json!(999_999)).await,
        "not_found",
    );
    for bad in [
        json!({"room": "general", "id": "1"}),
        json!({"room": "general"}),
        json!({"room": "no spaces", "id": 1}),
        json!("general"),
    ] {
        assert_refused(&alice.ack("delete_message", bad.clone()).await, "invalid");
    }
    assert_refused(&edit(&alice, "general", &id, "   ").await, "invalid");
    let long = "x".repeat(4_001);
    assert_refused(&edit(&alice, "general", &id, &long).await, "too_long");

    // Staff sign in with their password; they may delete anyone's message,
    // not put words in their mouth.
    let response = staff_login(&app, "Boss", "a long password").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["username"], "Boss");
    let boss = app.socket(body["token"].as_str().unwrap()).await;
    assert_refused(
        &edit(&boss, "general", &id, "edited by staff").await,
        "forbidden",
    );
    let deleted = delete(&boss, "general", &id).await;
    assert_eq!(deleted["ok"], true, "{deleted}");
    assert_eq!(deleted["message"]["deleted"], true);
    // Still intact after all that: Mallory's own message.
    let own = mallory.send("general", "hi").await["message"]["id"].clone();
    assert_eq!(edit(&mallory, "general", &own, "hi!").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn staff_sign_in_needs_the_password_and_guessing_is_limited(#[case] backend: Backend) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    for (name, password) in [("Boss", "wrong password"), ("Nobody", "a long password")] {
        let response = staff_login(&app, name, password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    // A user's session under any name carries no staff rights.
    let alice = member(&app, "Alice", "general").await;
    let id = alice.send("general", "mine").await["message"]["id"].clone();
    let bob = member(&app, "Bob", "general").await;
    assert_refused(&delete(&bob, "general", &id).await, "forbidden");
    // Five failures a minute from one address; then even the right
    // password waits.
    for _ in 0..3 {
        staff_login(&app, "Boss", "guess").await;
    }
    let limited = staff_login(&app, "Boss", "a long password").await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
}

#[apply(backends)]
#[tokio::test]
async fn deleting_an_image_message_removes_its_file(#[case] backend: Backend) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    let token = app.login("Alice", "pics").await;
    let alice = app.socket(&token).await;
    alice.join("pics").await;
    let png = {
        let image = image::RgbImage::from_pixel(8, 8, image::Rgb([10, 200, 30]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        bytes.into_inner()
    };
    let form = Form::new().part("image", Part::bytes(png).file_name("dot.png"));
    let response = app
        .http
        .post(app.url("/api/chat/pics/images/"))
        .header(COOKIE, format!("chat_session={token}"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let message: Value = response.json().await.unwrap();
    let name = message["image"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let file = app.media_dir.join("chat_images").join(name);
    assert!(file.exists());

    assert_refused(
        &edit(&alice, "pics", &message["id"], "caption").await,
        "invalid",
    );
    let deleted = delete(&alice, "pics", &message["id"]).await;
    assert_eq!(deleted["ok"], true, "{deleted}");
    assert_eq!(deleted["message"]["image"], Value::Null);
    assert!(!file.exists(), "the image file is still there");
    let served = app.get(&format!("/media/chat_images/{name}"), None).await;
    assert_eq!(served.status(), StatusCode::NOT_FOUND);
}

#[apply(backends)]
#[tokio::test]
async fn a_client_back_from_a_disconnect_learns_every_change_it_missed(#[case] backend: Backend) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    let alice = member(&app, "Alice", "general").await;
    let mut ids = Vec::new();
    for text in ["one", "two"] {
        ids.push(alice.send("general", text).await["message"]["id"].clone());
    }
    // Edited before the last message Bob will see was stored: he gets this
    // version with the history, and it is not news when he comes back.
    assert_eq!(edit(&alice, "general", &ids[0], "one!").await["ok"], true);
    ids.push(alice.send("general", "three").await["message"]["id"].clone());
    let bob_token = app.login("Bob", "general").await;
    let bob = app.socket(&bob_token).await;
    let joined = bob.join("general").await;
    let last_seen = joined["messages"].as_array().unwrap().last().unwrap()["id"].clone();
    assert_eq!(last_seen, ids[2]);
    bob.disconnect().await;

    // While Bob is away.
    assert_eq!(
        edit(&alice, "general", &ids[1], "two, edited").await["ok"],
        true
    );
    assert_eq!(delete(&alice, "general", &ids[2]).await["ok"], true);
    let newer = alice.send("general", "four").await["message"]["id"].clone();

    let bob = app.socket(&bob_token).await;
    let back = bob
        .ack("join", json!({"room": "general", "since": last_seen}))
        .await;
    assert_eq!(back["ok"], true, "{back}");
    assert_eq!(back["recovered"], true);
    let new_ids: Vec<&Value> = back["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(new_ids, vec![&newer]);
    let updated = back["updated"].as_array().unwrap();
    assert_eq!(updated.len(), 2, "{back}");
    assert_eq!(
        (&updated[0]["id"], &updated[0]["content"]),
        (&ids[1], &json!("two, edited"))
    );
    assert_eq!(
        (&updated[1]["id"], &updated[1]["deleted"]),
        (&ids[2], &json!(true))
    );
    // Without `since` there is nothing to catch up on.
    let fresh = bob.ack("join", json!({"room": "general"})).await;
    assert_eq!(fresh["updated"], json!([]));
}

#[apply(backends)]
#[tokio::test]
async fn the_admin_api_serves_staff_only(#[case] backend: Backend) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    let alice_token = app.login("Alice", "general").await;
    let alice = app.socket(&alice_token).await;
    alice.join("general").await;
    let first = alice.send("general", "first").await["message"].clone();
    alice.send("general", "second").await;
    let reply: Value = staff_login(&app, "Boss", "a long password")
        .await
        .json()
        .await
        .unwrap();
    let staff = reply["token"].as_str().unwrap().to_owned();
    let call = |method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>| {
        let mut request = app.http.request(method, app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    use reqwest::Method;

    // Nobody, and a user's session, are turned away.
    let (status, _) = call(Method::GET, "/api/admin/rooms", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call(Method::GET, "/api/admin/rooms", Some(&alice_token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "forbidden");

    let (status, body) = call(Method::GET, "/api/admin/rooms", Some(&staff), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let general = &body["rooms"][0];
    assert_eq!(general["name"], "general");
    assert_eq!(general["message_count"], 2);
    assert!(general["last_activity"].is_string(), "{general}");
    assert_eq!(general["online"], json!(["Alice"]));

    let path = "/api/admin/rooms/general/messages";
    let (status, body) = call(Method::GET, path, Some(&staff), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["messages"].as_array().unwrap().len(), 2);

    let one = format!("{path}/{}", first["id"]);
    let (status, body) = call(Method::DELETE, &one, Some(&alice_token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = call(Method::DELETE, &one, Some(&staff), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["message"]["deleted"], true);
    let (status, body) = call(Method::DELETE, &one, Some(&staff), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");

    let sanctions = "/api/admin/sanctions";
    let mute = json!({"kind": "mute", "room": "general", "username": "Alice", "minutes": 5});
    let (status, body) = call(Method::POST, sanctions, Some(&staff), Some(mute)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let until = body["until"].clone();
    let (_, body) = call(Method::GET, sanctions, Some(&staff), None).await;
    assert_eq!(
        body["sanctions"],
        json!([{"kind": "mute", "room": "general", "username": "Alice",
                "until": until, "issued_by": "Boss"}])
    );
    assert_refused(&alice.send("general", "hello?").await, "muted");
    let lift = json!({"kind": "mute", "room": "general", "username": "Alice", "minutes": 0});
    let (status, body) = call(Method::POST, sanctions, Some(&staff), Some(lift)).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"until": null})));
    assert_eq!(alice.send("general", "hello!").await["ok"], true);
    let (_, body) = call(Method::GET, sanctions, Some(&staff), None).await;
    assert_eq!(body["sanctions"], json!([]));
    let odd = json!({"kind": "exile", "username": "Alice", "minutes": 5});
    let (status, _) = call(Method::POST, sanctions, Some(&staff), Some(odd)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[apply(backends)]
#[tokio::test]
async fn a_staff_socket_loses_its_rights_when_the_password_changes(#[case] backend: Backend) {
    let Some((site, app)) = app_with_staff(backend).await else {
        return;
    };
    let reply: Value = staff_login(&app, "Boss", "a long password")
        .await
        .json()
        .await
        .unwrap();
    let boss = app.socket(reply["token"].as_str().unwrap()).await;
    let mallory = member(&app, "Mallory", "general").await;
    let first = mallory.send("general", "spam").await["message"]["id"].clone();
    let second = mallory.send("general", "more spam").await["message"]["id"].clone();
    assert_eq!(delete(&boss, "general", &first).await["ok"], true);

    // Sessions count from the second they were issued.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let changed = create_superuser(&site, "Boss", "another long password\n");
    assert!(changed.status.success(), "{}", said(&changed));

    // The socket opened before the change is still connected, but no
    // longer staff.
    assert_refused(&delete(&boss, "general", &second).await, "forbidden");
    let ban = json!({"username": "Mallory", "minutes": 10});
    assert_refused(&boss.ack("ban", ban).await, "forbidden");
    let mute = json!({"room": "general", "username": "Mallory", "minutes": 10});
    assert_refused(&boss.ack("mute", mute).await, "forbidden");
    assert_eq!(mallory.send("general", "still here").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn guessing_one_staff_password_from_many_addresses_is_limited(#[case] backend: Backend) {
    let Some(site) = staff_site(backend, "Boss").await else {
        return;
    };
    let mut config = site.config();
    config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    let app = crate::helpers::start(config).await;
    let from = |address: &str, name: &str, password: &str| {
        app.http
            .post(app.url("/api/admin/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"username": name, "password": password}))
            .send()
    };
    // Five guesses, each from an address of its own: the account's own
    // allowance is spent, whoever asks next.
    for i in 1..=5 {
        let guess = from(&format!("203.0.113.{i}"), "Boss", "guess")
            .await
            .unwrap();
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = from("203.0.113.99", "Boss", "another guess").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));

    // An IPv6 client is its whole /64: new addresses in it do not buy
    // new guesses (here at names that are not accounts).
    for i in 1..=5 {
        let address = format!("2001:db8:7:7::{i}");
        let guess = from(&address, "Nobody", "guess").await.unwrap();
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED, "{address}");
    }
    let same_64 = from("2001:db8:7:7:ffff::1", "Someone", "guess")
        .await
        .unwrap();
    assert_eq!(same_64.status(), StatusCode::TOO_MANY_REQUESTS);
    let other_64 = from("2001:db8:7:8::1", "Someone", "guess").await.unwrap();
    assert_eq!(other_64.status(), StatusCode::UNAUTHORIZED);
}

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_sign_ins_past_the_hashing_pool_is_refused_not_queued(#[case] backend: Backend) {
    let Some(site) = staff_site(backend, "Boss").await else {
        return;
    };
    let mut config = site.config();
    config.password_hashing_threads = 1;
    config.login_failures_per_minute = 1_000;
    let app = crate::helpers::start(config).await;
    // 40 wrong passwords at once: one hashing thread and its four waiting
    // places take five; the rest are told to come back, at once.
    // (Each at a name of its own: no account's allowance is what refuses.)
    let names: Vec<String> = (0..40).map(|i| format!("Nobody{i}")).collect();
    let guesses = names
        .iter()
        .map(|name| staff_login(&app, name, "a wrong guess"));
    let answers = futures::future::join_all(guesses).await;
    let statuses: Vec<StatusCode> = answers.iter().map(reqwest::Response::status).collect();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(refused + checked, 40, "{statuses:?}");
    assert!(refused >= 20, "only {refused} refused: {statuses:?}");
    let busy = answers
        .into_iter()
        .find(|a| a.status() == StatusCode::TOO_MANY_REQUESTS)
        .unwrap();
    assert!(busy.headers().contains_key("retry-after"));
    let body: Value = busy.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // The refusals did not count as failures: the right password works.
    assert_eq!(
        staff_login(&app, "Boss", STAFF_PASSWORD).await.status(),
        StatusCode::OK
    );
}
