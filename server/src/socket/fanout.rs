//! Everything sent to a room's sockets on someone's behalf: posted messages
//! (the server's side of the core's [`Fanout`]), presence and typing, on
//! every node of the cluster when there is one.
//!
//! Without Redis, or while it cannot be reached, delivery goes to this
//! node's sockets only, and messages wait in a bounded outbox to be sent
//! on to the other nodes once Redis is back.

use super::typing_board::{Expiry, RELAY_EVERY, Relay, TypingBoard};
use crate::cluster::Cluster;
use app::events::{self, Presence, TypingNotice};
use async_trait::async_trait;
use chat_core::{Fanout, Origin};
use protocol::message::ChatMessage;
use serde::Serialize;
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::Sid;
use socketioxide::{BroadcastError, SocketIo};
use std::collections::{BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

/// Most messages kept for the other nodes while Redis is away; past it the
/// oldest are dropped (their readers get them on their next catch-up).
const OUTBOX_LIMIT: usize = 10_000;

/// Sends to the sockets in a room, and knows who they are.
pub struct LiveRooms<A: Adapter> {
    // Set once the Socket.IO layer is built: the layer's state holds the
    // `Chat`, which holds this, so the handle can only come afterwards.
    io: OnceLock<SocketIo<A>>,
    typing: TypingBoard,
    cluster: Option<Cluster>,
    outbox: Mutex<VecDeque<ChatMessage>>,
    /// Set on shutdown, once the other nodes were told everyone here left.
    gone: AtomicBool,
}

/// Whether a broadcast reached the other nodes too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    EveryNode,
    ThisNode,
}

impl<A: Adapter> LiveRooms<A> {
    pub fn new(cluster: Option<Cluster>) -> Arc<Self> {
        Arc::new(LiveRooms {
            io: OnceLock::new(),
            typing: TypingBoard::default(),
            cluster,
            outbox: Mutex::new(VecDeque::new()),
            gone: AtomicBool::new(false),
        })
    }

    /// Connects delivery to the Socket.IO server.
    pub fn attach(&self, io: SocketIo<A>) {
        let _ = self.io.set(io);
    }

    /// The room every socket of this node joins, so that a late delivery
    /// to the other nodes can leave this one out.
    pub fn node_room(&self) -> Option<String> {
        self.cluster
            .as_ref()
            .map(|cluster| format!("{NODE_ROOM_MARK}node:{}", cluster.node()))
    }

    // ---- presence ----

