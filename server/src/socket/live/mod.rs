//! Everything sent to a room's sockets on someone's behalf: posted messages
//! (the server's side of the core's [`Fanout`]), presence and typing, on
//! every node of the cluster when there is one.
//!
//! Without Redis, or while it cannot be reached, delivery goes to this
//! node's sockets only, and messages wait in a bounded outbox to be sent
//! on to the other nodes once Redis is back.

mod activity;
mod catch_up;
mod sidebars;

pub use activity::keep_room_lists;
pub use catch_up::Marks;
pub use sessions::{LiveSessions, sweep};
mod outbox;
mod presence;
pub mod sessions;
mod typing;
mod typing_board;

use crate::cluster::Cluster;
use async_trait::async_trait;
use chat_core::metrics::Metrics;
use chat_core::store::ReadMarker;
use chat_core::{Fanout, Origin};
use chrono::{DateTime, Utc};
use protocol::events;
use protocol::message::ChatMessage;
use protocol::names::Username;
use serde::Serialize;
use socketioxide::adapter::Adapter;
use socketioxide::operators::BroadcastOperators;
use socketioxide::socket::Sid;
use socketioxide::{BroadcastError, SocketIo};
use std::collections::VecDeque;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, RwLock};
use typing_board::TypingBoard;

/// Sends to the sockets in a room, and knows who they are.
pub struct LiveRooms<A: Adapter> {
    // Set once the Socket.IO layer is built: the layer's state holds the
    // `Chat`, which holds this, so the handle can only come afterwards.
    // That is a cycle of `Arc`s: `detach` breaks it when the server ends,
    // so its database pool and sockets are freed even if the server's
    // future is dropped rather than shut down.
    io: RwLock<Option<SocketIo<A>>>,
    typing: TypingBoard,
    cluster: Option<Cluster>,
    metrics: Arc<Metrics>,
    outbox: Mutex<VecDeque<ChatMessage>>,
    /// Set on shutdown, once the other nodes were told everyone here left.
    gone: AtomicBool,
    sessions: LiveSessions,
    activity: activity::Activity,
}

/// Whether a broadcast reached the other nodes too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    EveryNode,
    ThisNode,
}

impl<A: Adapter> LiveRooms<A> {
    pub fn new(cluster: Option<Cluster>, metrics: Arc<Metrics>) -> Arc<Self> {
        Arc::new(LiveRooms {
            io: RwLock::new(None),
            typing: TypingBoard::default(),
            cluster,
            metrics,
            outbox: Mutex::new(VecDeque::new()),
            gone: AtomicBool::new(false),
            sessions: LiveSessions::default(),
            activity: activity::Activity::default(),
        })
    }

    /// Connects delivery to the Socket.IO server.
    pub fn attach(&self, io: SocketIo<A>) {
        *self.io.write().expect("not poisoned") = Some(io);
    }

    /// Disconnects delivery from the Socket.IO server, which is ending.
    pub fn detach(&self) {
        self.io.write().expect("not poisoned").take();
    }

    /// The namespace's operators, while attached and serving. Once the
    /// server is closing its namespace is gone while the disconnect
    /// handlers of its last sockets still run: then this answers `None`,
    /// where the `SocketIo` shorthands (`io.to`, `io.within`) would panic.
    /// Operators are used up by each broadcast, so every use asks anew.
    fn root(&self) -> Option<BroadcastOperators<A>> {
        self.io.read().expect("not poisoned").as_ref()?.of("/")
    }

    /// The sessions this node has connections of.
    pub fn sessions(&self) -> &LiveSessions {
        &self.sessions
    }

    /// Tells the connections of sessions `ids` they were signed out, and
    /// closes them: on every node if Redis carries it, else on this one.
    pub async fn close_sessions(&self, ids: &[String]) {
        for id in ids {
            let room = session_room(id);
            self.emit(None, &room, events::SESSION_ENDED, &events::Done {})
                .await;
            let Some(root) = self.root() else {
                return;
            };
            if let Err(e) = root.within(room.clone()).disconnect().await {
                tracing::warn!(error = %e, "closing an ended session's connections on the other nodes failed");
                let Some(root) = self.root() else {
                    return;
                };
                if let Err(e) = root.within(room).local().disconnect().await {
                    tracing::warn!(error = %e, "closing an ended session's connections failed");
                }
            }
        }
    }

