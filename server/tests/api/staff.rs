//! Staff accounts from `server create-superuser`: the password-less login
//! keeps their names (and look-alikes) for them.

use crate::backends;
use crate::helpers::{Site, create_superuser, said, spawn_app_on};
use chat_core::store::Backend;
use reqwest::header::LOCATION;
use rstest_reuse::apply;
use serde_json::Value;

#[apply(backends)]
#[tokio::test]
async fn create_superuser_creates_then_updates_and_refuses_bad_input(#[case] backend: Backend) {
    let Some(site) = Site::new(backend).await else {
        return;
    };
    let created = create_superuser(&site, "Boss", "a long password\n");
    assert!(created.status.success(), "{}", said(&created));
    assert!(
        said(&created).contains("Staff account Boss created."),
        "{}",
        said(&created)
    );

    let changed = create_superuser(&site, "Boss", "another long one\n");
    assert!(changed.status.success(), "{}", said(&changed));
    assert!(said(&changed).contains("Password of staff account Boss changed."));

    for (name, stdin, reason) in [
        ("Boss", "short\n", "at least 8 characters"),
        (
            "B0SS",
            "a long password\n",
            "\"Boss\" has a name that looks the same",
        ),
        ("no spaces", "a long password\n", "the username"),
    ] {
        let refused = create_superuser(&site, name, stdin);
        assert!(!refused.status.success(), "{name}: {}", said(&refused));
        assert!(
            said(&refused).contains(reason),
            "{name}: {}",
            said(&refused)
        );
    }
}

#[apply(backends)]
#[tokio::test]
async fn staff_names_and_look_alikes_are_refused_to_the_password_less_login(
    #[case] backend: Backend,
) {
    let Some(site) = Site::new(backend).await else {
        return;
    };
    let created = create_superuser(&site, "Boss", "a long password\n");
    assert!(created.status.success(), "{}", said(&created));
    let app = spawn_app_on(&site).await;

    for name in ["Boss", "boss", "B0SS", "Воss"] {
        let response = app.try_login(name, "general").await;
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
    app.login("Bossa", "general").await;
    app.stop().await;
}
