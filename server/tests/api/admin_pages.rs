//! The admin pages as a browser without JavaScript uses them: sign in with
//! the form, read the rooms, delete a message, mute and lift, each a form
//! post answered with a redirect.

use crate::backends;
use crate::helpers::{Site, TestApp, TestSocket, create_superuser, said, start, unthrottled};
use chat_core::store::{Backend, PoolSettings, Sanction, SanctionKind};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use rstest_reuse::apply;
use serde_json::Value;
use std::time::Duration;

async fn app_with_staff(backend: Backend) -> Option<(Site, TestApp)> {
    let site = Site::new(backend).await?;
    let created = create_superuser(&site, "Boss", "a long password\n");
    assert!(created.status.success(), "{}", said(&created));
    // Fast senders: some tests fill a room.
    let mut config = site.config();
    unthrottled(&mut config);
    let app = start(config).await;
    Some((site, app))
}

/// Posts an HTML form as a page of the site would.
async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .http
        .post(app.url(path))
        .header(ORIGIN, app.url(""))
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

async fn get_page(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = app.http.get(app.url(path));
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    request.send().await.unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// Signs in on the form; the session cookie it sets.
async fn sign_in(app: &TestApp) -> String {
    let response = post_form(
        app,
        "/admin/login",
        None,
        &[("username", "Boss"), ("password", "a long password")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/admin/");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    pair
}

async fn member(app: &TestApp, name: &str, room: &str) -> TestSocket {
    let socket = app.socket(&app.login(name, room).await).await;
    assert_eq!(socket.join(room).await["ok"], true);
    socket
}

#[apply(backends)]
#[tokio::test]
async fn staff_sign_in_on_the_form_and_others_are_sent_to_it(#[case] backend: Backend) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    // Nobody, and a user's session, are sent to sign in.
    let anonymous = get_page(&app, "/admin/", None).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&anonymous), "/admin/login");
    let user = format!("chat_session={}", app.login("Alice", "general").await);
    let as_user = get_page(&app, "/admin/", Some(&user)).await;
    assert_eq!(location(&as_user), "/admin/login");

    let form = get_page(&app, "/admin/login", None).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(
        form.headers()[CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let html = form.text().await.unwrap();
    assert!(html.contains(r#"action="/admin/login""#), "{html}");

    let wrong = post_form(
        &app,
        "/admin/login",
        None,
        &[("username", "Boss"), ("password", "not the password")],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    let html = wrong.text().await.unwrap();
    assert!(html.contains("wrong username or password"), "{html}");
    // The name typed stays in the form.
    assert!(html.contains(r#"value="Boss""#), "{html}");

    // Another site's page cannot post the form.
    let forged = app
        .http
        .post(app.url("/admin/login"))
        .header(ORIGIN, "https://evil.example")
        .form(&[("username", "Boss"), ("password", "a long password")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let staff = sign_in(&app).await;
    let overview = get_page(&app, "/admin/", Some(&staff)).await;
    assert_eq!(overview.status(), StatusCode::OK);
    let html = overview.text().await.unwrap();
    assert!(html.contains("Signed in as"), "{html}");
    // Signed in already: the form sends staff on.
    let again = get_page(&app, "/admin/login", Some(&staff)).await;
    assert_eq!(location(&again), "/admin/");
}

#[apply(backends)]
#[tokio::test]
async fn the_overview_lists_rooms_and_staff_delete_messages_from_a_room_page(
    #[case] backend: Backend,
) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    let alice = member(&app, "Alice", "general").await;
    let mut bob = member(&app, "Bob", "general").await;
    let mut ids = Vec::new();
    for n in 0..60 {
        let sent = alice.send("general", &format!("message <b>{n}</b>")).await;
        ids.push(sent["message"]["id"].as_i64().unwrap());
    }
    let staff = sign_in(&app).await;

    let html = get_page(&app, "/admin/", Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"href="/admin/rooms/general/""#), "{html}");
    assert!(html.contains(">60<"), "the message count: {html}");
    assert!(
        html.contains("Alice, Bob") || html.contains("Bob, Alice"),
        "{html}"
    );

    // The newest 50, newest first, text escaped; then a link to the rest.
    let page = get_page(&app, "/admin/rooms/general/", Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("message &lt;b&gt;59&lt;/b&gt;"), "{page}");
    assert!(!page.contains("<b>"), "{page}");
    assert!(!page.contains("message &lt;b&gt;9&lt;/b&gt;"));
    assert!(
        page.find("&gt;59&lt;").unwrap() < page.find("&gt;58&lt;").unwrap(),
        "newest first"
    );
    let older = format!("/admin/rooms/general/?before={}", ids[10]);
    assert!(page.contains(&older.replace('&', "&amp;")), "{page}");
    let older_page = get_page(&app, &older, Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(older_page.contains("message &lt;b&gt;0&lt;/b&gt;"));
    assert!(older_page.contains("This is the beginning of the room."));

    // Delete from the older page: back to it, the room told, history keeps
    // a tombstone.
    let target = ids[3];
    let deleted = post_form(
        &app,
        &format!("/admin/rooms/general/messages/{target}/delete"),
        Some(&staff),
        &[("before", &ids[10].to_string())],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&deleted),
        format!(
            "/admin/rooms/general/?deleted={target}&before={}#m{target}",
            ids[10]
        )
    );
    let updated = bob.next_event("message_updated").await;
    assert_eq!(updated["id"], target);
    assert_eq!(updated["deleted"], true);
    let history: Value = get_page(
        &app,
        &format!("/chat/general/history/?before={}", target + 1),
        Some(&format!(
            "chat_session={}",
            app.login("Carol", "general").await
        )),
    )
    .await
    .json()
    .await
    .unwrap();
    let messages = history["messages"].as_array().unwrap();
    let last = messages.last().unwrap();
    assert_eq!(last["id"], target);
    assert_eq!(last["deleted"], true);
    assert_eq!(last["content"], Value::Null);

    // Deleting it again says why not, on the page.
    let again = post_form(
        &app,
        &format!("/admin/rooms/general/messages/{target}/delete"),
        Some(&staff),
        &[],
    )
    .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert!(again.text().await.unwrap().contains("Not deleted"));

    // A user's session cannot use the form.
    let user = format!("chat_session={}", app.login("Mallory", "general").await);
    let forged = post_form(
        &app,
        &format!("/admin/rooms/general/messages/{}/delete", ids[4]),
        Some(&user),
        &[],
    )
    .await;
    assert_eq!(location(&forged), "/admin/login");
    bob.assert_no_event("message_updated").await;
}

#[apply(backends)]
#[tokio::test]
async fn staff_mute_and_lift_with_the_form_and_see_what_is_in_force(#[case] backend: Backend) {
    let Some((_site, app)) = app_with_staff(backend).await else {
        return;
    };
    let mut bob = member(&app, "Bob", "general").await;
    let staff = sign_in(&app).await;

    let mute = [
        ("kind", "mute"),
        ("room", "general"),
        ("username", "Bob"),
        ("minutes", "30"),
    ];
    let muted = post_form(&app, "/admin/sanctions", Some(&staff), &mute).await;
    assert_eq!(location(&muted), "/admin/?done=mute");
    assert!(bob.next_event("muted").await["until"].is_string());
    let html = get_page(&app, "/admin/?done=mute", Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Muted."), "{html}");
    assert!(html.contains("muted in #general"), "{html}");
    assert_eq!(
        bob.send("general", "hello?").await["error"]["code"],
        "muted"
    );

    // Mistakes come back on the page, nothing imposed.
    for (form, says) in [
        (
            [
                ("kind", "mute"),
                ("room", ""),
                ("username", "Bob"),
                ("minutes", "5"),
            ],
            "a mute needs a room",
        ),
        (
            [
                ("kind", "ban"),
                ("room", ""),
                ("username", "Bob"),
                ("minutes", "soon"),
            ],
            "whole number",
        ),
        (
            [
                ("kind", "ban"),
                ("room", ""),
                ("username", "Boss"),
                ("minutes", "5"),
            ],
            "staff cannot be muted or banned",
        ),
    ] {
        let refused = post_form(&app, "/admin/sanctions", Some(&staff), &form).await;
        assert!(refused.status().is_client_error(), "{form:?}");
        let html = refused.text().await.unwrap();
        assert!(html.contains(says), "{says}: {html}");
    }

    let lift = [
        ("kind", "mute"),
        ("room", "general"),
        ("username", "Bob"),
        ("minutes", "0"),
    ];
    let lifted = post_form(&app, "/admin/sanctions", Some(&staff), &lift).await;
    assert_eq!(location(&lifted), "/admin/?done=lift");
    assert_eq!(bob.next_event("muted").await["until"], Value::Null);
    let html = get_page(&app, "/admin/", Some(&staff))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("No one is muted or banned."), "{html}");
    assert_eq!(bob.send("general", "hello").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn mutes_and_bans_end_by_themselves(#[case] backend: Backend) {
    let Some((site, app)) = app_with_staff(backend).await else {
        return;
    };
    let bob_token = app.login("Bob", "general").await;
    let bob = app.socket(&bob_token).await;
    assert_eq!(bob.join("general").await["ok"], true);
    // Sanctions a few seconds long, written as another node would: this
    // node reads them on its next reload.
    let store = chat_core::store::connect(&site.config().database_url(), &PoolSettings::default())
        .await
        .unwrap();
    let until = chrono::Utc::now() + chrono::Duration::seconds(4);
    for (kind, room, name) in [
        (SanctionKind::Mute, "general", "Bob"),
        (SanctionKind::Ban, "", "Carol"),
    ] {
        let sanction = Sanction {
            kind,
            room: room.into(),
            username: name.into(),
            name_key: chat_core::reserved::name_key(name),
            until,
            issued_by: "Boss".into(),
        };
        store.impose(&sanction).await.unwrap();
    }
    tokio::time::sleep(chat_core::sanctions::RELOAD_EVERY + Duration::from_millis(200)).await;
    assert_eq!(bob.send("general", "now?").await["error"]["code"], "muted");
    assert_eq!(
        app.try_login("Carol", "general").await.status(),
        StatusCode::FORBIDDEN
    );

    let left = until - chrono::Utc::now();
    tokio::time::sleep(left.to_std().unwrap_or_default() + Duration::from_millis(200)).await;
    assert_eq!(bob.send("general", "now").await["ok"], true);
    assert_eq!(
        app.try_login("Carol", "general").await.status(),
        StatusCode::OK
    );
    store.close().await;
}
