//! Accounts: created once per name and its look-alikes, their passwords
//! set, the staff role given, retired or deleted; and staff made from the
//! command line.

use crate::{backends, open, user};
use chat_core::passwords::Passwords;
use chat_core::reserved::name_key;
use chat_core::staff::{self, Saved, StaffError};
use chat_core::store::{Backend, NewAccount, Store};
use rstest_reuse::apply;

/// A hashing pool of its own per call: the stories here hash one at a time.
fn passwords() -> Passwords {
    Passwords::new(1)
}

/// Creates the account `name` (hash "hash-of-<name>").
pub async fn create(store: &dyn Store, name: &str, staff: bool) -> bool {
    let username = user(name);
    let hash = format!("hash-of-{name}");
    store
        .create_account(
            NewAccount {
                username: &username,
                name_key: &name_key(name),
                password_hash: &hash,
                staff,
            },
            None,
        )
        .await
        .unwrap()
}

#[apply(backends)]
#[tokio::test]
async fn a_name_and_its_look_alikes_make_one_account(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    assert!(create(store, "Alice", false).await);
    for look_alike in ["alice", "ALICE", "Аlice", "A1ice"] {
        assert!(!create(store, look_alike, false).await, "{look_alike}");
        let found = store.account(&name_key(look_alike)).await.unwrap().unwrap();
        assert_eq!(found.username, "Alice", "{look_alike}");
    }
    let alice = store.account(&name_key("Alice")).await.unwrap().unwrap();
    assert_eq!(alice.password_hash, "hash-of-Alice");
    assert!(!alice.staff && alice.active());
    assert!(store.account(&name_key("Bob")).await.unwrap().is_none());
}

#[apply(backends)]
#[tokio::test]
async fn passwords_roles_retirement_and_deletion_are_kept(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    create(store, "Alice", false).await;
    let key = name_key("Alice");
    let before = store.account(&key).await.unwrap().unwrap();

    assert!(store.set_password("Alice", "new-hash").await.unwrap());
    assert!(store.set_staff("Alice", true).await.unwrap());
    let changed = store.account(&key).await.unwrap().unwrap();
    assert_eq!(changed.password_hash, "new-hash");
    assert!(changed.staff);
    assert!(changed.password_set_at >= before.password_set_at);
    assert_eq!(changed.created_at, before.created_at);

    // Retired: kept (the name stays taken), not active, not staff.
    assert!(store.retire_account("Alice").await.unwrap());
    let retired = store.account(&key).await.unwrap().unwrap();
    assert!(!retired.active() && !retired.staff);
    assert!(!create(store, "alice", false).await);
    // A new password brings it back.
    assert!(store.set_password("Alice", "newer-hash").await.unwrap());
    assert!(store.account(&key).await.unwrap().unwrap().active());

    // Deleted: the name is free again.
    assert!(store.delete_account("Alice").await.unwrap());
    assert!(store.account(&key).await.unwrap().is_none());
    assert!(create(store, "alice", false).await);

    for missing in [
        store.set_password("Nobody", "x").await.unwrap(),
        store.set_staff("Nobody", true).await.unwrap(),
        store.retire_account("Nobody").await.unwrap(),
        store.delete_account("Nobody").await.unwrap(),
    ] {
        assert!(!missing);
    }
}

#[apply(backends)]
#[tokio::test]
async fn accounts_are_listed_by_name_with_when_last_seen(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    create(store, "Zoe", false).await;
    create(store, "Boss", true).await;
    crate::sessions::open_session(store, "z1", "Zoe", false).await;
    let listed = store.accounts(10).await.unwrap();
    let names: Vec<_> = listed.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(names, ["Boss", "Zoe"]);
    assert!(listed[0].staff && listed[0].last_seen.is_none());
    assert!(!listed[1].staff && listed[1].last_seen.is_some());
    assert_eq!(store.accounts(1).await.unwrap().len(), 1);
}

#[apply(backends)]
#[tokio::test]
async fn create_superuser_creates_or_promotes_and_signs_the_account_out(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let (saved, _) = staff::save(store, &passwords(), &user("Mod_Anna"), "correct horse")
        .await
        .unwrap();
    assert_eq!(saved, Saved::Created);
    let (saved, _) = staff::save(store, &passwords(), &user("Mod_Anna"), "correct horse")
        .await
        .unwrap();
    assert_eq!(saved, Saved::PasswordChanged);
    let stored = store.account(&name_key("Mod_Anna")).await.unwrap().unwrap();
    assert!(stored.staff);
    // The stored hash is Argon2id, never the password.
    assert!(
        stored.password_hash.starts_with("$argon2id$"),
        "{}",
        stored.password_hash
    );
    assert!(!stored.password_hash.contains("correct horse"));
    for name in ["Mod_Anna", "mod_anna", "M0d_Anna"] {
        assert!(staff::is_staff_name(store, name).await.unwrap(), "{name}");
    }

    // An ordinary account is promoted, and its sessions end.
    create(store, "Bob", false).await;
    crate::sessions::open_session(store, "b1", "Bob", false).await;
    assert!(!staff::is_staff_name(store, "Bob").await.unwrap());
    let (saved, ended) = staff::save(store, &passwords(), &user("Bob"), "battery staple")
        .await
        .unwrap();
    assert_eq!((saved, ended), (Saved::Promoted, vec!["b1".to_owned()]));
    assert!(staff::is_staff_name(store, "Bob").await.unwrap());
    assert!(store.session("b1").await.unwrap().is_none());

    // A look-alike of an existing account is not a second one.
    let look_alike = staff::save(store, &passwords(), &user("B0b"), "battery staple").await;
    assert!(matches!(look_alike, Err(StaffError::LookAlike(ref name)) if name == "Bob"));
}

#[apply(backends)]
#[tokio::test]
async fn reset_password_changes_it_and_ends_every_session(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    create(store, "Alice", false).await;
    crate::sessions::open_session(store, "a1", "Alice", false).await;
    crate::sessions::open_session(store, "a2", "Alice", false).await;
    let mut ended = staff::reset_password(store, &passwords(), &user("Alice"), "a long password")
        .await
        .unwrap();
    ended.sort();
    assert_eq!(ended, ["a1", "a2"]);
    let stored = store.account(&name_key("Alice")).await.unwrap().unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    let missing =
        staff::reset_password(store, &passwords(), &user("Nobody"), "a long password").await;
    assert!(matches!(missing, Err(StaffError::NoAccount(_))));
}

#[apply(backends)]
#[tokio::test]
async fn weak_or_huge_passwords_are_refused(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    for weak in [
        "1234567".to_owned(),
        "password1".to_owned(),
        "x".repeat(2000),
    ] {
        let refused = staff::save(store, &passwords(), &user("Anna"), &weak).await;
        assert!(
            matches!(refused, Err(StaffError::WeakPassword(_))),
            "{weak}"
        );
    }
    assert!(store.account(&name_key("Anna")).await.unwrap().is_none());
}
