use crate::backends;
use crate::helpers::spawn_app;
use chat_core::store::Backend;
use reqwest::header::{LOCATION, SET_COOKIE};
use rstest_reuse::apply;
use serde_json::{Value, json};

#[apply(backends)]
#[tokio::test]
async fn the_login_form_sets_an_httponly_session_and_redirects_to_the_room(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .http
        .post(app.url("/"))
        .form(&[("username", "Alice"), ("room", "General")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()[LOCATION], "/chat/general/");
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("chat_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

/// A session in use stays in the browser: each visit to a room sets its
/// cookie again for a full lifetime, so it does not lapse 30 days after
/// the sign-in while the person is still chatting.
#[apply(backends)]
#[tokio::test]
async fn visiting_a_room_keeps_the_session_cookie_for_another_lifetime(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.login("Alice", "general").await;
    let page = app.get("/chat/general/", Some(&token)).await;
    assert_eq!(page.status(), 200);
    let cookie = page.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.starts_with(&format!("chat_session={token};")),
        "{cookie}"
    );
    assert!(cookie.contains("Max-Age=2592000"), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");

    // A session that has ended is not kept: the page signs it out.
    let logout = app
        .http
        .post(app.url("/logout"))
        .header(reqwest::header::COOKIE, format!("chat_session={token}"))
        .header(reqwest::header::ORIGIN, format!("http://{}", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 303);
    let page = app.get("/chat/general/", Some(&token)).await;
    assert_eq!(page.status(), 303);
    let cleared = page.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
}

#[apply(backends)]
#[tokio::test]
async fn the_login_form_sends_bad_names_back_with_their_errors(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .http
        .post(app.url("/"))
        .form(&[("username", "System"), ("room", "no spaces")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert!(response.headers().get(SET_COOKIE).is_none());
    let location = response.headers()[LOCATION].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        "/?username=System&room=no+spaces&username_error=reserved&room_error=bad_characters"
    );

    // The form shows the messages and keeps what was typed.
    let page = app.get(&location, None).await.text().await.unwrap();
    assert!(page.contains("Username is reserved."), "{page}");
    assert!(
        page.contains("Room name may only contain letters, digits"),
        "{page}"
    );
    assert!(page.contains(r#"value="no spaces""#), "{page}");
}

#[apply(backends)]
#[tokio::test]
async fn api_login_returns_a_token_and_refuses_bad_input_as_json(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let response = app
        .http
        .post(app.url("/api/login"))
        .json(&json!({"username": "Bob", "room": "Dev"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["username"].as_str(), body["room"].as_str()),
        (Some("Bob"), Some("dev"))
    );
    assert!(body["token"].as_str().is_some_and(|t| t.len() > 20));

    for bad in [
        json!({"username": "", "room": "dev"}),
        json!({"username": "a<b", "room": "dev"}),
        json!([1]),
    ] {
        let response = app
            .http
            .post(app.url("/api/login"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{bad}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid", "{body}");
    }
    let response = app
        .http
        .post(app.url("/api/login"))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[apply(backends)]
#[tokio::test]
async fn health_reports_live_and_ready(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    for (path, body) in [
        (
            "/healthz",
            json!({"status": "ok", "live": true, "ready": true}),
        ),
        ("/healthz/live", json!({"status": "live"})),
        ("/healthz/ready", json!({"status": "ready"})),
    ] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.json::<Value>().await.unwrap(), body, "{path}");
    }
}

#[apply(backends)]
#[tokio::test]
async fn unknown_api_paths_answer_with_a_json_404(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.login("Alice", "general").await;
    for path in ["/api/nope", "/api/chat/general/nope/", "/api/v2/login"] {
        let response = app.get(path, Some(&token)).await;
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(body["error"]["code"], "not_found", "{path}");
    }
    let posted = app.http.post(app.url("/api/nope")).send().await.unwrap();
    assert_eq!(posted.status(), 404);
}

#[apply(backends)]
#[tokio::test]
async fn look_alikes_of_reserved_names_cannot_log_in(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    // Cyrillic е and ѕ, fullwidth letters, zeros for o, capital I for l.
    for name in ["Systеm", "ѕystem", "ＡＤＭＩＮ", "r00t", "nuII", "System"] {
        let response = app
            .http
            .post(app.url("/api/login"))
            .json(&json!({"username": name, "room": "general"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{name}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "reserved", "{name}: {body}");

        let form = app
            .http
            .post(app.url("/"))
            .form(&[("username", name), ("room", "general")])
            .send()
            .await
            .unwrap();
        let location = form.headers()[LOCATION].to_str().unwrap().to_owned();
        assert!(
            location.contains("username_error=reserved"),
            "{name}: {location}"
        );
    }
    // Names that only resemble them in part are fine.
    for name in ["Systems", "Zoë", "rooted"] {
        app.login(name, "general").await;
    }
}

#[apply(backends)]
#[tokio::test]
async fn other_sites_cannot_log_people_in_or_out_or_post_for_them(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.login("Alice", "general").await;
    let own = format!("http://{}", app.addr);
    let post = |path: &str, origin: &str| {
        app.http
            .post(app.url(path))
            .header("Origin", origin)
            .header("Cookie", format!("chat_session={token}"))
            .form(&[("username", "Mallory"), ("room", "general")])
            .send()
    };
    for path in ["/", "/logout", "/api/chat/general/images/"] {
        let response = post(path, "https://evil.example").await.unwrap();
        assert_eq!(response.status(), 403, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "forbidden", "{path}");
    }
    // The site's own pages may; logging out is a POST that clears the cookie.
    let logout = post("/logout", &own).await.unwrap();
    assert_eq!(logout.status(), 303);
    let cleared = logout.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.contains("chat_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let login = post("/", &own).await.unwrap();
    assert_eq!(login.status(), 303);
    // A link (GET) logs no one out.
    let link = app.get("/logout", Some(&token)).await;
    assert_eq!(link.status(), 405);
}
