//! Everything sent to a room's sockets on someone's behalf: posted messages
//! (the server's side of the core's [`Fanout`]) and typing indicators.

use super::typing_board::{Expiry, Relay, TypingBoard};
use app::events::{self, TypingNotice};
use async_trait::async_trait;
use chat_core::{Fanout, Origin};
use protocol::message::ChatMessage;
use socketioxide::SocketIo;
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::Sid;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Sends to the sockets in a room.
pub struct LiveRooms {
    // Set once the Socket.IO layer is built: the layer's state holds the
    // `Chat`, which holds this, so the handle can only come afterwards.
    io: OnceLock<SocketIo>,
    typing: TypingBoard,
}

impl LiveRooms {
    pub fn new() -> Arc<Self> {
        Arc::new(LiveRooms {
            io: OnceLock::new(),
            typing: TypingBoard::default(),
        })
    }

    /// Connects delivery to the Socket.IO server.
    pub fn attach(&self, io: SocketIo) {
        let _ = self.io.set(io);
    }

    /// `user` typed in `room`: tells the room (not the socket `from` it came
    /// from) when that is news, and arms the expiry of this spell of typing.
    pub async fn typing_started(self: &Arc<Self>, from: Option<Sid>, room: &str, user: &str) {
        if self.typing.started(room, user, Instant::now()) == Relay::Quiet {
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
        let Some(to_room) = self.to_room(from, room) else {
            return;
        };
        let notice = TypingNotice {
            room: room.to_owned(),
            username: user.to_owned(),
            typing,
        };
        if let Err(e) = to_room.emit(events::TYPING, &notice).await {
            tracing::warn!(error = %e, "typing broadcast failed");
        }
    }

    /// Everyone in `room` except the socket `from` (when it is still there).
    fn to_room(&self, from: Option<Sid>, room: &str) -> Option<BroadcastOperators> {
        let io = self.io.get()?;
        Some(match from.and_then(|sid| io.get_socket(sid)) {
            Some(socket) => socket.to(room.to_owned()),
            None => io.to(room.to_owned()),
        })
    }
}

#[async_trait]
impl Fanout for LiveRooms {
    async fn message_posted(&self, message: &ChatMessage, origin: Origin) {
        let from = match origin {
            Origin::Socket(sid) => Some(sid),
            Origin::Request => None,
        };
        let room = message.room.as_str();
        if let Some(to_room) = self.to_room(from, room)
            && let Err(e) = to_room.emit(events::MESSAGE, message).await
        {
            tracing::warn!(error = %e, "message broadcast failed");
        }
        // Posting ends the author's typing; its expiry then finds it gone.
        self.typing_ended(from, room, &message.username).await;
    }
}
