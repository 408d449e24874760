//! Allowances per client address (logins, new rooms) and per sign-in
//! (uploads): past them, 429 with `Retry-After` and a JSON error that says
//! when to try again.

use crate::backends;
use crate::helpers::{assert_refused, spawn_app_with};
use chat_core::store::Backend;
use reqwest::multipart::{Form, Part};
use rstest_reuse::apply;
use serde_json::Value;

/// A 429 with `Retry-After` and the same wait in the JSON error.
async fn assert_rate_limited(response: reqwest::Response) {
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(body["error"]["retry_after"], retry_after);
}

#[apply(backends)]
#[tokio::test]
async fn logins_from_one_address_are_limited(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.logins_per_minute = 3).await else {
        return;
    };
    for i in 0..3 {
        assert_eq!(
            app.try_login(&format!("user{i}"), "general").await.status(),
            200
        );
    }
    assert_rate_limited(app.try_login("user3", "general").await).await;

    // The form says so in words, keeping what was typed.
    let form = app
        .http
        .post(app.url("/"))
        .form(&[("username", "Alice"), ("room", "general")])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 303);
    let location = form.headers()["location"].to_str().unwrap();
    assert!(location.contains("retry_after="), "{location}");
    assert!(form.headers().get("set-cookie").is_none());
    let page = app.get(location, None).await.text().await.unwrap();
    assert!(page.contains("Too many logins"), "{page}");
}

#[apply(backends)]
#[tokio::test]
async fn new_rooms_from_one_address_are_limited_and_joining_old_ones_is_not(
    #[case] backend: Backend,
) {
    let Some(app) = spawn_app_with(backend, |config| config.rooms_per_hour = 2).await else {
        return;
    };
    assert_eq!(app.try_login("Alice", "one").await.status(), 200);
    assert_eq!(app.try_login("Alice", "two").await.status(), 200);
    assert_rate_limited(app.try_login("Alice", "three").await).await;
    // Rooms that exist cost nothing.
    for _ in 0..5 {
        assert_eq!(app.try_login("Bob", "one").await.status(), 200);
    }
    let token = app.login("Carol", "two").await;
    let socket = app.socket(&token).await;
    assert_eq!(socket.join("one").await["ok"], true);
    let refused = socket.join("four").await;
    assert_refused(&refused, "rate_limited");
    assert!(refused["error"]["retry_after_ms"].as_u64().unwrap() > 0);
}

#[apply(backends)]
#[tokio::test]
async fn uploads_are_limited_per_sign_in(#[case] backend: Backend) {
    let Some(app) = spawn_app_with(backend, |config| config.uploads_per_minute = 2).await else {
        return;
    };
    let upload = |token: String| {
        let form = Form::new().part(
            "image",
            Part::bytes(tiny_png()).file_name("dot.png".to_owned()),
        );
        app.http
            .post(app.url("/api/chat/pics/images/"))
            .bearer_auth(token)
            .multipart(form)
            .send()
    };
    let alice = app.login("Alice", "pics").await;
    for _ in 0..2 {
        assert_eq!(upload(alice.clone()).await.unwrap().status(), 201);
    }
    assert_rate_limited(upload(alice).await.unwrap()).await;
    // Someone else signed in under the same name has their own allowance.
    let namesake = app.login("Alice", "pics").await;
    assert_eq!(upload(namesake).await.unwrap().status(), 201);
}

fn tiny_png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image::RgbImage::new(2, 2))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}
