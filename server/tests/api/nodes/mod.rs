//! Several nodes: real server processes sharing one database (PostgreSQL
//! or MySQL) and one Redis.

mod cluster;

use crate::helpers::{TestSocket, WAIT};
use chat_core::store::Backend;
use cluster::Shared;
use rstest_reuse::{self, template};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

/// Settings for tests that send faster than a person types.
const UNTHROTTLED: [(&str, &str); 2] = [("SEND_BURST", "1000"), ("SEND_RATE", "1000")];

/// The backends several nodes can share.
#[template]
#[rstest::rstest]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
fn shared_backends(#[case] backend: Backend) {}

/// The next `presence` event that says `name` left, within `limit`.
async fn departure_of(socket: &mut TestSocket, name: &str, limit: Duration) -> Value {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let presence = socket.next_event_within("presence", left).await;
        if presence["left"] == name {
            return presence;
        }
    }
}

#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn people_on_different_nodes_chat_see_each_other_and_typing(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let (a, b) = (shared.node("a").await, shared.node("b").await);
    let alice_token = a.login("alice", "lobby").await;
    let bob_token = b.login("bob", "lobby").await;
    let mut alice = a.socket(&alice_token).await;
    let mut bob = b.socket(&bob_token).await;
    assert_eq!(alice.join("lobby").await["ok"], true);

    let joined = bob.join("lobby").await;
    assert_eq!(
        joined["online"],
        json!(["alice", "bob"]),
        "bob's join: {joined}"
    );
    let presence = alice.next_event("presence").await;
    assert_eq!(presence["joined"], "bob");
    assert_eq!(presence["online"], json!(["alice", "bob"]));

    let sent = alice.send("lobby", "hello from node a").await;
    assert_eq!(sent["ok"], true, "{sent}");
    let received = bob.next_event("message").await;
    assert_eq!(
        received, sent["message"],
        "bob gets alice's message as stored"
    );
    let reply = bob.send("lobby", "hello from node b").await;
    assert_eq!(alice.next_event("message").await, reply["message"]);

    bob.ack("typing", json!({"room": "lobby", "typing": true}))
        .await;
    let typing = alice.next_event("typing").await;
    assert_eq!(
        typing,
        json!({"room": "lobby", "username": "bob", "typing": true})
    );

    // A session from node b is good on node a: they share the secret.
    let bob_on_a = a.socket(&bob_token).await;
    assert_eq!(bob_on_a.join("lobby").await["ok"], true);

    // One entry per person: bob's second tab, on the other node, is not
    // news; closing one of his two tabs is not either.
    alice.assert_no_event("presence").await;
    bob_on_a.disconnect().await;
    alice.assert_no_event("presence").await;
    bob.disconnect().await;
    let left = departure_of(&mut alice, "bob", WAIT).await;
    assert_eq!(left["online"], json!(["alice"]));
}

#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn a_killed_nodes_people_drop_out_and_its_clients_catch_up_on_another(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let (mut a, b) = (shared.node("a").await, shared.node("b").await);
    let alice_token = a.login("alice", "lobby").await;
    let bob_token = b.login("bob", "lobby").await;
    let alice = a.socket(&alice_token).await;
    let mut bob = b.socket(&bob_token).await;
    alice.join("lobby").await;
    bob.join("lobby").await;
    let seen = alice.send("lobby", "the last one alice sees").await["message"]["id"]
        .as_i64()
        .expect("an id");
    bob.next_event("message").await;

    a.kill().await;
    let started = tokio::time::Instant::now();
    // Bob is told alice left once her node is found dead, within 30 s.
    let left = departure_of(&mut bob, "alice", Duration::from_secs(30)).await;
    assert_eq!(left["online"], json!(["bob"]));
    eprintln!(
        "alice left bob's list {:?} after her node died",
        started.elapsed()
    );

    let mut missed = Vec::new();
    for text in ["while you were away", "two"] {
        missed.push(bob.send("lobby", text).await["message"].clone());
    }
    // Alice's client reconnects to node b and catches up from what it saw.
    let alice = b.socket(&alice_token).await;
    let joined = alice
        .ack("join", json!({"room": "lobby", "since": seen}))
        .await;
    assert_eq!(joined["ok"], true, "{joined}");
    assert_eq!(joined["recovered"], true);
    assert_eq!(
        joined["messages"],
        Value::Array(missed),
        "exactly what she missed"
    );
    assert_eq!(joined["online"], json!(["alice", "bob"]));
    assert_eq!(bob.next_event("presence").await["joined"], "alice");
}

