//! Crash safety: under a steady send load the server is killed with
//! SIGKILL and restarted. Every acknowledged message must be in the
//! database, and the clients' retries (same client_id) must store nothing
//! twice.

use crate::backends;
use crate::helpers::{Site, WAIT, ids_of, login_over_http, socket_at, start_server_process};
use chat_core::store::Backend;
use rstest_reuse::apply;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WRITERS: usize = 3;

async fn connect(url: &str, token: &str) -> crate::helpers::TestSocket {
    let socket = socket_at(url, token).await;
    assert_eq!(socket.join("crash").await["ok"], true);
    socket
}

/// What one writer sent: client_id → the acked message, or None if no ack.
type Ledger = Arc<Mutex<Vec<(String, Option<Value>)>>>;

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_a_kill_and_retries_store_nothing_twice(
    #[case] backend: Backend,
) {
    let Some(site) = Site::new(backend).await else {
        return;
    };
    let (mut server, url) = start_server_process(&site);

    // Writers send steadily until the server dies under them.
    let ledger: Ledger = Arc::default();
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (url, ledger) = (url.clone(), ledger.clone());
        let token = login_over_http(&url, &format!("writer{w}"), "crash").await;
        writers.push(tokio::spawn(async move {
            let socket = connect(&url, &token).await;
            for i in 0.. {
                let client_id = format!("w{w}-{i}");
                let payload = json!({"room": "crash", "content": format!("writer {w} message {i}"), "client_id": client_id});
                let ack = socket.try_ack("send_message", payload, Duration::from_secs(2)).await;
                let stored = ack.filter(|a| a["ok"] == true).map(|a| a["message"].clone());
                let gone = stored.is_none();
                ledger.lock().unwrap().push((client_id, stored));
                if gone {
                    return;
                }
            }
        }));
    }
    // Let a few hundred messages through, then pull the plug mid-stream.
    loop {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if ledger.lock().unwrap().len() >= 300 {
            break;
        }
    }
    server.kill().expect("SIGKILL");
    server.wait().expect("reap");
    for writer in writers {
        tokio::time::timeout(WAIT, writer)
            .await
            .expect("writer stuck")
            .expect("writer");
    }

    let (_server, url) = start_server_process(&site);
    let entries = ledger.lock().unwrap().clone();
    let acked: HashMap<String, Value> = entries
        .iter()
        .filter_map(|(id, m)| m.clone().map(|m| (id.clone(), m)))
        .collect();
    let unacked: Vec<&String> = entries
        .iter()
        .filter(|(_, m)| m.is_none())
        .map(|(id, _)| id)
        .collect();
    assert!(
        acked.len() >= 300,
        "only {} acks before the kill",
        acked.len()
    );
    println!(
        "killed after {} acks, {} sends unanswered",
        acked.len(),
        unacked.len()
    );

    // Every writer retries what it never heard back about, and a few acked
    // ones for good measure: the server answers with what it stored.
    let token = login_over_http(&url, "writer0", "crash").await;
    let retrier = connect(&url, &token).await;
    for (client_id, original) in entries
        .iter()
        .filter(|(id, _)| id.starts_with("w0-"))
        .rev()
        .take(5)
    {
        let content = original.as_ref().map(|m| m["content"].clone());
        let payload = json!({"room": "crash", "content": content.unwrap_or(json!("x")), "client_id": client_id});
        let ack = retrier.ack("send_message", payload).await;
        if let Some(original) = original {
            assert_eq!(
                &ack["message"], original,
                "a retried send came back different"
            );
        }
    }
    for w in 0..WRITERS {
        let token = login_over_http(&url, &format!("writer{w}"), "crash").await;
        let socket = connect(&url, &token).await;
        for client_id in unacked
            .iter()
            .filter(|id| id.starts_with(&format!("w{w}-")))
        {
            let i = client_id.rsplit('-').next().unwrap();
            let payload = json!({"room": "crash", "content": format!("writer {w} message {i}"), "client_id": client_id});
            assert_eq!(socket.ack("send_message", payload).await["ok"], true);
        }
    }

    // The room, read back through the API: every ack is there, nothing twice.
    let reader = reqwest::Client::new();
    let mut stored = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let query = before.map(|b| format!("&before={b}")).unwrap_or_default();
        let page: Value = reader
            .get(format!("{url}/chat/crash/history/?limit=100{query}"))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let messages = page["messages"].as_array().unwrap().clone();
        before = ids_of(&page["messages"]).first().copied();
        stored.splice(0..0, messages);
        if page["has_more"] != true {
            break;
        }
    }
    let by_client: HashMap<String, Value> = stored
        .iter()
        .map(|m| (m["client_id"].as_str().unwrap().to_owned(), m.clone()))
        .collect();
    assert_eq!(
        by_client.len(),
        stored.len(),
        "a client_id was stored twice"
    );
    for (client_id, message) in &acked {
        assert_eq!(
            by_client.get(client_id),
            Some(message),
            "acked {client_id} lost or changed"
        );
    }
    let attempted: HashSet<&String> = entries.iter().map(|(id, _)| id).collect();
    assert_eq!(
        stored.len(),
        attempted.len(),
        "stored messages that were never sent"
    );
}

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_sockets_cleanly_and_leaves_the_database_flushed(#[case] backend: Backend) {
    let Some(site) = Site::new(backend).await else {
        return;
    };
    let (mut server, url) = start_server_process(&site);
    let token = login_over_http(&url, "Alice", "crash").await;
    let socket = connect(&url, &token).await;
    for i in 0..20 {
        let payload = json!({"room": "crash", "content": format!("before shutdown {i}"), "client_id": format!("s{i}")});
        assert_eq!(socket.ack("send_message", payload).await["ok"], true);
    }

    let terminated = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(terminated.success());
    let exit = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .expect("wait for the server");
    assert!(exit.success(), "the server exited with {exit}");

    // SQLite's write-ahead log was checkpointed into the database on the
    // way out.
    if backend == Backend::Sqlite {
        let wal = site.dir.path().join("chat.db-wal");
        let wal_len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(wal_len, 0, "the database was not flushed");
    }

    // And everything is there after a restart.
    let (_server, url) = start_server_process(&site);
    let socket = connect(&url, &login_over_http(&url, "Alice", "crash").await).await;
    let ack = socket.join("crash").await;
    assert_eq!(ack["messages"].as_array().unwrap().len(), 20);
}
