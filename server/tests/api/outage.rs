//! The database goes away under load and comes back: sends are refused as
//! `unavailable` (and HTTP reads with 503) while it is gone, the server is
//! live but not ready, it reconnects by itself, and once clients have
//! retried, every acknowledged message is stored exactly once.

use crate::helpers::{
    Site, TestApp, TestSocket, WAIT, staff_site, staff_token, start, unthrottled,
};
use crate::proxy::TcpProxy;
use chat_core::sanctions::RELOAD_EVERY;
use chat_core::store::Backend;
use rust_socketio::asynchronous::ClientBuilder;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::ToSocketAddrs;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const WRITERS: usize = 3;

/// What the writers were told: client_id → the acked message, if any.
type Ledger = Arc<Mutex<HashMap<String, Option<Value>>>>;

#[rstest::rstest]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_refuses_cleanly_recovers_by_itself_and_loses_nothing(
    #[case] backend: Backend,
) {
    let Some(site) = Site::new(backend).await else {
        return;
    };
    // The server reaches its database through a proxy the test can cut.
    let (proxy, app) = started_behind_proxy(&site, unthrottled).await;

    let ledger: Ledger = Arc::default();
    let refusals: Arc<Mutex<Vec<Value>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let socket = joined(&app, &format!("writer{w}")).await;
        let (ledger, refusals, stop) = (ledger.clone(), refusals.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let client_id = format!("w{w}-{i}");
                let ack = send(&socket, &client_id).await;
                let stored = (ack["ok"] == true).then(|| ack["message"].clone());
                if stored.is_none() {
                    refusals.lock().unwrap().push(ack);
                }
                ledger.lock().unwrap().insert(client_id, stored);
                i += 1;
            }
            socket
        }));
    }
    wait_until("sends flow", || acked(&ledger) >= 60).await;
    let token = app.login("Reader", "outage").await;

    proxy.cut();
    let refused_before = refusals.lock().unwrap().len();
    wait_until("sends are refused", || {
        refusals.lock().unwrap().len() >= refused_before + 2 * WRITERS
    })
    .await;
    // Readers get a JSON 503, and the health checks tell live from ready.
    let history = app.get("/chat/outage/history/", Some(&token)).await;
    assert_eq!(history.status(), 503);
    let body: Value = history.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(!body.to_string().contains("sqlx"), "detail leaked: {body}");
    assert_eq!(app.get("/healthz/live", None).await.status(), 200);
    assert_eq!(app.get("/healthz/ready", None).await.status(), 503);
    assert_eq!(app.get("/healthz", None).await.status(), 503);

    proxy.restore();
    let acked_at_restore = acked(&ledger);
    wait_until("the server reconnects by itself", || {
        acked(&ledger) >= acked_at_restore + 30
    })
    .await;
    assert_eq!(app.get("/healthz/ready", None).await.status(), 200);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut sockets = Vec::new();
    for writer in writers {
        sockets.push(tokio::time::timeout(WAIT, writer).await.unwrap().unwrap());
    }

    println!(
        "{backend:?}: {} acked, {} refused during the outage",
        acked(&ledger),
        refusals.lock().unwrap().len()
    );
    // Every refusal said `unavailable`, in a way people can read.
    for refusal in refusals.lock().unwrap().iter() {
        assert_eq!(refusal["ok"], false, "{refusal}");
        assert_eq!(refusal["error"]["code"], "unavailable", "{refusal}");
        assert!(
            refusal["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    // The writers retry what was refused (some of which may have been
    // stored just before the connection dropped); acked ones stay as acked.
    let entries = ledger.lock().unwrap().clone();
    let mut expected: HashMap<String, Value> = HashMap::new();
    for (client_id, stored) in &entries {
        let w: usize = client_id[1..].split('-').next().unwrap().parse().unwrap();
        let ack = send(&sockets[w], client_id).await;
        assert_eq!(ack["ok"], true, "retry of {client_id}: {ack}");
        if let Some(original) = stored {
            assert_eq!(&ack["message"], original, "{client_id} changed");
        }
        expected.insert(client_id.clone(), ack["message"].clone());
    }

    let stored = read_room(&app, &token).await;
    let mut by_client: HashMap<String, Value> = HashMap::new();
    for message in stored {
        let client_id = message["client_id"].as_str().unwrap().to_owned();
        assert!(
            by_client.insert(client_id.clone(), message).is_none(),
            "{client_id} stored twice"
        );
    }
    assert_eq!(by_client, expected);
}

#[rstest::rstest]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_started_before_its_database_waits_for_it(#[case] backend: Backend) {
    let Some(site) = Site::new(backend).await else {
        return;
    };
    let (proxy, url) = behind_proxy(&site).await;
    proxy.cut();
    let mut config = site.config();
    config.database_url = Some(url.into());
    let starting = tokio::spawn(start(config));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(
        !starting.is_finished(),
        "it gave up or started without a database"
    );

    proxy.restore();
    let app = tokio::time::timeout(Duration::from_secs(30), starting)
        .await
        .expect("the server did not start once the database was back")
        .unwrap();
    let token = app.login("Alice", "late").await;
    let socket = app.socket(&token).await;
    assert_eq!(socket.join("late").await["ok"], true);
}

/// Who is asking has one answer everywhere, and while the database cannot
/// give it (the sanctions in force are stale and cannot be read again), no
/// way in lets a banned person through: not the socket handshake (which
/// let them in before), not the read API, not the room page.
#[rstest::rstest]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_banned_person_is_refused_everywhere_while_the_database_cannot_say(
    #[case] backend: Backend,
) {
    let Some(site) = staff_site(backend, "Boss").await else {
        return;
    };
    let (proxy, app) = started_behind_proxy(&site, |_| {}).await;
    let bob = app.login("Bob", "outage").await;
    let boss = staff_token(&app, "Boss").await;
    let banned = app
        .http
        .post(app.url("/api/admin/sanctions"))
        .bearer_auth(&boss)
        .json(&json!({"kind": "ban", "username": "Bob", "minutes": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(banned.status(), 200);

    proxy.cut();
    // Past the age at which this node reads the sanctions again.
    tokio::time::sleep(RELOAD_EVERY + Duration::from_millis(500)).await;

    let handshake = app
        .try_socket_with(ClientBuilder::new(app.url("/")).auth(json!({"token": bob})))
        .await;
    let refusal = handshake
        .err()
        .expect("a banned person's socket was let in");
    assert!(refusal.contains("unavailable"), "{refusal}");
    let history = app.get("/chat/outage/history/", Some(&bob)).await;
    assert_eq!(history.status(), 503);
    let page = app.get("/chat/outage/", Some(&bob)).await;
    assert_eq!(page.status(), 503);

    // Once the database answers again, the ban itself is the answer.
    proxy.restore();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let history = app.get("/chat/outage/history/", Some(&bob)).await;
        if history.status() == 403 {
            let body: Value = history.json().await.unwrap();
            assert_eq!(body["error"]["code"], "banned");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{}",
            history.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refusal = app
        .try_socket_with(ClientBuilder::new(app.url("/")).auth(json!({"token": bob})))
        .await
        .err()
        .expect("a banned person's socket was let in");
    assert!(refusal.contains("banned until"), "{refusal}");
}

/// A server on `site` (settings adjusted) that reaches its database
/// through a proxy the test can cut, waiting at most 500 ms for it.
async fn started_behind_proxy(
    site: &Site,
    adjust: impl FnOnce(&mut server::config::Config),
) -> (TcpProxy, TestApp) {
    let (proxy, url) = behind_proxy(site).await;
    let mut config = site.config();
    config.database_url = Some(url.into());
    config.database_timeout_ms = 500;
    adjust(&mut config);
    (proxy, start(config).await)
}

/// A TCP proxy in front of `site`'s database, and the URL through it.
async fn behind_proxy(site: &Site) -> (TcpProxy, String) {
    let mut url = url::Url::parse(site.database_url().unwrap()).unwrap();
    let upstream = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let proxy = TcpProxy::start(upstream.to_socket_addrs().unwrap().next().unwrap()).await;
    url.set_port(Some(proxy.addr.port())).unwrap();
    (proxy, url.to_string())
}

async fn joined(app: &TestApp, user: &str) -> TestSocket {
    let socket = app.socket(&app.login(user, "outage").await).await;
    assert_eq!(socket.join("outage").await["ok"], true);
    socket
}

async fn send(socket: &TestSocket, client_id: &str) -> Value {
    let payload = json!({"room": "outage", "content": format!("message {client_id}"), "client_id": client_id});
    socket.ack("send_message", payload).await
}

fn acked(ledger: &Ledger) -> usize {
    ledger
        .lock()
        .unwrap()
        .values()
        .filter(|v| v.is_some())
        .count()
}

async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every message of the room, oldest first, through the history API.
async fn read_room(app: &TestApp, token: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut before = String::new();
    loop {
        let path = format!("/chat/outage/history/?limit=100{before}");
        let page: Value = app.get(&path, Some(token)).await.json().await.unwrap();
        let messages = page["messages"].as_array().unwrap().clone();
        if let Some(oldest) = messages.first() {
            before = format!("&before={}", oldest["id"]);
        }
        all.splice(0..0, messages);
        if page["has_more"] != true {
            return all;
        }
    }
}
