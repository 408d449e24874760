//! Many senders at once: ids still increase in the order messages become
//! visible, which is what lets a client catch up with `since` and miss
//! nothing.

use crate::{backends, open, room, text, user};
use chat_core::store::Backend;
use rstest_reuse::apply;
use std::collections::BTreeSet;

const SENDERS: usize = 8;
const EACH: usize = 25;

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_following_by_id_misses_nothing_while_many_send(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let general = room("general");
    fx.store.ensure_room(&general).await.unwrap();

    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let store = fx.store.clone();
            tokio::spawn(async move {
                let (general, sender) = (room("general"), user(&format!("sender{s}")));
                let mut acked = Vec::new();
                for i in 0..EACH {
                    let key = format!("{s}-{i}");
                    let inserted = store
                        .insert_message(text(&general, &sender, "hi", Some(&key)))
                        .await
                        .expect("insert");
                    acked.push(inserted.message.id);
                }
                acked
            })
        })
        .collect();

    // A reader that only ever asks for what is newer than what it has seen,
    // as a reconnecting client does.
    let reader = {
        let store = fx.store.clone();
        tokio::spawn(async move {
            let general = room("general");
            let mut seen = Vec::new();
            let mut last = 0;
            while seen.len() < SENDERS * EACH {
                let page = store.page_after(&general, last, 50).await.expect("read");
                for message in page.messages {
                    assert!(message.id > last, "ids went backwards");
                    last = message.id;
                    seen.push(message.id);
                }
                tokio::task::yield_now().await;
            }
            seen
        })
    };

    let mut acked = BTreeSet::new();
    for sender in senders {
        acked.extend(sender.await.unwrap());
    }
    let seen = tokio::time::timeout(std::time::Duration::from_secs(60), reader)
        .await
        .expect("the reader never saw every message")
        .unwrap();
    assert_eq!(seen.len(), SENDERS * EACH);
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), acked);

    // Numbering follows id order, with no gaps.
    let numbered = fx
        .store
        .seq_range(&general, 1, (SENDERS * EACH) as i64)
        .await
        .unwrap();
    let ids: Vec<i64> = numbered.iter().map(|m| m.id).collect();
    assert_eq!(ids, acked.into_iter().collect::<Vec<_>>());
    assert_eq!(
        fx.store.room_size(&general).await.unwrap(),
        Some((SENDERS * EACH) as i64)
    );
}

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_messages_racing_to_create_a_room_all_land(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let sends: Vec<_> = (0..SENDERS)
        .map(|s| {
            let store = fx.store.clone();
            tokio::spawn(async move {
                let (fresh, sender) = (room("fresh"), user(&format!("sender{s}")));
                store
                    .insert_message(text(&fresh, &sender, "first!", None))
                    .await
                    .expect("a racing first message failed")
            })
        })
        .collect();
    for send in sends {
        assert!(send.await.unwrap().is_new);
    }
    let fresh = room("fresh");
    assert_eq!(
        fx.store.room_size(&fresh).await.unwrap(),
        Some(SENDERS as i64)
    );
}
