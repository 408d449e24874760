//! The reader's text messages on their way: sent one at a time, in order,
//! each under its own `client_id`, so a resend after a lost connection can
//! never store a message twice or reorder it.

use super::connection::{Failure, request_ack};
use super::live::Live;
use crate::events::{self, ErrorCode, SendMessageReply, SendMessageRequest};
use leptos::prelude::*;

impl Live {
    /// Sends every waiting message, oldest first, while the room is joined.
    /// Stops at a lost connection: the next join starts it again.
    pub(super) fn flush_outbox(self) {
        if self.sending.get_value() {
            return; // the running flush picks up new messages too
        }
        self.sending.set_value(true);
        leptos::task::spawn_local(async move {
            while let Some((client_id, text)) = self.next_to_send() {
                let Some(client) = self.client.get_value() else {
                    break;
                };
                // The room it was written in, even if the reader moves on
                // before the answer.
                let room = self.room.get_untracked();
                let request = SendMessageRequest {
                    room: room.clone(),
                    content: text,
                    client_id: Some(client_id.clone()),
                };
                match request_ack::<SendMessageReply>(&client, events::SEND_MESSAGE, &request).await
                {
                    Ok(reply) => self.in_room(&room, |f| {
                        f.insert(reply.message);
                    }),
                    Err(Failure::Refused(e)) if e.code == ErrorCode::RateLimited => {
                        let wait = e.retry_after_ms.unwrap_or(1_000).min(60_000) as u32;
                        gloo_timers::future::TimeoutFuture::new(wait).await;
                    }
                    // Not joined (any more, or not yet after a switch): the
                    // next join resends it.
                    Err(Failure::Refused(e)) if e.code == ErrorCode::NotJoined => break,
                    Err(Failure::Refused(e)) => {
                        self.in_room(&room, |f| f.mark_failed(&client_id, &e.message))
                    }
                    Err(Failure::Link(_)) => break,
                    Err(Failure::Garbled(reason)) => {
                        self.in_room(&room, |f| f.mark_failed(&client_id, &reason))
                    }
                }
            }
            self.sending.set_value(false);
        });
    }

    fn next_to_send(self) -> Option<(String, String)> {
        let joined = self.status.get_untracked() == crate::sio::Status::Connected;
        joined
            .then(|| self.feed.with_untracked(|f| f.next_unsent_text()))
            .flatten()
    }
}
