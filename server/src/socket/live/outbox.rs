//! Messages that reached only this node while Redis was away, kept (the
//! newest [`OUTBOX_LIMIT`]) to be sent on to the other nodes once it is back.

use super::LiveRooms;
use protocol::events;
use protocol::message::ChatMessage;
use socketioxide::adapter::Adapter;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;

/// Most messages kept for the other nodes; past it the oldest are dropped
/// (their readers get them on their next catch-up).
const OUTBOX_LIMIT: usize = 2_000;

impl<A: Adapter> LiveRooms<A> {
    /// Sends on the messages that reached only this node while Redis was
    /// away, to the other nodes' sockets (this node's have them).
    pub async fn send_on_missed(&self) {
        let Some(node_room) = self.node_room() else {
            return;
        };
        let mut sent = 0;
        // One at a time, oldest first; one that fails goes back in front.
        loop {
            // Not `while let`: the lock must not be held across the send.
            let next = self.lock_outbox().pop_front();
            let Some(message) = next else {
                break;
            };
            let Some(root) = self.root() else {
                self.lock_outbox().push_front(message);
                break;
            };
            let to_others = root.to(message.room.clone()).except(node_room.clone());
            if let Err(e) = to_others.emit(events::MESSAGE, &message).await {
                tracing::warn!(error = %e, "Redis went away again; keeping the rest");
                self.lock_outbox().push_front(message);
                break;
            }
            sent += 1;
        }
        tracing::info!(messages = sent, "sent on what the other nodes missed");
        self.count_outbox();
    }

    /// Whether messages wait for the other nodes.
    pub fn has_missed(&self) -> bool {
        !self.lock_outbox().is_empty()
    }

    pub(super) fn keep_for_the_other_nodes(&self, message: &ChatMessage) {
        let mut outbox = self.lock_outbox();
        if outbox.len() == OUTBOX_LIMIT {
            outbox.pop_front();
        }
        outbox.push_back(message.clone());
        drop(outbox);
        self.count_outbox();
    }

    fn count_outbox(&self) {
        let waiting = self.lock_outbox().len() as u64;
        self.metrics.outbox.store(waiting, Ordering::Relaxed);
    }

    fn lock_outbox(&self) -> std::sync::MutexGuard<'_, VecDeque<ChatMessage>> {
        self.outbox.lock().unwrap_or_else(|e| e.into_inner())
    }
}
