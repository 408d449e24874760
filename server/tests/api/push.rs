//! Push notifications: saving devices, who gets a push for a message and
//! who does not, what FCM and Web Push receive, retries, devices the
//! service calls gone, and pushes still queued across a restart; against
//! fakes of both services that check what they receive.

use crate::backends;
use crate::helpers::{QUIET, Site, TestApp, TestSocket, WAIT, spawn_app_with, start};
use crate::push_services::{FakeFcm, FakeWebPush, PushService, fcm_unregistered};
use chat_core::store::Backend;
use reqwest::StatusCode;
use rstest_reuse::apply;
use serde_json::{Value, json};
use server::config::Config;

/// The server's settings for both fakes.
pub(crate) fn push_to(config: &mut Config, fcm: &FakeFcm) {
    config.fcm_credentials = Some(fcm.credentials.clone());
    config.fcm_api_url = fcm.api_url();
    config.push_allow_insecure_endpoints = true;
}

/// `POST` (save) or `DELETE` (remove) `/api/save-token/` as `token`'s user.
pub(crate) async fn save_token(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    device: &Value,
) -> reqwest::Response {
    app.http
        .request(method, app.url("/api/save-token/"))
        .bearer_auth(token)
        .json(device)
        .send()
        .await
        .unwrap()
}

pub(crate) async fn save(app: &TestApp, token: &str, device: &Value) -> reqwest::Response {
    save_token(app, reqwest::Method::POST, token, device).await
}

async fn remove(app: &TestApp, token: &str, device: &Value) -> reqwest::Response {
    save_token(app, reqwest::Method::DELETE, token, device).await
}

/// Saves `device` for `token`'s user, which must succeed.
pub(crate) async fn saved(app: &TestApp, token: &str, device: Value) {
    let response = save(app, token, &device).await;
    assert!(
        response.status().is_success(),
        "saving {device}: {}",
        response.status()
    );
}

/// Signs `name` in, joins `room` and returns the session and the socket.
pub(crate) async fn member(app: &TestApp, name: &str, room: &str) -> (String, TestSocket) {
    let token = app.login(name, room).await;
    let socket = app.socket(&token).await;
    let joined = socket.join(room).await;
    assert_eq!(joined["ok"], true, "{joined}");
    (token, socket)
}

/// Both fake services, a server pushing to them, and Alice in `general`.
pub(crate) async fn pushing_app(
    backend: Backend,
) -> Option<(FakeFcm, FakeWebPush, TestApp, TestSocket)> {
    let fcm = FakeFcm::start().await;
    let web = FakeWebPush::start().await;
    let app = spawn_app_with(backend, |config| push_to(config, &fcm)).await?;
    let (_, alice) = member(&app, "alice", "general").await;
    Some((fcm, web, app, alice))
}

/// Bob joins `general` with `devices`, then leaves (as `watcher` sees):
/// he is a member who is away. Returns his session.
pub(crate) async fn bob_away(app: &TestApp, watcher: &mut TestSocket, devices: &[Value]) -> String {
    let (bob, socket) = member(app, "bob", "general").await;
    for device in devices {
        saved(app, &bob, device.clone()).await;
    }
    leave(socket, watcher, "bob").await;
    bob
}

/// Disconnects `socket` and waits until `watcher` sees `name` leave.
async fn leave(socket: TestSocket, watcher: &mut TestSocket, name: &str) {
    socket.disconnect().await;
    loop {
        let presence = watcher.next_event("presence").await;
        if presence["left"] == name {
            return;
        }
    }
}

