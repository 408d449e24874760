//! Mutes and bans as stored: in force until they end, one per kind, name
//! (and room), lifted one at a time.

use crate::{backends, open};
use chat_core::reserved::name_key;
use chat_core::store::{Backend, Sanction, SanctionKind};
use chrono::{DateTime, Duration, Utc};
use rstest_reuse::apply;

/// A sanction on `name` ending `minutes` after `now` (to the millisecond,
/// as stored).
fn sanction(
    now: DateTime<Utc>,
    kind: SanctionKind,
    room: &str,
    name: &str,
    minutes: i64,
) -> Sanction {
    Sanction {
        kind,
        room: room.to_owned(),
        username: name.to_owned(),
        name_key: name_key(name),
        until: DateTime::from_timestamp_millis(
            (now + Duration::minutes(minutes)).timestamp_millis(),
        )
        .unwrap(),
        issued_by: "Boss".to_owned(),
    }
}

#[apply(backends)]
#[tokio::test]
async fn sanctions_are_in_force_until_they_end_and_one_per_name_and_room(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let now = Utc::now();
    let sanction =
        |kind, room: &str, name: &str, minutes: i64| sanction(now, kind, room, name, minutes);
    store
        .impose(&sanction(SanctionKind::Mute, "general", "Bob", 10))
        .await
        .unwrap();
    store
        .impose(&sanction(SanctionKind::Mute, "random", "Bob", -1))
        .await
        .unwrap();
    store
        .impose(&sanction(SanctionKind::Ban, "", "Eve", 60))
        .await
        .unwrap();
    // Imposed again: the new end replaces the old.
    store
        .impose(&sanction(SanctionKind::Ban, "", "Eve", 30))
        .await
        .unwrap();

    let in_force = store.sanctions_in_force(now).await.unwrap();
    assert_eq!(
        in_force,
        vec![
            sanction(SanctionKind::Mute, "general", "Bob", 10),
            sanction(SanctionKind::Ban, "", "Eve", 30),
        ]
    );
    // Once its time is past, it is no longer in force.
    let later = now + Duration::minutes(20);
    let in_force = store.sanctions_in_force(later).await.unwrap();
    assert_eq!(in_force.len(), 1);
    store
        .lift(SanctionKind::Ban, "", &name_key("Eve"))
        .await
        .unwrap();
    assert!(store.sanctions_in_force(later).await.unwrap().is_empty());
}

#[apply(backends)]
#[tokio::test]
async fn lifting_ends_only_that_sanction_and_look_alike_names_share_one(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    let now = Utc::now();
    let sanction =
        |kind, room: &str, name: &str, minutes: i64| sanction(now, kind, room, name, minutes);
    for s in [
        sanction(SanctionKind::Mute, "general", "Bob", 10),
        sanction(SanctionKind::Mute, "random", "Bob", 20),
        sanction(SanctionKind::Ban, "", "Bob", 30),
    ] {
        store.impose(&s).await.unwrap();
    }
    // A look-alike spelling folds to the same key: it replaces, not adds.
    store
        .impose(&sanction(SanctionKind::Mute, "general", "BOB", 15))
        .await
        .unwrap();

    store
        .lift(SanctionKind::Mute, "general", &name_key("bob"))
        .await
        .unwrap();
    let left: Vec<(SanctionKind, String)> = store
        .sanctions_in_force(now)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.kind, s.room))
        .collect();
    assert_eq!(
        left,
        vec![
            (SanctionKind::Mute, "random".to_owned()),
            (SanctionKind::Ban, String::new()),
        ]
    );
    // Lifting what is not in force changes nothing.
    store
        .lift(SanctionKind::Mute, "general", &name_key("Bob"))
        .await
        .unwrap();
    assert_eq!(store.sanctions_in_force(now).await.unwrap().len(), 2);
}