    /// The distinct names of this node's sockets in `room` (sorted), the
    /// socket `except` (one on its way out) aside.
    pub fn here(&self, room: &str, except: Option<Sid>) -> Vec<String> {
        let Some(io) = self.io.get() else {
            return Vec::new();
        };
        let mut names: Vec<String> = io
            .within(room.to_owned())
            .sockets()
            .into_iter()
            .filter(|s| Some(s.id) != except)
            .filter_map(|s| s.extensions.get::<super::auth::Identity>())
            .map(|super::auth::Identity(name)| name.to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Everyone in `room` on every node (sorted, distinct), `except` aside.
    /// While Redis cannot be reached, this node's people only.
    pub async fn online(&self, room: &str, except: Option<Sid>) -> Vec<String> {
        let mut names = self.here(room, except);
        if let Some(cluster) = &self.cluster
            && let Ok(elsewhere) = cluster.online_elsewhere(room).await
        {
            names.extend(elsewhere);
            names.sort();
            names.dedup();
        }
        names
    }

    /// Everyone on this node, as `(room, name)`.
    pub fn everyone_here(&self) -> BTreeSet<(String, String)> {
        let Some(io) = self.io.get() else {
            return BTreeSet::new();
        };
        let mut here = BTreeSet::new();
        for socket in io.sockets() {
            let Some(super::auth::Identity(name)) = socket.extensions.get() else {
                continue;
            };
            for room in socket.rooms().into_iter().filter(|r| is_chat_room(r)) {
                here.insert((room.to_string(), name.to_string()));
            }
        }
        here
    }

    /// Records in the cluster that `name` is in `room` on this node.
    pub async fn arrived(&self, room: &str, name: &str) {
        if let Some(cluster) = &self.cluster {
            // Best effort: the next heartbeat writes it if this fails.
            let _ = cluster.arrived(room, name).await;
        }
    }

    /// `name`'s socket `leaving` leaves `room`: unless another of their
    /// tabs is still there (on any node), the room hears that they left.
    pub async fn departed(&self, leaving: Sid, room: &str, name: &str) {
        if self.gone.load(Ordering::Acquire)
            || self.here(room, Some(leaving)).iter().any(|n| n == name)
        {
            return;
        }
        if let Some(cluster) = &self.cluster {
            let _ = cluster.departed(room, name).await;
        }
        self.typing_ended(Some(leaving), room, name).await;
        self.announce_departure(Some(leaving), room, name, Some(leaving))
            .await;
    }

    /// On shutdown, before the sockets close: takes this node out of the
    /// cluster and tells the other nodes that its people left, unless they
    /// are on another node too. (Without a cluster, everyone is here and
    /// sees the connection close.)
    pub async fn say_goodbye(&self) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        self.gone.store(true, Ordering::Release);
        let here = self.everyone_here();
        if let Err(e) = cluster.leave().await {
            tracing::warn!(error = %e, "could not say goodbye to the other nodes");
            return;
        }
        for (room, name) in &here {
            // This node is out of the cluster now: `online` less everyone
            // here is who is on the other nodes.
            let Ok(mut online) = cluster.online_elsewhere(room).await else {
                return;
            };
            online.sort();
            online.dedup();
            if !online.contains(name) {
                let presence = Presence {
                    room: room.clone(),
                    online,
                    joined: None,
                    left: Some(name.clone()),
                };
                self.emit(None, room, events::PRESENCE, &presence).await;
            }
        }
    }

    /// Tells `room` (less the socket `from`) that `name` left, unless they
    /// are still online there; `except` is a socket already on its way out.
    pub async fn announce_departure(
        &self,
        from: Option<Sid>,
        room: &str,
        name: &str,
        except: Option<Sid>,
    ) {
        let online = self.online(room, except).await;
        if online.iter().any(|n| n == name) {
            return;
        }
        let presence = Presence {
            room: room.to_owned(),
            online,
            joined: None,
            left: Some(name.to_owned()),
        };
        self.emit(from, room, events::PRESENCE, &presence).await;
    }

    /// Sends a presence notice to `room`, less the socket `from`.
    pub async fn announce(&self, from: Option<Sid>, presence: &Presence) {
        self.emit(from, &presence.room, events::PRESENCE, presence)
            .await;
    }

    // ---- typing ----

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

    // ---- delivery ----

    /// Sends `event` to everyone in `room` but the socket `from`: on every
    /// node if Redis carries it, else on this one.
    async fn emit<T: Serialize + ?Sized>(
        &self,
        from: Option<Sid>,
        room: &str,
        event: &str,
        data: &T,
    ) -> Reached {
        let Some(io) = self.io.get() else {
            return Reached::ThisNode;
        };
        if self.cluster.as_ref().is_none_or(Cluster::is_reachable) {
            match to_room(io, from, room).emit(event, data).await {
                Err(BroadcastError::Adapter(e)) => {
                    tracing::warn!(error = %e, event, "broadcast to the other nodes failed");
                }
                Err(e) => {
                    tracing::warn!(error = %e, event, "broadcast failed");
                    return Reached::EveryNode;
                }
                Ok(()) => return Reached::EveryNode,
            }
        }
        if let Err(e) = to_room(io, from, room).local().emit(event, data).await {
            tracing::warn!(error = %e, event, "broadcast failed");
        }
        Reached::ThisNode
    }

    /// Sends on the messages that reached only this node while Redis was
    /// away, to the other nodes' sockets (this node's have them).
    pub async fn send_on_missed(&self) {
        let (Some(io), Some(node_room)) = (self.io.get(), self.node_room()) else {
            return;
        };
        let missed: Vec<ChatMessage> = self.lock_outbox().drain(..).collect();
        if !missed.is_empty() {
            tracing::info!(
                messages = missed.len(),
                "sending on what the other nodes missed"
            );
        }
        for (sent, message) in missed.iter().enumerate() {
            let to_others = io.to(message.room.clone()).except(node_room.clone());
            if let Err(e) = to_others.emit(events::MESSAGE, message).await {
                tracing::warn!(error = %e, "Redis went away again; keeping the rest");
                self.lock_outbox().extend(missed[sent..].iter().cloned());
                return;
            }
        }
    }

    /// Whether messages wait for the other nodes.
    pub fn has_missed(&self) -> bool {
        !self.lock_outbox().is_empty()
    }

    fn keep_for_the_other_nodes(&self, message: &ChatMessage) {
        let mut outbox = self.lock_outbox();
        if outbox.len() == OUTBOX_LIMIT {
            outbox.pop_front();
        }
        outbox.push_back(message.clone());
    }

    fn lock_outbox(&self) -> std::sync::MutexGuard<'_, VecDeque<ChatMessage>> {
        self.outbox.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Marks rooms that are not chat rooms (no chat room name has it).
const NODE_ROOM_MARK: char = '@';

/// Whether a Socket.IO room is a chat room (not a node's own room).
pub fn is_chat_room(room: &str) -> bool {
    !room.starts_with(NODE_ROOM_MARK)
}

/// Everyone in `room` except the socket `from` (when it is still here).
fn to_room<A: Adapter>(io: &SocketIo<A>, from: Option<Sid>, room: &str) -> BroadcastOperators<A> {
    match from.and_then(|sid| io.get_socket(sid)) {
        Some(socket) => socket.to(room.to_owned()),
        None => io.to(room.to_owned()),
    }
}

#[async_trait]
impl<A: Adapter> Fanout for LiveRooms<A> {
    async fn message_posted(&self, message: &ChatMessage, origin: Origin) {
        let from = match origin {
            Origin::Socket(sid) => Some(sid),
            Origin::Request => None,
        };
        let room = message.room.as_str();
        if self.emit(from, room, events::MESSAGE, message).await == Reached::ThisNode
            && self.cluster.is_some()
        {
            self.keep_for_the_other_nodes(message);
        }
        // Posting ends the author's typing; its expiry then finds it gone.
        self.typing_ended(from, room, &message.username).await;
    }
}