#[apply(backends)]
#[tokio::test]
async fn devices_are_saved_for_signed_in_users_and_checked(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.push_allow_insecure_endpoints = true
    })
    .await
    else {
        return;
    };
    let config: Value = app
        .get("/api/push/config", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config["fcm"], false, "{config}");
    let key = config["webpush"]["public_key"]
        .as_str()
        .expect("a VAPID key");
    assert_eq!(key.len(), 87, "an uncompressed P-256 key, base64url: {key}");

    let fcm = json!({"token": "fcm-token-1"});
    let anonymous = app
        .http
        .post(app.url("/api/save-token/"))
        .json(&fcm)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let token = app.login("alice", "general").await;
    assert_eq!(save(&app, &token, &fcm).await.status(), StatusCode::CREATED);
    assert_eq!(save(&app, &token, &fcm).await.status(), StatusCode::OK);

    let web = FakeWebPush::start().await;
    let subscription = json!({"subscription": web.subscribe("s1").json});
    assert_eq!(
        save(&app, &token, &subscription).await.status(),
        StatusCode::CREATED
    );

    for bad in [
        json!({}),
        json!({"token": ""}),
        json!({"token": "white space"}),
        json!({"token": 42}),
        json!({"subscription": {"endpoint": "not a url", "keys": {"p256dh": "x", "auth": "y"}}}),
        json!({"subscription": {"endpoint": "http://127.0.0.1/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}}),
    ] {
        let response = save(&app, &token, &bad).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid", "{body}");
    }
    let huge = json!({"token": "x".repeat(64 * 1024)});
    assert_eq!(
        save(&app, &token, &huge).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Someone else cannot remove alice's device; she can, once.
    let bob = app.login("bob", "general").await;
    assert_eq!(
        remove(&app, &bob, &fcm).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(remove(&app, &token, &fcm).await.status(), StatusCode::OK);
    assert_eq!(
        remove(&app, &token, &fcm).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn web_push_endpoints_must_be_public_https_unless_allowed() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |_| {}).await else {
        return;
    };
    let token = app.login("alice", "general").await;
    let web = FakeWebPush::start().await;
    // The fake listens on plain http on this machine: fine for tests only.
    let local = json!({"subscription": web.subscribe("s1").json});
    let response = save(&app, &token, &local).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("https"),
        "{body}"
    );
}

#[apply(backends)]
#[tokio::test]
async fn members_away_get_pushes_and_no_one_else_does(#[case] backend: Backend) {
    let Some((fcm, web, app, mut alice)) = pushing_app(backend).await else {
        return;
    };
    // Bob joined once and left: his phone and his browser get pushes.
    let browser = json!({"subscription": web.subscribe("bob-browser").json});
    bob_away(&app, &mut alice, &[json!({"token": "bob-phone"}), browser]).await;
    // Carol is in the room now: she reads it there.
    let (carol, _carol_socket) = member(&app, "carol", "general").await;
    saved(&app, &carol, json!({"token": "carol-phone"})).await;
    // Dave never joined the room.
    let dave = app.login("dave", "random").await;
    saved(&app, &dave, json!({"token": "dave-phone"})).await;
    // Alice's own devices are not told about her messages.
    let alice_token = app.login("alice", "general").await;
    saved(&app, &alice_token, json!({"token": "alice-phone"})).await;

    let sent = alice.send("general", "hello bob").await;
    assert_eq!(sent["ok"], true, "{sent}");
    let id = sent["message"]["id"].as_i64().unwrap().to_string();

    let phone = fcm.wait_accepted("bob-phone", 1).await;
    assert_eq!(
        phone[0]["notification"],
        json!({"title": "#general", "body": "alice: hello bob"})
    );
    assert_eq!(
        phone[0]["data"],
        json!({"room": "general", "message_id": id, "url": "/chat/general/"})
    );
    let pushed = web.wait_accepted("bob-browser", 1).await;
    assert_eq!(pushed[0]["title"], "#general");
    assert_eq!(pushed[0]["body"], "alice: hello bob");
    assert_eq!(pushed[0]["data"]["message_id"], id.as_str());
    assert_eq!(pushed[0]["data"]["url"], "/chat/general/");
    assert!(
        !pushed[0]["topic"].as_str().unwrap().is_empty(),
        "a collapse key"
    );

    let config: Value = app
        .get("/api/push/config", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(config["fcm"], true);
    assert_eq!(
        web.vapid_keys(),
        [config["webpush"]["public_key"].as_str().unwrap()]
    );

    tokio::time::sleep(QUIET).await;
    for nobody in ["carol-phone", "dave-phone", "alice-phone"] {
        assert_eq!(fcm.attempts(nobody), 0, "{nobody} was pushed to");
    }
    assert_eq!(fcm.attempts("bob-phone"), 1);
    assert_eq!(fcm.tokens_issued(), 1, "the access token is reused");
    fcm.assert_no_problems();
    web.assert_no_problems();
}

#[apply(backends)]
#[tokio::test]
async fn failed_pushes_are_retried_and_gone_devices_removed(#[case] backend: Backend) {
    let Some((fcm, web, app, mut alice)) = pushing_app(backend).await else {
        return;
    };
    let browser = json!({"subscription": web.subscribe("bob-browser").json});
    let devices = [
        json!({"token": "bob-phone"}),
        json!({"token": "bob-old-phone"}),
        browser.clone(),
    ];
    let bob = bob_away(&app, &mut alice, &devices).await;

    // The phone's first two attempts meet a busy service; the old phone is
    // unregistered; the browser's subscription expired.
    fcm.script("bob-phone", &[(503, json!({})), (429, json!({}))]);
    fcm.script("bob-old-phone", &[fcm_unregistered()]);
    web.script("bob-browser", &[(410, json!({}))]);
    assert_eq!(alice.send("general", "one").await["ok"], true);

    let phone = fcm.wait_accepted("bob-phone", 1).await;
    assert_eq!(phone[0]["notification"]["body"], "alice: one");
    assert_eq!(fcm.attempts("bob-phone"), 3);
    fcm.wait_attempts("bob-old-phone", 1).await;
    web.wait_attempts("bob-browser", 1).await;

    // Gone devices are forgotten: nothing more is sent to them, and
    // saving one again makes it new.
    wait_for_metric(&app, "chat_push_devices_removed_total 2").await;
    assert_eq!(alice.send("general", "two").await["ok"], true);
    let phone = fcm.wait_accepted("bob-phone", 2).await;
    assert_eq!(phone[1]["notification"]["body"], "alice: two");
    tokio::time::sleep(QUIET).await;
    assert_eq!(fcm.attempts("bob-old-phone"), 1);
    assert_eq!(web.attempts("bob-browser"), 1);
    assert_eq!(
        save(&app, &bob, &browser).await.status(),
        StatusCode::CREATED
    );
    fcm.assert_no_problems();
    web.assert_no_problems();
}

#[apply(backends)]
#[tokio::test]
async fn pushes_queued_when_the_server_stops_are_sent_after_it_starts(#[case] backend: Backend) {
    let fcm = FakeFcm::start().await;
    let web = FakeWebPush::start().await;
    let Some(site) = Site::new(backend).await else {
        return;
    };
    let config = || {
        let mut config = site.config();
        push_to(&mut config, &fcm);
        config
    };
    let app = start(config()).await;
    let (_, mut alice) = member(&app, "alice", "general").await;
    let browser = json!({"subscription": web.subscribe("bob-browser").json});
    bob_away(&app, &mut alice, &[browser]).await;

    // The push service is down while the first server runs.
    web.script("bob-browser", &vec![(503, json!({})); 2]);
    assert_eq!(
        alice.send("general", "while you were out").await["ok"],
        true
    );
    web.wait_attempts("bob-browser", 1).await;
    alice.disconnect().await;
    app.stop().await;

    let restarted = start(config()).await;
    let pushed = web.wait_accepted("bob-browser", 1).await;
    assert_eq!(pushed[0]["body"], "alice: while you were out");
    assert!(web.attempts("bob-browser") >= 2);
    restarted.stop().await;
    web.assert_no_problems();
}

#[tokio::test]
async fn a_busy_room_sends_each_device_a_bounded_number_of_pushes() {
    let fcm = FakeFcm::start().await;
    let Some(app) = spawn_app_with(Backend::Sqlite, |config| {
        push_to(config, &fcm);
        crate::helpers::unthrottled(config);
    })
    .await
    else {
        return;
    };
    let (_, mut alice) = member(&app, "alice", "general").await;
    bob_away(&app, &mut alice, &[json!({"token": "bob-phone"})]).await;

    // Each message is pushed while the minute's allowance lasts...
    for n in 0..10 {
        assert_eq!(
            alice.send("general", &format!("message {n}")).await["ok"],
            true
        );
        fcm.wait_accepted("bob-phone", n + 1).await;
    }
    // ...then the rest wait for the next minute, collapsed into one.
    for n in 10..15 {
        assert_eq!(
            alice.send("general", &format!("message {n}")).await["ok"],
            true
        );
    }
    tokio::time::sleep(QUIET * 2).await;
    let pushed = fcm.accepted("bob-phone");
    assert_eq!(pushed.len(), 10, "{pushed:?}");
    let collapse = &pushed[0]["android"]["collapse_key"];
    assert!(collapse.is_string());
    assert!(
        pushed
            .iter()
            .all(|p| &p["android"]["collapse_key"] == collapse)
    );
}

/// Waits until `/metrics` shows `line`.
async fn wait_for_metric(app: &TestApp, line: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let metrics = app.get("/metrics", None).await.text().await.unwrap();
        if metrics.lines().any(|l| l == line) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {line:?} in {metrics}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
