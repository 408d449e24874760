//! Typing indicators: relayed once per spell and interval, ended by
//! themselves when they go stale.

use super::LiveRooms;
use super::typing_board::{Expiry, RELAY_EVERY, Relay};
use protocol::events::{self, TypingNotice};
use socketioxide::adapter::Adapter;
use socketioxide::socket::Sid;
use std::sync::Arc;
use std::time::Instant;

impl<A: Adapter> LiveRooms<A> {
    /// `user` typed in `room`: tells the room (not the socket `from` it came
    /// from) when that is news, and arms the expiry of this spell of typing.
    pub async fn typing_started(self: &Arc<Self>, from: Option<Sid>, room: &str, user: &str) {
        if self.typing.started(room, user, Instant::now()) == Relay::Quiet {
            return;
        }
        if let Some(cluster) = &self.cluster
            && !cluster.may_relay_typing(room, user, RELAY_EVERY).await
        {
            return;
        }
        self.announce_typing(from, room, user, true).await;
        if let Some(spell) = self.typing.watch(room, user) {
            let live = self.clone();
            let (room, user) = (room.to_owned(), user.to_owned());
            tokio::spawn(async move {
                loop {
                    match live.typing.expire(&room, &user, spell, Instant::now()) {
                        Expiry::CheckAt(when) => tokio::time::sleep_until(when.into()).await,
                        Expiry::Stop => {
                            return live.announce_typing(from, &room, &user, false).await;
                        }
                        Expiry::Gone => return,
                    }
                }
            });
        }
    }

    /// `user`'s typing in `room` ended (they stopped, sent, left or went
    /// away): tells the room, if it knew they were typing.
    pub async fn typing_ended(&self, from: Option<Sid>, room: &str, user: &str) {
        if self.typing.stopped(room, user) == Relay::Stop {
            self.announce_typing(from, room, user, false).await;
        }
    }

    async fn announce_typing(&self, from: Option<Sid>, room: &str, user: &str, typing: bool) {
        let notice = TypingNotice {
            room: room.to_owned(),
            username: user.to_owned(),
            typing,
        };
        self.emit(from, room, events::TYPING, &notice).await;
    }
}
