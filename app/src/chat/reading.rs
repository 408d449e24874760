//! Marking the room read: once the newest message of others is on screen
//! and the tab is visible, the marker moves to it (after a short pause, so
//! a message that only flashes past is not read). The server tells my
//! other devices, whose counts clear too.

use super::connection::request_ack;
use super::live::Live;
use crate::sio::Status;
use leptos::prelude::*;
use protocol::rooms::{MARK_READ, MarkReadReply, MarkReadRequest};

/// How long the newest message must stay on screen to count as read.
const SEEN_FOR_MS: u32 = 400;

impl Live {
    pub(super) fn mark_read_when_seen(self) {
        let marking = StoredValue::new(false);
        Effect::new(move |_| {
            let me = self.me.get_value();
            let newest_of_others = self.feed.with(|f| {
                f.entries()
                    .iter()
                    .rev()
                    .filter(|e| e.notice.is_none() && e.username != me)
                    .find_map(|e| e.id)
            });
            let seen = self.alerts.visible.get()
                && self.at_newest.get()
                && self.status.get() == Status::Connected;
            let unread = newest_of_others.is_some_and(|id| id > self.read_up_to.get());
            if seen && unread && !marking.get_value() {
                marking.set_value(true);
                leptos::task::spawn_local(async move {
                    gloo_timers::future::TimeoutFuture::new(SEEN_FOR_MS).await;
                    self.mark_read_now();
                    marking.set_value(false);
                });
            }
        });
    }

    /// Moves the marker to the newest message shown, if it is still in
    /// view.
    fn mark_read_now(self) {
        let still_seen = self.alerts.visible.get_untracked() && self.at_newest.get_untracked();
        let (Some(id), Some(client), true) = (
            self.feed.with_untracked(|f| f.last_id()),
            self.client.get_value(),
            still_seen,
        ) else {
            return;
        };
        if id <= self.read_up_to.get_untracked() {
            return;
        }
        let request = MarkReadRequest {
            room: self.room.get_untracked(),
            id,
        };
        leptos::task::spawn_local(async move {
            // A lost request is asked again by the next change it waits on.
            if let Ok(reply) = request_ack::<MarkReadReply>(&client, MARK_READ, &request).await
                && self.shows(&request.room)
            {
                self.read_up_to.update(|r| *r = (*r).max(reply.read_up_to));
            }
        });
    }
}
