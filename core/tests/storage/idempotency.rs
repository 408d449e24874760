//! One message per (room, sender, client_id), however the retries come.

use crate::{backends, fill, open, room, text, user};
use chat_core::store::Backend;
use rstest_reuse::apply;

#[apply(backends)]
#[tokio::test]
async fn a_retried_client_id_returns_the_stored_message_and_stores_nothing(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, alice) = (room("general"), user("Alice"));
    let first = fx
        .store
        .insert_message(text(&general, &alice, "hello", Some("c-1")))
        .await
        .unwrap();
    assert!(first.is_new);
    // A retry whose text differs (an edited resend) still finds the original.
    let retry = fx
        .store
        .insert_message(text(&general, &alice, "hello again", Some("c-1")))
        .await
        .unwrap();
    assert!(!retry.is_new);
    assert_eq!(retry.message, first.message);
    assert_eq!(fx.store.room_size(&general).await.unwrap(), Some(1));
    let found = fx
        .store
        .find_by_client_id(&general, &alice, "c-1")
        .await
        .unwrap();
    assert_eq!(found, Some(first.message));
}

#[apply(backends)]
#[tokio::test]
async fn the_same_client_id_from_another_sender_or_room_is_another_message(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, random) = (room("general"), room("random"));
    let (alice, lower_alice, bob) = (user("Alice"), user("alice"), user("Bob"));
    let mut ids = Vec::new();
    for (room, sender) in [
        (&general, &alice),
        (&general, &bob),
        (&general, &lower_alice),
        (&random, &alice),
    ] {
        let inserted = fx
            .store
            .insert_message(text(room, sender, "hi", Some("same-key")))
            .await
            .unwrap();
        assert!(inserted.is_new, "{sender} in {room}");
        ids.push(inserted.message.id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 4);
    assert_eq!(fx.store.room_size(&general).await.unwrap(), Some(3));
}

#[apply(backends)]
#[tokio::test]
async fn messages_without_a_client_id_are_never_merged(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let general = room("general");
    let ids = fill(fx.store.as_ref(), &general, 3).await;
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(fx.store.room_size(&general).await.unwrap(), Some(3));
}

#[apply(backends)]
#[tokio::test]
async fn concurrent_retries_of_one_send_store_it_once(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let general = room("general");
    fx.store.ensure_room(&general).await.unwrap();
    let retries = (0..16).map(|_| {
        let store = fx.store.clone();
        tokio::spawn(async move {
            let (general, alice) = (room("general"), user("Alice"));
            store
                .insert_message(text(&general, &alice, "once", Some("racing")))
                .await
                .expect("a retry failed instead of finding the original")
        })
    });
    let outcomes = futures::future::join_all(retries).await;
    let outcomes: Vec<_> = outcomes.into_iter().map(Result::unwrap).collect();
    assert_eq!(outcomes.iter().filter(|o| o.is_new).count(), 1);
    let id = outcomes[0].message.id;
    assert!(outcomes.iter().all(|o| o.message.id == id));
    assert_eq!(fx.store.room_size(&general).await.unwrap(), Some(1));
    let page = fx.store.page_after(&general, 0, 100).await.unwrap();
    assert_eq!(page.messages.len(), 1);
}
