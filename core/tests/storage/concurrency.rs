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

/// Messages sent at the same time share a transaction; one the database
/// refuses (here a trigger stands in for any per-row failure) fails alone,
/// and the others are stored and numbered without a gap.
#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_message_fails_alone_and_the_others_sent_with_it_land(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    refuse_poison(&fx).await;
    const SENDS: usize = 48;
    let sends: Vec<_> = (0..SENDS)
        .map(|s| {
            let store = fx.store.clone();
            tokio::spawn(async move {
                let (general, sender) = (room("general"), user(&format!("sender{s}")));
                let content = if s == SENDS / 2 { "poison" } else { "fine" };
                let key = format!("key-{s}");
                store
                    .insert_message(text(&general, &sender, content, Some(&key)))
                    .await
                    .map(|inserted| inserted.message)
            })
        })
        .collect();
    let mut stored = Vec::new();
    for (s, send) in sends.into_iter().enumerate() {
        match send.await.unwrap() {
            Ok(message) => stored.push(message),
            Err(e) => assert_eq!(s, SENDS / 2, "a fine message failed: {e}"),
        }
    }
    assert_eq!(stored.len(), SENDS - 1, "the poisoned message was stored");

    let general = room("general");
    assert_eq!(
        fx.store.room_size(&general).await.unwrap(),
        Some(SENDS as i64 - 1)
    );
    let numbered = fx.store.seq_range(&general, 1, SENDS as i64).await.unwrap();
    stored.sort_by_key(|m| m.id);
    assert_eq!(numbered, stored);
}

/// A trigger that makes the database refuse any message reading "poison".
async fn refuse_poison(fx: &crate::Fixture) {
    use sqlx::Connection;
    let statements: &[&'static str] = match fx.db.backend() {
        Backend::Sqlite => &["CREATE TRIGGER poison BEFORE INSERT ON messages
             WHEN NEW.content = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END"],
        Backend::Postgres => &[
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 IF NEW.content = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF;
                 RETURN NEW;
             END $$",
            "CREATE TRIGGER poison BEFORE INSERT ON messages
             FOR EACH ROW EXECUTE FUNCTION poison()",
        ],
        Backend::MySql => &[
            "CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW
             BEGIN
                 IF NEW.content = 'poison' THEN
                     SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned';
                 END IF;
             END",
        ],
    };
    let url = fx.db.url();
    for &statement in statements {
        let run = sqlx::raw_sql(statement);
        let outcome = match fx.db.backend() {
            Backend::Sqlite => {
                let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
                run.execute(&mut db).await.map(drop)
            }
            Backend::Postgres => {
                let mut db = sqlx::PgConnection::connect(url).await.unwrap();
                run.execute(&mut db).await.map(drop)
            }
            Backend::MySql => {
                let mut db = sqlx::MySqlConnection::connect(url).await.unwrap();
                run.execute(&mut db).await.map(drop)
            }
        };
        outcome.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
}

/// Senders in many rooms at once (so one commit holds several rooms): each
/// ack carries the id its message got in its own room, and every room is
/// numbered 1, 2, 3, … in id order.
#[apply(backends)]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn senders_in_many_rooms_at_once_each_get_their_own_rooms_ids(#[case] backend: Backend) {
    let Some(fx) = open(backend).await else {
        return;
    };
    const ROOMS: usize = 6;
    let sends: Vec<_> = (0..ROOMS * 4)
        .map(|s| {
            let store = fx.store.clone();
            tokio::spawn(async move {
                let (name, sender) = (format!("room{}", s % ROOMS), user(&format!("sender{s}")));
                let mut acked = Vec::new();
                for i in 0..EACH {
                    let content = format!("{name} {s} {i}");
                    let message = store
                        .insert_message(text(&room(&name), &sender, &content, None))
                        .await
                        .expect("insert")
                        .message;
                    assert_eq!(message.room, name);
                    acked.push(message);
                }
                acked
            })
        })
        .collect();
    let mut acked = Vec::new();
    for send in sends {
        acked.extend(send.await.unwrap());
    }
    for r in 0..ROOMS {
        let name = room(&format!("room{r}"));
        let mut mine: Vec<_> = acked
            .iter()
            .filter(|m| m.room == name.as_str())
            .cloned()
            .collect();
        mine.sort_by_key(|m| m.id);
        let numbered = fx
            .store
            .seq_range(&name, 1, mine.len() as i64)
            .await
            .unwrap();
        assert_eq!(numbered, mine, "{name}");
        assert_eq!(
            fx.store.room_size(&name).await.unwrap(),
            Some(mine.len() as i64)
        );
    }
}