#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn a_node_that_is_stopped_says_goodbye_for_its_people(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let (a, b) = (shared.node("a").await, shared.node("b").await);
    let alice = a.socket(&a.login("alice", "lobby").await).await;
    let mut bob = b.socket(&b.login("bob", "lobby").await).await;
    alice.join("lobby").await;
    bob.join("lobby").await;

    a.stop().await;
    // At once, not when the node's heartbeat runs out.
    let left = departure_of(&mut bob, "alice", Duration::from_secs(5)).await;
    assert_eq!(left["online"], json!(["bob"]));
}

#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn without_redis_each_node_serves_its_own_and_catches_the_others_up_after(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let a = shared.node_with("a", &UNTHROTTLED).await;
    let b = shared.node_with("b", &UNTHROTTLED).await;
    let alice_token = a.login("alice", "lobby").await;
    let (bob_token, carol_token) = (
        b.login("bob", "lobby").await,
        a.login("carol", "lobby").await,
    );
    let alice = a.socket(&alice_token).await;
    let mut carol = a.socket(&carol_token).await;
    let mut bob = b.socket(&bob_token).await;
    for socket in [&alice, &carol, &bob] {
        assert_eq!(socket.join("lobby").await["ok"], true);
    }

    shared.redis.cut();
    let mut acked = Vec::new();
    for n in 0..10 {
        let sent = alice.send("lobby", &format!("during the outage {n}")).await;
        assert_eq!(
            sent["ok"], true,
            "a send during the outage is stored and acked: {sent}"
        );
        acked.push(sent["message"].clone());
        // Carol, on the same node, gets it at once.
        assert_eq!(carol.next_event("message").await, sent["message"]);
    }
    let health = wait_for_health(&a, "degraded").await;
    assert_eq!(health["redis"], "unreachable");
    let metrics = a.get("/metrics", None).await.text().await.unwrap();
    assert!(metrics.contains("\nchat_outbox_messages 10\n"), "{metrics}");

    shared.redis.restore();
    wait_for_health(&a, "ok").await;
    // Bob, on the other node, gets every one of them once Redis is back.
    let ids: BTreeSet<i64> = acked.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(receive_ids(&mut bob, &ids).await, ids);
    // And delivery across nodes goes on as before.
    let after = alice.send("lobby", "after the outage").await;
    assert_eq!(after["ok"], true, "{after}");
    let after: BTreeSet<i64> = [after["message"]["id"].as_i64().unwrap()].into();
    receive_ids(&mut bob, &after).await;
}

/// One node alone loses Redis: the other's sends still go out (to no one
/// on it), and its own reach only its own people. Once it is back, each
/// side gets what the other said.
#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn a_node_cut_off_alone_catches_up_both_ways_when_it_is_back(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let own_link = shared.redis_proxy().await;
    let a = shared.node("a").await;
    let b = shared.node_via("b", &own_link, &[]).await;
    let mut alice = a.socket(&a.login("alice", "lobby").await).await;
    let mut bob = b.socket(&b.login("bob", "lobby").await).await;
    alice.join("lobby").await;
    bob.join("lobby").await;

    own_link.cut();
    wait_for_health(&b, "degraded").await;
    let mut from_alice = BTreeSet::new();
    for n in 0..5 {
        let sent = alice.send("lobby", &format!("alice {n}")).await;
        from_alice.insert(sent["message"]["id"].as_i64().unwrap());
    }
    let mut from_bob = BTreeSet::new();
    for n in 0..3 {
        let sent = bob.send("lobby", &format!("bob {n}")).await;
        assert_eq!(sent["ok"], true, "{sent}");
        from_bob.insert(sent["message"]["id"].as_i64().unwrap());
    }
    assert_eq!(
        wait_for_health(&a, "ok").await["redis"],
        "ok",
        "node a never lost Redis"
    );

    own_link.restore();
    wait_for_health(&b, "ok").await;
    assert_eq!(
        receive_ids(&mut bob, &from_alice).await,
        from_alice,
        "bob catches up"
    );
    assert_eq!(
        receive_ids(&mut alice, &from_bob).await,
        from_bob,
        "alice gets bob's"
    );
}