    /// Records in the metrics whether Redis can be reached.
    pub fn count_redis_health(&self) {
        if let Some(cluster) = &self.cluster {
            let unreachable = u64::from(!cluster.is_reachable());
            self.metrics
                .redis_unreachable
                .store(unreachable, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// The room every socket of this node joins, so that a late delivery
    /// to the other nodes can leave this one out.
    pub fn node_room(&self) -> Option<String> {
        self.cluster
            .as_ref()
            .map(|cluster| format!("{NODE_ROOM_MARK}node:{}", cluster.node()))
    }

    /// Everyone in `room` except the socket `from` (when it is still here),
    /// while serving.
    fn to_room(&self, from: Option<Sid>, room: &str) -> Option<BroadcastOperators<A>> {
        let root = self.root()?;
        Some(match from.and_then(|sid| root.get_socket(sid)) {
            Some(socket) => socket.to(room.to_owned()),
            None => root.to(room.to_owned()),
        })
    }

    /// Sends `event` to everyone in `room` but the socket `from`: on every
    /// node if Redis carries it, else on this one.
    async fn emit<T: Serialize + ?Sized>(
        &self,
        from: Option<Sid>,
        room: &str,
        event: &str,
        data: &T,
    ) -> Reached {
        if self.cluster.as_ref().is_none_or(Cluster::is_reachable) {
            let Some(everyone) = self.to_room(from, room) else {
                return Reached::ThisNode;
            };
            match everyone.emit(event, data).await {
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
        if let Some(here) = self.to_room(from, room)
            && let Err(e) = here.local().emit(event, data).await
        {
            tracing::warn!(error = %e, event, "broadcast failed");
        }
        Reached::ThisNode
    }
}

/// Marks rooms that are not chat rooms (no chat room name has it).
const NODE_ROOM_MARK: char = '@';

/// The room of one person's connections (by folded name, so look-alike
/// spellings of a banned name are reached too).
pub fn person_room(username: &str) -> String {
    format!(
        "{NODE_ROOM_MARK}person:{}",
        chat_core::reserved::name_key(username)
    )
}

/// The room of one session's connections.
pub fn session_room(id: &str) -> String {
    format!("{NODE_ROOM_MARK}session:{id}")
}

/// Whether a Socket.IO room is a chat room (not a node's or a person's).
pub fn is_chat_room(room: &str) -> bool {
    !room.starts_with(NODE_ROOM_MARK)
}

#[async_trait]
impl<A: Adapter> Fanout for LiveRooms<A> {
    async fn message_posted(&self, message: &ChatMessage, seq: i64, origin: Origin) {
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
        self.notify(activity::Notice::Message {
            room: room.to_owned(),
            id: message.id,
            seq,
            sender: message.username.clone(),
        })
        .await;
    }

    async fn read_moved(
        &self,
        user: &str,
        room: &str,
        marker: ReadMarker,
        message_count: i64,
        origin: Origin,
    ) {
        let origin = match origin {
            Origin::Socket(sid) => Some(sid.to_string()),
            Origin::Request => None,
        };
        self.notify(activity::Notice::Read {
            user: user.to_owned(),
            room: room.to_owned(),
            read_up_to: marker.read_up_to,
            read_seq: marker.read_seq,
            count: message_count,
            origin,
        })
        .await;
    }

    async fn member_added(&self, user: &str, room: &str) {
        self.notify(activity::Notice::Added {
            user: user.to_owned(),
            room: room.to_owned(),
        })
        .await;
    }

    async fn member_left(&self, user: &str, room: &str) {
        self.notify(activity::Notice::Left {
            user: user.to_owned(),
            room: room.to_owned(),
        })
        .await;
    }

    async fn muted(&self, room: &str, user: &Username, until: Option<DateTime<Utc>>) {
        let notice = events::MutedNotice {
            room: room.to_owned(),
            until: until.as_ref().map(protocol::message::format_timestamp),
        };
        self.emit(None, &person_room(user.as_str()), events::MUTED, &notice)
            .await;
    }

    async fn online(&self, room: &str) -> Vec<String> {
        LiveRooms::online(self, room, None).await
    }

    async fn banned(&self, user: &Username) {
        let Some(root) = self.root() else {
            return;
        };
        if let Err(e) = root.within(person_room(user.as_str())).disconnect().await {
            tracing::warn!(error = %e, "disconnecting a banned user failed");
        }
    }

    async fn sessions_ended(&self, ids: &[String]) {
        self.close_sessions(ids).await;
    }

    async fn message_updated(&self, message: &ChatMessage) {
        // Everyone in the room, the author's own sockets too (their other
        // tabs learn it so).
        self.emit(None, &message.room, events::MESSAGE_UPDATED, message)
            .await;
    }
}
