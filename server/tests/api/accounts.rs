//! Accounts: a claimed name signs in only with its password, and there is
//! no way around the claim (guest login, an old guest token, a look-alike
//! spelling); sessions are listed and ended, and an ended one is refused
//! at once over HTTP and has its connections closed.

use crate::backends;
use crate::helpers::{Endpoint, spawn_app, spawn_app_with};
use chat_core::store::Backend;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, USER_AGENT};
use rstest_reuse::apply;
use rust_socketio::asynchronous::ClientBuilder;
use serde_json::{Value, json};
use std::time::Duration;

pub const PASSWORD: &str = "correct horse";

/// POSTs `body` to `path`, as `token`'s holder if given; status and JSON.
pub async fn post(
    app: &Endpoint,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = app.http.post(app.url(path)).json(&body);
    if let Some(token) = token {
        request = request.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let response = request.send().await.expect("POST");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends `method` to `path` as `token`'s holder; status and JSON.
pub async fn call(
    app: &Endpoint,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> (StatusCode, Value) {
    let response = app
        .http
        .request(method, app.url(path))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The error code of a refused reply, checked against its status.
#[track_caller]
pub fn refused(reply: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(reply.0, status, "{}", reply.1);
    assert_eq!(reply.1["error"]["code"], code, "{}", reply.1);
}

/// Registers `name` with [`PASSWORD`]; the token.
pub async fn register(app: &Endpoint, name: &str) -> String {
    let reply = post(
        app,
        "/api/register",
        None,
        json!({"username": name, "password": PASSWORD}),
    )
    .await;
    assert_eq!(reply.0, StatusCode::CREATED, "{}", reply.1);
    reply.1["token"].as_str().unwrap().to_owned()
}

/// Signs in to the account `name` with `password` from a client calling
/// itself `agent`; status and JSON.
pub async fn sign_in(
    app: &Endpoint,
    name: &str,
    password: &str,
    agent: &str,
) -> (StatusCode, Value) {
    let response = app
        .http
        .post(app.url("/api/login"))
        .header(USER_AGENT, agent)
        .json(&json!({"username": name, "password": password, "room": "general"}))
        .send()
        .await
        .expect("login");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn token_of(app: &Endpoint, name: &str, agent: &str) -> String {
    let reply = sign_in(app, name, PASSWORD, agent).await;
    assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
    reply.1["token"].as_str().unwrap().to_owned()
}

/// Whether `token` is still a session (`GET /api/account`), and if not,
/// with which code it is refused.
async fn account(app: &Endpoint, token: &str) -> (StatusCode, Value) {
    call(app, reqwest::Method::GET, "/api/account", token).await
}

#[apply(backends)]
#[tokio::test]
async fn a_registered_name_and_its_look_alikes_sign_in_only_with_the_password(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = register(&app, "Alice").await;
    let me = account(&app, &token).await;
    assert_eq!(me.0, StatusCode::OK);
    assert_eq!(
        (
            me.1["username"].clone(),
            me.1["guest"].clone(),
            me.1["staff"].clone()
        ),
        (json!("Alice"), json!(false), json!(false))
    );

    // No guest login under the name or a look-alike of it.
    for name in ["Alice", "alice", "ALICE", "Аlice"] {
        let guest = app.try_login(name, "general").await;
        let reply = (guest.status(), guest.json::<Value>().await.unwrap());
        refused(&reply, StatusCode::FORBIDDEN, "claimed");
        assert!(
            reply.1["error"]["message"]
                .as_str()
                .unwrap()
                .contains("protected")
        );
        // Nor a second account under it.
        let again = post(
            &app,
            "/api/register",
            None,
            json!({"username": name, "password": "another long one"}),
        )
        .await;
        refused(&again, StatusCode::CONFLICT, "taken");
    }
    // The password signs in, in any spelling of the name; the session is
    // the account's, under its own spelling.
    for name in ["Alice", "alice"] {
        let reply = sign_in(&app, name, PASSWORD, "test").await;
        assert_eq!(reply.0, StatusCode::OK, "{}", reply.1);
        assert_eq!(reply.1["username"], "Alice");
    }
    // A wrong password and an unknown name answer alike.
    let wrong = sign_in(&app, "Alice", "wrong horse", "test").await;
    refused(&wrong, StatusCode::UNAUTHORIZED, "bad_credentials");
    let unknown = sign_in(&app, "Nobody", PASSWORD, "test").await;
    refused(&unknown, StatusCode::UNAUTHORIZED, "bad_credentials");
    assert_eq!(wrong.1["error"]["message"], unknown.1["error"]["message"]);
    // The password is never said back.
    assert!(!wrong.1.to_string().contains("wrong horse"));

    // Weak passwords are refused, the name stays free.
    for weak in ["short", "password1", "Bobby", "qwertyuiop"] {
        let reply = post(
            &app,
            "/api/register",
            None,
            json!({"username": "Bobby", "password": weak}),
        )
        .await;
        refused(&reply, StatusCode::BAD_REQUEST, "weak_password");
    }
    assert_eq!(
        app.try_login("Bobby", "general").await.status(),
        StatusCode::OK
    );
    let reserved = post(
        &app,
        "/api/register",
        None,
        json!({"username": "System", "password": PASSWORD}),
    )
    .await;
    refused(&reserved, StatusCode::BAD_REQUEST, "reserved");
    app.stop().await;
}

#[apply(backends)]
#[tokio::test]
async fn claiming_a_name_keeps_the_claimer_and_ends_everyone_elses_guest_session(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let mine = app.login("Alice", "general").await;
    // Someone else took the same name as a guest, and a look-alike of it,
    // each with a live connection.
    let theirs = app.login("Alice", "general").await;
    let look_alike = app.login("Аlice", "general").await;
    let mut their_socket = app.socket(&theirs).await;
    their_socket.join("general").await;
    let mut look_alike_socket = app.socket(&look_alike).await;
    let my_socket = app.socket(&mine).await;
    my_socket.join("general").await;

    let claimed = post(
        &app,
        "/api/account/claim",
        Some(&mine),
        json!({"password": PASSWORD}),
    )
    .await;
    assert_eq!(claimed.0, StatusCode::OK, "{}", claimed.1);
    assert_eq!(claimed.1, json!({"token": mine, "username": "Alice"}));

    // The claimer carries on, on the same connection and token.
    assert_eq!(account(&app, &mine).await.1["guest"], false);
    assert_eq!(my_socket.send("general", "mine now").await["ok"], true);
    // The others are signed out: told so on their connections, which
    // close, and refused at once over HTTP and on reconnecting.
    for (token, socket) in [
        (&theirs, &mut their_socket),
        (&look_alike, &mut look_alike_socket),
    ] {
        socket
            .next_event_within("session_ended", Duration::from_secs(2))
            .await;
        refused(
            &account(&app, token).await,
            StatusCode::UNAUTHORIZED,
            "session_ended",
        );
        let again = app
            .try_socket_with(ClientBuilder::new(app.url("/")).auth(json!({"token": token})))
            .await;
        let error = again.err().expect("an ended session connected");
        assert!(error.contains("session_ended"), "{error}");
    }
    let gone = their_socket
        .try_ack(
            "send_message",
            json!({"room": "general", "content": "still Alice?"}),
            Duration::from_secs(1),
        )
        .await;
    assert_eq!(gone, None, "an ended session's connection stayed open");

    // A claimed guest cannot claim again, and a guest cannot log in.
    let twice = post(
        &app,
        "/api/account/claim",
        Some(&mine),
        json!({"password": PASSWORD}),
    )
    .await;
    refused(&twice, StatusCode::BAD_REQUEST, "invalid");
    assert_eq!(
        app.try_login("Alice", "general").await.status(),
        StatusCode::FORBIDDEN
    );
    // The password now signs in from elsewhere.
    assert_eq!(
        sign_in(&app, "Alice", PASSWORD, "phone").await.0,
        StatusCode::OK
    );
    app.stop().await;
}

#[apply(backends)]
#[tokio::test]
async fn a_guest_of_a_look_alike_name_cannot_touch_the_accounts_messages(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // Before the claim, a look-alike guest is in the room.
    let impostor = app.login("Alicе", "general").await;
    let impostor_socket = app.socket(&impostor).await;
    impostor_socket.join("general").await;
    let token = register(&app, "Alice").await;
    let alice = app.socket(&token).await;
    alice.join("general").await;
    let sent = alice.send("general", "only mine to change").await;
    let id = sent["message"]["id"].as_i64().unwrap();
    // Its session ended with the claim: every change is refused (the
    // connection is closed), and it cannot sign in again.
    for (event, body) in [
        (
            "edit_message",
            json!({"room": "general", "id": id, "content": "changed"}),
        ),
        ("delete_message", json!({"room": "general", "id": id})),
    ] {
        let ack = impostor_socket
            .try_ack(event, body, Duration::from_secs(1))
            .await;
        assert_eq!(ack, None, "{event} answered");
    }
    assert_eq!(
        app.try_login("Alicе", "general").await.status(),
        StatusCode::FORBIDDEN
    );
    // The message is as Alice wrote it.
    let history: Value = app
        .get("/api/chat/general/messages/", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    // Newest first.
    let kept = &history["results"][0];
    assert_eq!(
        (kept["content"].clone(), kept["username"].clone()),
        (json!("only mine to change"), json!("Alice"))
    );
    app.stop().await;
}

#[apply(backends)]
#[tokio::test]
async fn sessions_are_listed_and_each_can_be_signed_out(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    register(&app, "Alice").await;
    let laptop = token_of(&app, "Alice", "Laptop Firefox").await;
    let phone = token_of(&app, "Alice", "Phone Safari").await;
    let tablet = token_of(&app, "Alice", "Tablet Chrome").await;
    let mut phone_socket = app.socket(&phone).await;

    let (status, listed) = call(&app, reqwest::Method::GET, "/api/account/sessions", &laptop).await;
    assert_eq!(status, StatusCode::OK);
    let sessions = listed["sessions"].as_array().unwrap();
    // The registration's own session too.
    assert_eq!(sessions.len(), 4, "{listed}");
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["user_agent"], "Laptop Firefox");
    let phone_id = sessions
        .iter()
        .find(|s| s["user_agent"] == "Phone Safari")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The id names the session; it is not its token.
    assert!(!phone.contains(&phone_id));

    let ended = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/account/sessions/{phone_id}"),
        &laptop,
    )
    .await;
    assert_eq!(ended.0, StatusCode::OK, "{}", ended.1);
    phone_socket
        .next_event_within("session_ended", Duration::from_secs(2))
        .await;
    refused(
        &account(&app, &phone).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    );
    let again = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/account/sessions/{phone_id}"),
        &laptop,
    )
    .await;
    refused(&again, StatusCode::NOT_FOUND, "not_found");

    // Someone else cannot end Alice's sessions, nor see them.
    let bob = app.login("Bob", "general").await;
    let (_, bobs) = call(&app, reqwest::Method::GET, "/api/account/sessions", &bob).await;
    assert_eq!(bobs["sessions"].as_array().unwrap().len(), 1);
    let laptop_id = sessions.iter().find(|s| s["current"] == true).unwrap()["id"]
        .as_str()
        .unwrap();
    let foreign = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/account/sessions/{laptop_id}"),
        &bob,
    )
    .await;
    refused(&foreign, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(account(&app, &laptop).await.0, StatusCode::OK);

    // Everywhere else: all but the current one end.
    let (status, body) = call(
        &app,
        reqwest::Method::DELETE,
        "/api/account/sessions",
        &laptop,
    )
    .await;
    assert_eq!((status, body["ended"].clone()), (StatusCode::OK, json!(2)));
    refused(
        &account(&app, &tablet).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    );
    assert_eq!(account(&app, &laptop).await.0, StatusCode::OK);

    // Signing out ends the session itself, not only the cookie.
    let out = app
        .http
        .post(app.url("/logout"))
        .header(AUTHORIZATION, format!("Bearer {laptop}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    refused(
        &account(&app, &laptop).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    );
    app.stop().await;
}

#[apply(backends)]
#[tokio::test]
async fn a_new_password_signs_out_every_other_session(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let here = register(&app, "Alice").await;
    let there = token_of(&app, "Alice", "elsewhere").await;
    let change = |current: &'static str, new: &'static str| {
        let app = &app;
        let here = here.clone();
        async move {
            post(
                app,
                "/api/account/password",
                Some(&here),
                json!({"current": current, "new": new}),
            )
            .await
        }
    };
    refused(
        &change("wrong horse", "battery staple").await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    );
    refused(
        &change(PASSWORD, "password1").await,
        StatusCode::BAD_REQUEST,
        "weak_password",
    );
    assert_eq!(account(&app, &there).await.0, StatusCode::OK);

    let changed = change(PASSWORD, "battery staple").await;
    assert_eq!(changed.0, StatusCode::OK, "{}", changed.1);
    refused(
        &account(&app, &there).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    );
    assert_eq!(account(&app, &here).await.0, StatusCode::OK);
    refused(
        &sign_in(&app, "Alice", PASSWORD, "t").await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    );
    assert_eq!(
        sign_in(&app, "Alice", "battery staple", "t").await.0,
        StatusCode::OK
    );

    // A guest has no password to change.
    let guest = app.login("Bob", "general").await;
    let reply = post(
        &app,
        "/api/account/password",
        Some(&guest),
        json!({"current": "", "new": "battery staple"}),
    )
    .await;
    refused(&reply, StatusCode::FORBIDDEN, "forbidden");
    app.stop().await;
}

#[apply(backends)]
#[tokio::test]
async fn guest_access_and_registration_can_each_be_turned_off(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.guest_access = server::config::OpenOrOff::Off;
    })
    .await
    else {
        return;
    };
    let guest = app.try_login("Bob", "general").await;
    let reply = (guest.status(), guest.json::<Value>().await.unwrap());
    refused(&reply, StatusCode::FORBIDDEN, "guests_disabled");
    // Accounts still come and sign in.
    register(&app, "Alice").await;
    assert_eq!(
        sign_in(&app, "Alice", PASSWORD, "t").await.0,
        StatusCode::OK
    );
    app.stop().await;

    let Some(app) = spawn_app_with(backend, |config| {
        config.registration = server::config::OpenOrOff::Off;
    })
    .await
    else {
        return;
    };
    let reply = post(
        &app,
        "/api/register",
        None,
        json!({"username": "Alice", "password": PASSWORD}),
    )
    .await;
    refused(&reply, StatusCode::FORBIDDEN, "forbidden");
    let guest = app.login("Alice", "general").await;
    let reply = post(
        &app,
        "/api/account/claim",
        Some(&guest),
        json!({"password": PASSWORD}),
    )
    .await;
    refused(&reply, StatusCode::FORBIDDEN, "forbidden");
    // Guests carry on as before.
    let socket = app.socket(&guest).await;
    socket.join("general").await;
    assert_eq!(socket.send("general", "hello").await["ok"], true);
    app.stop().await;
}

#[apply(backends)]
#[tokio::test]
async fn failed_sign_ins_are_limited_per_account(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| {
        config.login_failures_per_minute = 2;
        config.logins_per_minute = 1000;
    })
    .await
    else {
        return;
    };
    register(&app, "Alice").await;
    for _ in 0..2 {
        refused(
            &sign_in(&app, "Alice", "wrong guess", "t").await,
            StatusCode::UNAUTHORIZED,
            "bad_credentials",
        );
    }
    let limited = sign_in(&app, "Alice", "wrong guess", "t").await;
    refused(&limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(
        limited.1["error"]["retry_after"].as_u64().unwrap() > 0,
        "{}",
        limited.1
    );
    app.stop().await;
}

#[apply(backends)]
#[tokio::test]
async fn staff_create_reset_and_delete_accounts_and_no_one_else_can(#[case] backend: Backend) {
    use crate::helpers::{staff_app, staff_token};
    let Some((_site, app)) = staff_app(backend, "Boss").await else {
        return;
    };
    let boss = staff_token(&app, "Boss").await;
    let alice = register(&app, "Alice").await;
    let guest = app.login("Bob", "general").await;
    // Who may: staff only; a member and a guest are refused, and without a
    // session too.
    for (token, status) in [
        (&alice, StatusCode::FORBIDDEN),
        (&guest, StatusCode::FORBIDDEN),
    ] {
        let (got, _) = call(&app, reqwest::Method::GET, "/api/admin/accounts", token).await;
        assert_eq!(got, status);
        let (got, _) = post(
            &app,
            "/api/admin/accounts/Alice/password",
            Some(token),
            json!({}),
        )
        .await;
        assert_eq!(got, status);
        let (got, _) = call(
            &app,
            reqwest::Method::DELETE,
            "/api/admin/accounts/Alice",
            token,
        )
        .await;
        assert_eq!(got, status);
    }
    let anonymous = app
        .http
        .get(app.url("/api/admin/accounts"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let (status, listed) = call(&app, reqwest::Method::GET, "/api/admin/accounts", &boss).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<_> = listed["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["username"].clone(), a["staff"].clone()))
        .collect();
    assert_eq!(
        names,
        [(json!("Alice"), json!(false)), (json!("Boss"), json!(true))]
    );

    // A new account, its password shown once, which signs in.
    let (status, made) = post(
        &app,
        "/api/admin/accounts",
        Some(&boss),
        json!({"username": "Carol"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let carols = made["password"].as_str().unwrap();
    assert_eq!(sign_in(&app, "Carol", carols, "t").await.0, StatusCode::OK);
    let taken = post(
        &app,
        "/api/admin/accounts",
        Some(&boss),
        json!({"username": "carol"}),
    )
    .await;
    refused(&taken, StatusCode::CONFLICT, "taken");

    // A reset signs Alice out everywhere, and the new password works.
    let (status, reset) = post(
        &app,
        "/api/admin/accounts/Alice/password",
        Some(&boss),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    refused(
        &account(&app, &alice).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    );
    let new = reset["password"].as_str().unwrap();
    let signed_in = sign_in(&app, "Alice", new, "t").await;
    assert_eq!(signed_in.0, StatusCode::OK);
    let alice = signed_in.1["token"].as_str().unwrap().to_owned();

    // Deleted with the name kept: signed out, and no one may use it.
    let (status, _) = call(
        &app,
        reqwest::Method::DELETE,
        "/api/admin/accounts/Alice",
        &boss,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    refused(
        &account(&app, &alice).await,
        StatusCode::UNAUTHORIZED,
        "session_ended",
    );
    refused(
        &sign_in(&app, "Alice", new, "t").await,
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
    );
    assert_eq!(
        app.try_login("Alice", "general").await.status(),
        StatusCode::FORBIDDEN
    );
    // Deleted with the name released: anyone may use it again.
    let (status, _) = call(
        &app,
        reqwest::Method::DELETE,
        "/api/admin/accounts/Alice?release_name=true",
        &boss,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.try_login("Alice", "general").await.status(),
        StatusCode::OK
    );
    // Staff cannot delete themselves; an unknown account is not found.
    let own = call(
        &app,
        reqwest::Method::DELETE,
        "/api/admin/accounts/Boss",
        &boss,
    )
    .await;
    refused(&own, StatusCode::FORBIDDEN, "forbidden");
    let missing = call(
        &app,
        reqwest::Method::DELETE,
        "/api/admin/accounts/Nobody",
        &boss,
    )
    .await;
    refused(&missing, StatusCode::NOT_FOUND, "not_found");
    app.stop().await;
}
