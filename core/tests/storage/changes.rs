//! Edits and deletions: applied once, kept in place, and found again by a
//! client that missed them.

use crate::{backends, fill, open, room, text, user};
use chat_core::store::{Backend, Change, NewMessage};
use chrono::{DateTime, Utc};
use protocol::message::ContentType;
use rstest_reuse::apply;

fn at(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap()
}

fn edit(content: &str, millis: i64) -> Change<'_> {
    Change::Edit {
        content,
        at: at(millis),
    }
}

#[apply(backends)]
#[tokio::test]
async fn an_edit_keeps_the_message_in_place_and_marks_when(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let general = room("general");
    let ids = fill(&*fx.store, &general, 3).await;
    let before = fx.store.message(&general, ids[1]).await.unwrap().unwrap();
    assert_eq!(before.edited_at, None);

    let edited = fx
        .store
        .change_message(&general, ids[1], edit("fixed the typo", 1_756_134_700_123))
        .await
        .unwrap()
        .expect("the message exists");
    assert_eq!(edited.content.as_deref(), Some("fixed the typo"));
    assert_eq!(edited.edited_at, Some(at(1_756_134_700_123)));
    assert_eq!(
        (
            edited.id,
            &edited.username,
            edited.timestamp,
            edited.deleted
        ),
        (before.id, &before.username, before.timestamp, false)
    );
    let page = fx.store.page_before(&general, None, 10).await.unwrap();
    let page_ids: Vec<i64> = page.messages.iter().map(|m| m.id).collect();
    assert_eq!(page_ids, ids);
    assert_eq!(page.messages[1], edited);
    assert_eq!(fx.store.room_size(&general).await.unwrap(), Some(3));
}

#[apply(backends)]
#[tokio::test]
async fn a_deletion_leaves_a_tombstone_and_happens_once(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, alice) = (room("general"), user("Alice"));
    let image = fx
        .store
        .insert_message(NewMessage {
            room: &general,
            username: &alice,
            content: Some("a caption"),
            image: Some("/media/chat_images/img_1756134612_0a1b2c3d.png"),
            content_type: ContentType::Image,
            client_id: Some("img-1"),
        })
        .await
        .unwrap()
        .message;
    let after = fill(&*fx.store, &general, 1).await;

    let tombstone = fx
        .store
        .change_message(&general, image.id, Change::Delete)
        .await
        .unwrap()
        .expect("the message exists");
    assert!(tombstone.deleted);
    assert_eq!((tombstone.content, tombstone.image), (None, None));
    assert_eq!(
        (
            tombstone.id,
            tombstone.content_type,
            tombstone.client_id.as_deref()
        ),
        (image.id, ContentType::Image, Some("img-1"))
    );
    let page = fx.store.page_before(&general, None, 10).await.unwrap();
    assert_eq!(page.messages.len(), 2);
    assert!(page.messages[0].deleted);
    assert_eq!(page.messages[1].id, after[0]);

    // Gone is gone: neither deleted again nor edited back.
    for change in [Change::Delete, edit("back?", 1)] {
        let again = fx.store.change_message(&general, image.id, change).await;
        assert_eq!(again.unwrap(), None, "{change:?}");
    }
    // The same send retried still finds it, as the tombstone.
    let retried = fx
        .store
        .insert_message(NewMessage {
            room: &general,
            username: &alice,
            content: Some("a caption"),
            image: Some("/media/chat_images/img_1756134612_0a1b2c3d.png"),
            content_type: ContentType::Image,
            client_id: Some("img-1"),
        })
        .await
        .unwrap();
    assert!(!retried.is_new);
    assert!(retried.message.deleted);
}

#[apply(backends)]
#[tokio::test]
async fn unknown_messages_and_rooms_are_not_changed(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, other) = (room("general"), room("other"));
    let ids = fill(&*fx.store, &general, 2).await;
    fill(&*fx.store, &other, 1).await;
    let nowhere = room("nowhere");
    assert_eq!(
        fx.store.message(&general, ids[1] + 100).await.unwrap(),
        None
    );
    for (room, id) in [
        (&general, ids[1] + 100),
        (&other, ids[0]),
        (&nowhere, ids[0]),
    ] {
        let changed = fx.store.change_message(room, id, Change::Delete).await;
        assert_eq!(changed.unwrap(), None, "{room} {id}");
    }
    // Nothing was touched.
    let page = fx.store.page_before(&general, None, 10).await.unwrap();
    assert!(page.messages.iter().all(|m| !m.deleted));
    let changes = fx.store.changes_since(&general, ids[1], 10).await.unwrap();
    assert!(changes.messages.is_empty());
}

#[apply(backends)]
#[tokio::test]
async fn a_returning_client_learns_the_changes_made_after_its_last_message(
    #[case] backend: Backend,
) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, bob) = (room("general"), user("Bob"));
    let ids = fill(&*fx.store, &general, 5).await;
    let change = |id, c| {
        let store = fx.store.clone();
        let general = general.clone();
        async move {
            store
                .change_message(&general, id, c)
                .await
                .unwrap()
                .unwrap()
        }
    };
    // Changed before the client's last message was stored: it has this.
    change(ids[0], edit("early edit", 1)).await;
    // The client has everything up to here...
    let last_seen = fx
        .store
        .insert_message(text(&general, &bob, "the last I saw", None))
        .await
        .unwrap()
        .message
        .id;
    // ...and goes offline. Meanwhile: an edit, a deletion, a message, and
    // a second edit of an already edited message.
    change(ids[2], edit("edited while away", 2)).await;
    change(ids[1], Change::Delete).await;
    let newer = fill(&*fx.store, &general, 1).await[0];
    change(ids[2], edit("edited twice", 3)).await;
    change(newer, edit("a new one, edited", 4)).await;

    let missed = fx
        .store
        .changes_since(&general, last_seen, 10)
        .await
        .unwrap();
    let got: Vec<(i64, Option<&str>, bool)> = missed
        .messages
        .iter()
        .map(|m| (m.id, m.content.as_deref(), m.deleted))
        .collect();
    // Oldest change first, each message once as it is now; the newer
    // message comes with the new messages instead.
    assert_eq!(
        got,
        vec![(ids[1], None, true), (ids[2], Some("edited twice"), false)]
    );
    assert!(!missed.has_more);

    // More changes than asked for: says so.
    let capped = fx
        .store
        .changes_since(&general, last_seen, 1)
        .await
        .unwrap();
    assert_eq!(capped.messages.len(), 1);
    assert!(capped.has_more);

    // A client that saw only the first message learns of its edit (made
    // after it was stored); the later messages come to it whole.
    let from_start = fx.store.changes_since(&general, ids[0], 10).await.unwrap();
    let ids_changed: Vec<i64> = from_start.messages.iter().map(|m| m.id).collect();
    assert_eq!(ids_changed, vec![ids[0]]);
}