/// Both nodes take sends all through a Redis outage: every acknowledged
/// message is stored once, and reaches every reader on both nodes.
#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn nothing_acknowledged_is_lost_when_redis_is_cut_under_load(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let a = shared.node_with("a", &UNTHROTTLED).await;
    let b = shared.node_with("b", &UNTHROTTLED).await;
    let alice = a.socket(&a.login("alice", "lobby").await).await;
    let bob = b.socket(&b.login("bob", "lobby").await).await;
    let reader_token = a.login("carol", "lobby").await;
    let mut carol = a.socket(&reader_token).await;
    let mut dave = b.socket(&b.login("dave", "lobby").await).await;
    for socket in [&alice, &bob, &carol, &dave] {
        assert_eq!(socket.join("lobby").await["ok"], true);
    }

    let (from_alice, from_bob) = tokio::join!(
        send_through_an_outage(&alice, "alice", Some(&shared.redis)),
        send_through_an_outage(&bob, "bob", None),
    );
    wait_for_health(&a, "ok").await;
    wait_for_health(&b, "ok").await;
    let acked: BTreeSet<i64> = from_alice.into_iter().chain(from_bob).collect();
    assert_eq!(
        receive_ids(&mut carol, &acked).await,
        acked,
        "carol, on node a"
    );
    assert_eq!(
        receive_ids(&mut dave, &acked).await,
        acked,
        "dave, on node b"
    );
    let history: Value = a
        .get("/chat/lobby/history/?limit=100", Some(&reader_token))
        .await
        .json()
        .await
        .expect("history JSON");
    let stored = crate::helpers::ids_of(&history["messages"]);
    assert_eq!(
        stored,
        acked.into_iter().collect::<Vec<_>>(),
        "stored once each"
    );
}

