//! Staff accounts from `server create-superuser`: the password-less login
//! keeps their names (and look-alikes) for them.

use crate::backends;
use crate::helpers::{Site, spawn_app_on};
use chat_core::store::Backend;
use reqwest::header::LOCATION;
use rstest_reuse::apply;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `server create-superuser` on `site`'s database with `stdin` piped.
fn create_superuser(site: &Site, username: &str, stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .args(["create-superuser", "--username", username])
        .env_clear()
        .env("DATA_DIR", site.dir.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = site.database_url() {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("the server binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

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
