//! Every field reads back exactly as it was acknowledged.

use crate::{backends, open, room, text, user};
use chat_core::store::{self, Backend, NewMessage, PoolSettings};
use protocol::message::ContentType;
use rstest_reuse::apply;

#[apply(backends)]
#[tokio::test]
async fn text_and_image_messages_read_back_as_stored(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, zoe) = (room("general"), user("Zoë_Łukasz"));
    let long: String = "é🙂a".repeat(1_333);
    let stored_text = fx
        .store
        .insert_message(text(&general, &zoe, &long, Some("ключ-1")))
        .await
        .unwrap()
        .message;
    let image = "/media/chat_images/img_1756134612_0a1b2c3d.png";
    let stored_image = fx
        .store
        .insert_message(NewMessage {
            room: &general,
            username: &zoe,
            content: None,
            image: Some(image),
            content_type: ContentType::Image,
            client_id: None,
        })
        .await
        .unwrap()
        .message;

    let page = fx.store.page_before(&general, None, 10).await.unwrap();
    assert_eq!(
        page.messages,
        vec![stored_text.clone(), stored_image.clone()]
    );
    assert_eq!(stored_text.content.as_deref(), Some(long.as_str()));
    assert_eq!(stored_text.username, "Zoë_Łukasz");
    assert_eq!(stored_text.client_id.as_deref(), Some("ключ-1"));
    assert_eq!(stored_image.content, None);
    assert_eq!(stored_image.image.as_deref(), Some(image));
    assert_eq!(stored_image.content_type, ContentType::Image);
}

#[apply(backends)]
#[tokio::test]
async fn timestamps_are_utc_milliseconds_of_the_moment_of_storing(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, alice) = (room("general"), user("Alice"));
    let before = chrono::Utc::now();
    let stored = fx
        .store
        .insert_message(text(&general, &alice, "when?", None))
        .await
        .unwrap()
        .message;
    let after = chrono::Utc::now();
    assert_eq!(stored.timestamp.timestamp_subsec_nanos() % 1_000_000, 0);
    let slack = chrono::Duration::milliseconds(1);
    assert!(stored.timestamp >= before - slack && stored.timestamp <= after);
    let read = fx.store.page_after(&general, 0, 1).await.unwrap().messages;
    assert_eq!(read[0].timestamp, stored.timestamp);
}

#[apply(backends)]
#[tokio::test]
async fn reopening_a_database_keeps_its_messages(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let (general, alice) = (room("general"), user("Alice"));
    let stored = fx
        .store
        .insert_message(text(&general, &alice, "still here", Some("k")))
        .await
        .unwrap()
        .message;
    fx.store.close().await;

    // Migrations run again on start and find nothing to do.
    let reopened = store::connect(fx.db.url(), &PoolSettings::default())
        .await
        .unwrap();
    let page = reopened.page_before(&general, None, 10).await.unwrap();
    assert_eq!(page.messages, vec![stored.clone()]);
    let retry = reopened
        .insert_message(text(&general, &alice, "still here", Some("k")))
        .await
        .unwrap();
    assert!(!retry.is_new);
    assert_eq!(retry.message, stored);
    reopened.close().await;
}

#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_keeps_every_acknowledged_message_and_refuses_later_ones(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    let general = room("general");
    let sends: Vec<_> = (0..64)
        .map(|i| {
            let store = fx.store.clone();
            tokio::spawn(async move {
                let (general, alice) = (room("general"), user("Alice"));
                let content = format!("message {i}");
                store
                    .insert_message(text(&general, &alice, &content, None))
                    .await
                    .map(|inserted| inserted.message)
            })
        })
        .collect();
    tokio::task::yield_now().await;
    fx.store.close().await;
    let mut acked = Vec::new();
    for send in sends {
        if let Ok(message) = send.await.unwrap() {
            acked.push(message);
        }
    }
    let late = fx
        .store
        .insert_message(text(&general, &user("Bob"), "too late", None))
        .await;
    assert!(late.is_err(), "an insert after close was taken: {late:?}");
    if backend == Backend::Sqlite {
        // Every connection is closed, so the write-ahead log went back
        // into the database file.
        let file = fx.db.url().trim_start_matches("sqlite://");
        let log = std::path::PathBuf::from(format!("{file}-wal"));
        assert!(!log.exists(), "{} is left after close", log.display());
    }

    let reopened = store::connect(fx.db.url(), &PoolSettings::default())
        .await
        .unwrap();
    acked.sort_by_key(|m| m.id);
    let stored = reopened.seq_range(&general, 1, 64).await.unwrap();
    assert_eq!(stored, acked, "the acknowledged messages, and only those");
    reopened.close().await;
}

#[tokio::test]
async fn an_in_memory_sqlite_database_is_refused_with_a_reason() {
    let refused = store::connect("sqlite::memory:", &PoolSettings::default()).await;
    let error = refused.err().expect("an in-memory database was opened");
    assert!(error.to_string().contains("name a file"), "{error}");
}
