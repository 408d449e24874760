//! Keyset pages over (room, id) and numbered ranges over (room, seq).

use crate::{backends, fill, open, room};
use chat_core::store::Backend;
use rstest_reuse::apply;

#[apply(backends)]
#[tokio::test]
async fn pages_walk_a_room_backwards_and_forwards_without_gaps(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, other) = (room("general"), room("other"));
    let mut ids = Vec::new();
    // Interleaved with another room, whose messages must never show up.
    for _ in 0..4 {
        ids.extend(fill(fx.store.as_ref(), &general, 30).await);
        fill(fx.store.as_ref(), &other, 7).await;
    }

    let mut backwards = Vec::new();
    let mut before = None;
    loop {
        let page = fx.store.page_before(&general, before, 50).await.unwrap();
        assert!(page.messages.len() <= 50);
        assert!(
            page.messages.windows(2).all(|w| w[0].id < w[1].id),
            "oldest first"
        );
        assert!(page.messages.iter().all(|m| m.room == "general"));
        let page_ids: Vec<i64> = page.messages.iter().map(|m| m.id).collect();
        backwards.splice(0..0, page_ids);
        match page.messages.first() {
            Some(oldest) if page.has_more => before = Some(oldest.id),
            _ => break,
        }
    }
    assert_eq!(backwards, ids);

    let mut forwards = Vec::new();
    let mut after = 0;
    loop {
        let page = fx.store.page_after(&general, after, 50).await.unwrap();
        forwards.extend(page.messages.iter().map(|m| m.id));
        match page.messages.last() {
            Some(newest) if page.has_more => after = newest.id,
            _ => break,
        }
    }
    assert_eq!(forwards, ids);
}

#[apply(backends)]
#[tokio::test]
async fn a_page_says_whether_more_remain(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let general = room("general");
    let ids = fill(fx.store.as_ref(), &general, 5).await;

    let newest = fx.store.page_before(&general, None, 5).await.unwrap();
    assert_eq!(newest.messages.len(), 5);
    assert!(!newest.has_more);
    let newest_two = fx.store.page_before(&general, None, 2).await.unwrap();
    assert!(newest_two.has_more);
    assert_eq!(newest_two.messages[1].id, ids[4]);
    // A zero-sized page only tells whether anything lies beyond.
    let probe = fx.store.page_after(&general, ids[3], 0).await.unwrap();
    assert!(probe.messages.is_empty() && probe.has_more);
    let end = fx.store.page_after(&general, ids[4], 10).await.unwrap();
    assert!(end.messages.is_empty() && !end.has_more);
}

#[apply(backends)]
#[tokio::test]
async fn numbered_ranges_and_room_sizes(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, empty, unknown) = (room("general"), room("empty"), room("nobody-made-it"));
    let ids = fill(fx.store.as_ref(), &general, 12).await;
    fx.store.ensure_room(&empty).await.unwrap();
    fx.store.ensure_room(&empty).await.unwrap();

    assert_eq!(fx.store.room_size(&general).await.unwrap(), Some(12));
    assert_eq!(fx.store.room_size(&empty).await.unwrap(), Some(0));
    assert_eq!(fx.store.room_size(&unknown).await.unwrap(), None);

    let middle = fx.store.seq_range(&general, 4, 6).await.unwrap();
    let middle_ids: Vec<i64> = middle.iter().map(|m| m.id).collect();
    assert_eq!(middle_ids, ids[3..6]);
    assert!(
        fx.store
            .seq_range(&general, 13, 20)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        fx.store
            .page_before(&unknown, None, 10)
            .await
            .unwrap()
            .messages
            .is_empty()
    );
}

#[apply(backends)]
#[tokio::test]
async fn rooms_are_listed_most_recently_active_first(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let store = &*fx.store;
    store.ensure_room(&room("empty")).await.unwrap();
    fill(store, &room("older"), 2).await;
    fill(store, &room("newer"), 3).await;
    let rooms = store.rooms(10).await.unwrap();
    let listed: Vec<(&str, i64, bool)> = rooms
        .iter()
        .map(|r| (r.name.as_str(), r.message_count, r.last_activity.is_some()))
        .collect();
    assert_eq!(
        listed,
        vec![("newer", 3, true), ("older", 2, true), ("empty", 0, false)]
    );
    let newest = store.page_before(&room("newer"), None, 1).await.unwrap();
    assert_eq!(rooms[0].last_activity, Some(newest.messages[0].timestamp));
    assert_eq!(store.rooms(1).await.unwrap().len(), 1);
}