/// Sends 40 messages, 100 ms apart; with `redis`, cuts it after the 10th
/// and restores it after the 30th. Returns the acknowledged ids.
async fn send_through_an_outage(
    socket: &TestSocket,
    who: &str,
    redis: Option<&crate::proxy::TcpProxy>,
) -> Vec<i64> {
    let mut acked = Vec::new();
    for n in 0..40 {
        match (redis, n) {
            (Some(redis), 10) => redis.cut(),
            (Some(redis), 30) => redis.restore(),
            _ => {}
        }
        let sent = socket.send("lobby", &format!("{who} {n}")).await;
        assert_eq!(sent["ok"], true, "{who}'s send {n}: {sent}");
        acked.push(sent["message"]["id"].as_i64().expect("an id"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    acked
}

/// The ids of the messages `socket` receives until it has every one of
/// `expected` (the ones it missed are named if it never does).
async fn receive_ids(socket: &mut TestSocket, expected: &BTreeSet<i64>) -> BTreeSet<i64> {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    let mut seen = BTreeSet::new();
    while !expected.is_subset(&seen) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        assert!(
            !left.is_zero(),
            "never received {:?}",
            expected.difference(&seen).collect::<Vec<_>>()
        );
        let message = socket.next_event_within("message", left).await;
        seen.insert(message["id"].as_i64().expect("an id"));
    }
    seen
}

/// A person's room list is the same on every node: news of a room a
/// connection is not in arrives within a second wherever it was sent, a
/// marker moved on one node is told on the other, and leaving on one node
/// stops delivery on both.
#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn room_news_read_markers_and_leaving_cross_nodes(backend: Backend) {
    use crate::accounts::{call, register};
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let (a, b) = (shared.node("a").await, shared.node("b").await);
    let alice = register(&a, "alice").await;
    let bob = register(&b, "bob").await;
    let mut laptop = a.socket(&alice).await;
    let mut phone = b.socket(&alice).await;
    let bob_socket = b.socket(&bob).await;
    for room in ["lobby", "ops"] {
        assert_eq!(laptop.join(room).await["ok"], true);
        assert_eq!(bob_socket.join(room).await["ok"], true);
    }
    laptop.ack("leave", json!({"room": "ops"})).await;

    let sent = bob_socket.send("ops", "deploy at five").await;
    let id = sent["message"]["id"].clone();
    for socket in [&mut laptop, &mut phone] {
        let news = socket
            .next_matching("room_activity", Duration::from_secs(1), |news| {
                news["room"] == "ops" && news["last_message_id"] == id
            })
            .await;
        assert_eq!(news["unread"], 1, "{news}");
    }

    let read = phone
        .ack("mark_read", json!({"room": "ops", "id": id}))
        .await;
    assert_eq!(read["ok"], true, "{read}");
    let told = laptop.next_event("read").await;
    assert_eq!(told, json!({"room": "ops", "read_up_to": id, "unread": 0}));

    let left = call(
        &b,
        reqwest::Method::DELETE,
        "/api/rooms/lobby/membership",
        &alice,
    )
    .await;
    assert_eq!(left.0, reqwest::StatusCode::OK, "{}", left.1);
    assert_eq!(laptop.next_event("room_left").await["room"], "lobby");
    bob_socket.send("lobby", "still there?").await;
    laptop.assert_no_event("message").await;
}

/// The same over a Redis Cluster (`REDIS_CLUSTER=true`): sharded pub/sub,
/// and every script on the site's one slot.
#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn people_on_different_nodes_chat_over_a_redis_cluster(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let Some(redis) = cluster::RedisCluster::start().await else {
        return;
    };
    let settings = [
        ("REDIS_URL", redis.urls.as_str()),
        ("REDIS_CLUSTER", "true"),
        ("LOGINS_PER_MINUTE", "3"),
    ];
    let a = shared.node_with("a", &settings).await;
    let b = shared.node_with("b", &settings).await;
    let mut alice = a.socket(&a.login("alice", "lobby").await).await;
    let mut bob = b.socket(&b.login("bob", "lobby").await).await;
    alice.join("lobby").await;
    assert_eq!(bob.join("lobby").await["online"], json!(["alice", "bob"]));
    assert_eq!(alice.next_event("presence").await["joined"], "bob");

    let sent = alice.send("lobby", "over the cluster").await;
    assert_eq!(bob.next_event("message").await, sent["message"]);
    bob.ack("typing", json!({"room": "lobby", "typing": true}))
        .await;
    assert_eq!(alice.next_event("typing").await["username"], "bob");

    a.login("carol", "lobby").await;
    let refused = b.try_login("dave", "lobby").await;
    assert_eq!(refused.status(), 429, "the fourth login, on the other node");
    assert!(
        redis.keys() > 0,
        "the nodes keep their state in the cluster"
    );

    bob.disconnect().await;
    let left = departure_of(&mut alice, "bob", WAIT).await;
    assert_eq!(left["online"], json!(["alice"]));
}

/// The check other people's apps rely on: the official JavaScript client,
/// Alice on one node (WebSocket) and Bob on the other (long-polling), both
/// ways round.
#[rstest_reuse::apply(shared_backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_javascript_client_works_across_nodes(backend: Backend) {
    use crate::clients::{clients_dir, interop_available, repo_root, run_client};
    let node = std::path::Path::new("node");
    let installed = repo_root().join("node_modules/socket.io-client").exists();
    if !interop_available("node", installed) {
        return;
    }
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let (a, b) = (shared.node("a").await, shared.node("b").await);
    let script = clients_dir().join("official_js.mjs");
    run_client(&a, Some(&b), node, &script, "a-to-b").await;
    run_client(&b, Some(&a), node, &script, "b-to-a").await;
}

