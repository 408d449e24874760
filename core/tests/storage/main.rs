//! The storage conformance suite: the same stories against every backend.
//!
//! SQLite always runs; PostgreSQL and MySQL run when `TEST_POSTGRES_URL` /
//! `TEST_MYSQL_URL` name a server (each test gets a fresh database there)
//! and are skipped, saying so, otherwise.

use chat_core::store::{self, Backend, NewMessage, PoolSettings, Store};
use chat_core::testing::ScratchDb;
use protocol::message::ContentType;
use protocol::names::{RoomName, Username};
use rstest_reuse::{self, template};
use std::sync::Arc;

/// Every test runs once per backend.
#[template]
#[rstest::rstest]
#[case::sqlite(Backend::Sqlite)]
#[case::postgres(Backend::Postgres)]
#[case::mysql(Backend::MySql)]
fn backends(#[case] backend: Backend) {}

mod accounts;
mod changes;
mod concurrency;
mod fields;
mod history;
mod idempotency;
mod push;
mod rooms;
mod sanctions;
mod sessions;
mod upgrade;

/// A migrated store on a fresh database, and the database (dropped with it).
pub struct Fixture {
    pub store: Arc<dyn Store>,
    pub db: ScratchDb,
}

/// Opens a fresh store on `backend`, or `None` when it is not configured.
pub async fn open(backend: Backend) -> Option<Fixture> {
    let db = ScratchDb::create(backend).await?;
    let store = store::connect(db.url(), &PoolSettings::default())
        .await
        .unwrap_or_else(|e| panic!("connecting to {backend:?}: {e}"));
    assert_eq!(store.backend(), backend);
    Some(Fixture { store, db })
}

pub fn room(name: &str) -> RoomName {
    RoomName::parse(name).unwrap()
}

pub fn user(name: &str) -> Username {
    Username::parse(name).unwrap()
}

/// A text message from `username` in `room`.
pub fn text<'a>(
    room: &'a RoomName,
    username: &'a Username,
    content: &'a str,
    client_id: Option<&'a str>,
) -> NewMessage<'a> {
    NewMessage {
        room,
        username,
        content: Some(content),
        image: None,
        content_type: ContentType::Text,
        client_id,
    }
}

/// Stores `count` numbered text messages from Alice and returns their ids.
pub async fn fill(store: &dyn Store, room: &RoomName, count: usize) -> Vec<i64> {
    let alice = user("Alice");
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let content = format!("message {i}");
        let inserted = store
            .insert_message(text(room, &alice, &content, None))
            .await
            .expect("insert");
        ids.push(inserted.message.id);
    }
    ids
}
