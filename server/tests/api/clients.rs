//! The official JavaScript and Python Socket.IO clients, as other people's
//! apps and bots use them, against the real server on every backend: each
//! script logs in, joins, sends, retries, catches up after a disconnect and
//! sends bad payloads, asserting what the contract promises. They need
//! `scripts/setup.sh` (Node packages, the Python client); `scripts/test.sh`
//! sets `CHAT_INTEROP=required`, so there a missing client fails the test.

use crate::backends;
use crate::helpers::{
    Endpoint, Site, create_superuser, said, spawn_app, spawn_app_on, spawn_app_with,
};
use chat_core::store::Backend;
use rstest_reuse::apply;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_javascript_client_works(#[case] backend: Backend) {
    let script = clients_dir().join("official_js.mjs");
    let node_client = repo_root().join("node_modules/socket.io-client");
    if !interop_available("node", node_client.exists()) {
        return;
    }
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    run_client(&app, None, Path::new("node"), &script, "js-clients").await;
}

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_client_works(#[case] backend: Backend) {
    let script = clients_dir().join("official_python.py");
    let python = repo_root().join(".tools/python/bin/python");
    if !interop_available("python-socketio", python.exists()) {
        return;
    }
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    run_client(&app, None, &python, &script, "py-clients").await;
}

/// Moderation as a staff member's script does it with the official
/// JavaScript client: staff from `server create-superuser`, signed in over
/// `/api/admin/login`; edits, deletions, catch-up, mutes and bans.
#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_javascript_client_moderates(#[case] backend: Backend) {
    let script = clients_dir().join("moderation_js.mjs");
    let node_client = repo_root().join("node_modules/socket.io-client");
    if !interop_available("node", node_client.exists()) {
        return;
    }
    let Some(site) = Site::new(backend).await else {
        return;
    };
    let created = create_superuser(&site, "Moderator_1", "a long password\n");
    assert!(created.status.success(), "{}", said(&created));
    let app = spawn_app_on(&site).await;
    let extra = ["Moderator_1", "a long password"];
    run_client_with(
        &app,
        None,
        Path::new("node"),
        &script,
        "js-moderation",
        &extra,
    )
    .await;
}

/// Node's `fetch` writes a whole upload before reading the answer; uploads
/// the server refuses up front (no session, no such room, declared too
/// large) must still reach it as the status and JSON error.
#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_fetch_reads_the_refusal_of_an_upload_it_is_still_sending(#[case] backend: Backend) {
    if !interop_available("node", which("node")) {
        return;
    }
    let Some(app) = spawn_app_with(backend, |config| config.max_upload_bytes = 1024 * 1024).await
    else {
        return;
    };
    let token = app.login("Alice", "pics").await;
    let run = tokio::process::Command::new("node")
        .arg(clients_dir().join("refused_uploads.mjs"))
        .arg(app.url(""))
        .arg(&token)
        .arg((1024 * 1024).to_string())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the script hung")
        .expect("start node");
    assert!(
        output.status.success(),
        "refusals were not readable:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn which(program: &str) -> bool {
    std::process::Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a client script against `app` (its second user against `other`, a
/// node of the same site, when given) and checks it reported success, and
/// that what it stored is in the room's history.
pub async fn run_client(
    app: &Endpoint,
    other: Option<&Endpoint>,
    program: &Path,
    script: &Path,
    room: &str,
) {
    run_client_with(app, other, program, script, room, &[]).await;
}

/// [`run_client`], with `extra` arguments after the room (or the other
/// node's address).
pub async fn run_client_with(
    app: &Endpoint,
    other: Option<&Endpoint>,
    program: &Path,
    script: &Path,
    room: &str,
    extra: &[&str],
) {
    let mut command = tokio::process::Command::new(program);
    command.arg(script).arg(app.url("")).arg(room);
    if let Some(other) = other {
        command.arg(other.url(""));
    }
    command.args(extra);
    let run = command.kill_on_drop(true).output();
    let output = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .expect("the client script hung")
        .expect("start the client script");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{} failed:\n{stdout}\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim()).expect("a JSON report");
    let stored: Vec<i64> = serde_json::from_value(report["stored"].clone()).unwrap();

    let token = app.login("Reader", room).await;
    let history: Value = app
        .get(&format!("/chat/{room}/history/"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(crate::helpers::ids_of(&history["messages"]), stored);
}

pub fn interop_available(what: &str, installed: bool) -> bool {
    if installed {
        return true;
    }
    let required = std::env::var("CHAT_INTEROP").is_ok_and(|v| v == "required");
    assert!(!required, "{what} is not installed: run scripts/setup.sh");
    eprintln!("skipped: {what} is not installed (scripts/setup.sh installs it)");
    false
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}