/// Polls `/healthz` until its status is `status`.
async fn wait_for_health(node: &cluster::Node, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT * 2;
    loop {
        let body: Value = node
            .get("/healthz", None)
            .await
            .json()
            .await
            .expect("healthz JSON");
        if body["status"] == status {
            return body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "healthz never said {status}: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn rate_limits_hold_across_nodes(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    // One connection may send 2 at once, one sign-in 3 over all of its
    // connections; 2 logins per address per minute.
    let settings = [
        ("SEND_BURST", "2"),
        ("SEND_RATE", "0.01"),
        ("LOGINS_PER_MINUTE", "2"),
    ];
    let a = shared.node_with("a", &settings).await;
    let b = shared.node_with("b", &settings).await;
    let token = a.login("bob", "lobby").await;
    a.login("carol", "lobby").await;
    let refused = b.try_login("dave", "lobby").await;
    assert_eq!(refused.status(), 429, "the third login, on the other node");

    let (on_a, on_b) = (a.socket(&token).await, b.socket(&token).await);
    on_a.join("lobby").await;
    on_b.join("lobby").await;
    for n in 0..2 {
        assert_eq!(on_a.send("lobby", &format!("a{n}")).await["ok"], true);
    }
    assert_eq!(on_b.send("lobby", "b0").await["ok"], true);
    crate::helpers::assert_refused(&on_b.send("lobby", "b1").await, "rate_limited");
}

#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn typing_in_tabs_on_two_nodes_is_relayed_once(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let (a, b) = (shared.node("a").await, shared.node("b").await);
    let mut alice = a.socket(&a.login("alice", "lobby").await).await;
    let token = a.login("bob", "lobby").await;
    let (bob_on_a, bob_on_b) = (a.socket(&token).await, b.socket(&token).await);
    for socket in [&alice, &bob_on_a, &bob_on_b] {
        socket.join("lobby").await;
    }
    let typing = json!({"room": "lobby", "typing": true});
    bob_on_a.ack("typing", typing.clone()).await;
    assert_eq!(alice.next_event("typing").await["username"], "bob");
    bob_on_b.ack("typing", typing).await;
    alice.assert_no_event("typing").await;
}

#[rstest_reuse::apply(shared_backends)]
#[tokio::test]
async fn a_session_signed_out_on_one_node_is_closed_on_the_other(backend: Backend) {
    use crate::accounts::{PASSWORD, call, refused, register, sign_in};
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let (a, b) = (shared.node("a").await, shared.node("b").await);
    let laptop = register(&a, "Alice").await;
    let phone = sign_in(&b, "Alice", PASSWORD, "Phone").await.1["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut on_b = b.socket(&phone).await;
    assert_eq!(on_b.join("lobby").await["ok"], true);

    let (_, listed) = call(&a, reqwest::Method::GET, "/api/account/sessions", &laptop).await;
    let phone_id = listed["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["user_agent"] == "Phone")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ended = call(
        &a,
        reqwest::Method::DELETE,
        &format!("/api/account/sessions/{phone_id}"),
        &laptop,
    )
    .await;
    assert_eq!(ended.0, reqwest::StatusCode::OK, "{}", ended.1);
    // Node b closes it within 2 s, and refuses it on both nodes.
    on_b.next_event_within("session_ended", Duration::from_secs(2))
        .await;
    let gone = on_b
        .try_ack(
            "send_message",
            json!({"room": "lobby", "content": "still here?"}),
            Duration::from_secs(1),
        )
        .await;
    assert_eq!(gone, None);
    for node in [&a, &b] {
        let reply = call(node, reqwest::Method::GET, "/api/account", &phone).await;
        refused(&reply, reqwest::StatusCode::UNAUTHORIZED, "session_ended");
    }
    assert_eq!(
        call(&b, reqwest::Method::GET, "/api/account", &laptop)
            .await
            .0,
        reqwest::StatusCode::OK
    );
}
