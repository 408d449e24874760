//! After losing Redis, this node's people missed what was said on the
//! other nodes (and whatever the other nodes' outboxes cannot bring: a
//! node that never noticed the outage has nothing kept). So when the loss
//! is noticed, the node notes where each of its rooms stood, and once Redis
//! is back it sends its own sockets everything stored since, from the
//! database. Clients already holding some of it drop those by id.

use super::{LiveRooms, is_chat_room};
use chat_core::Chat;
use protocol::events;
use protocol::names::RoomName;
use socketioxide::adapter::Adapter;
use std::collections::{BTreeMap, BTreeSet};

/// How many messages before the newest at the moment the loss was noticed
/// are sent again too: those stored between the loss and its notice.
const LOOKBACK: i64 = 10;

/// Where each of this node's rooms stood when Redis was lost: the id after
/// which everything is sent again.
#[derive(Debug, Default)]
pub struct Marks(BTreeMap<String, i64>);

impl<A: Adapter> LiveRooms<A> {
    /// Notes where every room with people on this node stands.
    pub async fn mark_rooms(&self, chat: &Chat) -> Marks {
        let rooms: BTreeSet<String> = self
            .everyone_here()
            .into_iter()
            .map(|(room, _)| room)
            .collect();
        let mut marks = Marks::default();
        for room in rooms {
            let Ok(name) = RoomName::parse(&room) else {
                continue;
            };
            // A room that cannot be read now gets everything from its start
            // that fits in one catch-up.
            let mark = match chat.store().page_before(&name, None, LOOKBACK).await {
                Ok(page) => page.messages.first().map_or(0, |m| m.id - 1),
                Err(_) => 0,
            };
            marks.0.insert(room, mark);
        }
        marks
    }

    /// Sends this node's sockets what was stored in their rooms since
    /// `marks` (at most one catch-up's worth per room, oldest first).
    pub async fn send_stored_since(&self, chat: &Chat, marks: Marks) {
        for (room, mark) in marks.0 {
            let Ok(name) = RoomName::parse(&room) else {
                continue;
            };
            let listening = self
                .root()
                .is_some_and(|root| !root.within(room.clone()).sockets().is_empty());
            if !is_chat_room(&room) || !listening {
                continue;
            }
            let page = match chat
                .store()
                .page_after(&name, mark, chat.limits().catch_up_max)
                .await
            {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, room, "could not catch a room up after the outage");
                    continue;
                }
            };
            for message in &page.messages {
                let Some(root) = self.root() else {
                    return;
                };
                let to_room = root.local().to(room.clone());
                if let Err(e) = to_room.emit(events::MESSAGE, message).await {
                    tracing::warn!(error = %e, "catch-up delivery failed");
                }
            }
        }
    }
}
