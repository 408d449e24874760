//! Sessions: one row per sign-in, read back only while it stands: a
//! guest's until its name is claimed, an account's while the account is
//! active; ended one at a time, all under a name, or when unused.

use crate::accounts::create;
use crate::{backends, open, user};
use chat_core::reserved::name_key;
use chat_core::store::{Backend, NewAccount, NewSession, Store};
use rstest_reuse::apply;

/// Stores session `id` for `name`.
pub async fn open_session(store: &dyn Store, id: &str, name: &str, guest: bool) {
    let username = user(name);
    store
        .create_session(NewSession {
            id,
            username: &username,
            name_key: &name_key(name),
            guest,
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
        })
        .await
        .unwrap();
}

async fn stands(store: &dyn Store, id: &str) -> bool {
    store.session(id).await.unwrap().is_some()
}

#[apply(backends)]
#[tokio::test]
async fn a_session_reads_back_as_stored_and_is_touched(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    open_session(store, "g1", "Alice", true).await;
    let session = store.session("g1").await.unwrap().unwrap();
    assert_eq!(session.username, "Alice");
    assert!(session.guest && !session.staff);
    assert_eq!(
        session.user_agent,
        "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"
    );
    assert_eq!(session.created_at, session.last_seen);
    let later = session.last_seen + chrono::Duration::minutes(5);
    store.touch_session("g1", later).await.unwrap();
    assert_eq!(store.session("g1").await.unwrap().unwrap().last_seen, later);
    assert!(store.session("nope").await.unwrap().is_none());

    // A long User-Agent is kept shortened.
    let username = user("Bob");
    let long = "x".repeat(5000);
    store
        .create_session(NewSession {
            id: "b1",
            username: &username,
            name_key: &name_key("Bob"),
            guest: true,
            user_agent: &long,
        })
        .await
        .unwrap();
    let kept = store.session("b1").await.unwrap().unwrap().user_agent;
    assert_eq!(kept.len(), chat_core::store::sessions::USER_AGENT_MAX_CHARS);
}

#[apply(backends)]
#[tokio::test]
async fn claiming_a_name_ends_its_guest_sessions_but_the_claimers(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    open_session(store, "mine", "Alice", true).await;
    open_session(store, "theirs", "Alice", true).await;
    // A look-alike guest is under the same name.
    open_session(store, "look-alike", "Аlice", true).await;
    open_session(store, "bob", "Bob", true).await;
    let username = user("Alice");
    let created = store
        .create_account(
            NewAccount {
                username: &username,
                name_key: &name_key("Alice"),
                password_hash: "hash",
                staff: false,
            },
            Some("mine"),
        )
        .await
        .unwrap();
    assert!(created);
    // Even before their rows go, the other guests' sessions no longer stand.
    assert!(!stands(store, "theirs").await);
    assert!(!stands(store, "look-alike").await);
    let mine = store.session("mine").await.unwrap().unwrap();
    assert!(!mine.guest);
    assert!(stands(store, "bob").await);

    let mut ended = store
        .end_sessions_of(&name_key("Alice"), Some("mine"))
        .await
        .unwrap();
    ended.sort();
    assert_eq!(ended, ["look-alike", "theirs"]);
    assert!(stands(store, "mine").await);
    let listed: Vec<_> = store
        .account_sessions(&name_key("Alice"))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(listed, ["mine"]);
}

#[apply(backends)]
#[tokio::test]
async fn an_account_session_stands_while_the_account_is_active(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    create(store, "Boss", true).await;
    open_session(store, "s1", "Boss", false).await;
    assert!(store.session("s1").await.unwrap().unwrap().staff);
    store.set_staff("Boss", false).await.unwrap();
    assert!(!store.session("s1").await.unwrap().unwrap().staff);
    store.retire_account("Boss").await.unwrap();
    assert!(!stands(store, "s1").await);
    store.set_password("Boss", "hash").await.unwrap();
    assert!(stands(store, "s1").await);
    store.delete_account("Boss").await.unwrap();
    assert!(!stands(store, "s1").await);
    // An account session with no account at all never stood.
    open_session(store, "s2", "Ghost", false).await;
    assert!(!stands(store, "s2").await);
}

#[apply(backends)]
#[tokio::test]
async fn one_ends_only_ones_own_sessions(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    create(store, "Alice", false).await;
    open_session(store, "a1", "Alice", false).await;
    open_session(store, "a2", "Alice", false).await;
    open_session(store, "b1", "Bob", true).await;
    assert!(!store.end_session("b1", &name_key("Alice")).await.unwrap());
    assert!(stands(store, "b1").await);
    assert!(store.end_session("a2", &name_key("Alice")).await.unwrap());
    assert!(!store.end_session("a2", &name_key("Alice")).await.unwrap());
    assert!(!stands(store, "a2").await);
    assert!(stands(store, "a1").await);
    assert_eq!(
        store
            .end_sessions_of(&name_key("Alice"), None)
            .await
            .unwrap(),
        ["a1"]
    );
    assert!(!stands(store, "a1").await && stands(store, "b1").await);
}

#[apply(backends)]
#[tokio::test]
async fn which_sessions_stand_is_answered_for_many_at_once(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    // More than one query's batch.
    let ids: Vec<String> = (0..620).map(|i| format!("s{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        open_session(store, id, &format!("guest{}", i % 3), true).await;
    }
    create(store, "guest1", false).await;
    let mut asked = ids.clone();
    asked.push("never-existed".into());
    let mut standing = store.standing_sessions(&asked).await.unwrap();
    standing.sort();
    let mut expected: Vec<String> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 1)
        .map(|(_, id)| id.clone())
        .collect();
    expected.sort();
    assert_eq!(standing, expected);
    assert!(store.standing_sessions(&[]).await.unwrap().is_empty());
}

#[apply(backends)]
#[tokio::test]
async fn sessions_unused_since_a_time_are_purged(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    open_session(store, "old", "Alice", true).await;
    open_session(store, "new", "Bob", true).await;
    let now = chrono::Utc::now();
    store
        .touch_session("old", now - chrono::Duration::days(40))
        .await
        .unwrap();
    let purged = store
        .purge_sessions(now - chrono::Duration::days(30))
        .await
        .unwrap();
    assert_eq!(purged, 1);
    assert!(!stands(store, "old").await && stands(store, "new").await);
}
