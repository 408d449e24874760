//! Each person's room list kept live on every node: `room_activity` for
//! rooms a connection is not in, `read` when a marker moves elsewhere,
//! `room_left` when a room is theirs no more.
//!
//! Every node keeps [`Sidebars`] for its own connections. What changes them
//! (a message stored, a marker moved, a membership gained or lost) is a
//! [`Notice`]: applied here at once, and published once on the nodes'
//! channel for the others. Per message that is one publish, and on each
//! node a look-up among the members connected there; `room_activity` goes
//! out at most once per room and connection every [`FLUSH_EVERY`].

use super::LiveRooms;
use super::sidebars::Sidebars;
use chat_core::Chat;
use chat_core::rooms::MY_ROOMS_LISTED;
use chat_core::store::ReadMarker;
use futures::StreamExt;
use protocol::rooms::{self, RoomLeft};
use serde::{Deserialize, Serialize};
use socketioxide::adapter::Adapter;
use socketioxide::socket::Sid;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long room news waits to be told, gathered: well within the second
/// the contract allows.
pub const FLUSH_EVERY: Duration = Duration::from_millis(250);

/// How often rooms whose news has waited [`FLUSH_EVERY`] are told of.
const FLUSH_TICK: Duration = Duration::from_millis(50);

/// Notices sent between two yields of a flush.
const FLUSH_SLICE: usize = 256;

/// Most people whose rooms wait to be (re)loaded; beyond it a reload is
/// dropped (their next connection loads them).
const RELOADS_WAITING: usize = 4096;

/// What changes people's room lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// Message `id`, number `seq` in `room`, from `sender`.
    Message {
        room: String,
        id: i64,
        seq: i64,
        sender: String,
    },
    /// `user`'s marker in `room` (of `count` messages) moved; the
    /// connection `origin` (on its node) knows.
    Read {
        user: String,
        room: String,
        read_up_to: i64,
        read_seq: i64,
        count: i64,
        origin: Option<String>,
    },
    /// `user` became a member of `room`.
    Added { user: String, room: String },
    /// `user` left `room`.
    Left { user: String, room: String },
}

/// A notice on the nodes' channel, with the node that sent it.
#[derive(Serialize, Deserialize)]
struct Envelope {
    node: String,
    notice: Notice,
}

/// The room lists and the queue of people whose rooms are to be loaded
/// (which takes the database, so the background task does it).
pub struct Activity {
    book: Mutex<Sidebars>,
    reloads: mpsc::Sender<String>,
    waiting: Mutex<Option<mpsc::Receiver<String>>>,
}

impl Default for Activity {
    fn default() -> Self {
        let (reloads, waiting) = mpsc::channel(RELOADS_WAITING);
        Activity {
            book: Mutex::default(),
            reloads,
            waiting: Mutex::new(Some(waiting)),
        }
    }
}

impl Activity {
    fn book(&self) -> MutexGuard<'_, Sidebars> {
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn reload(&self, user: &str) {
        if self.reloads.try_send(user.to_owned()).is_err() {
            tracing::warn!(user, "too many room lists waiting to load; one was dropped");
        }
    }
}

impl<A: Adapter> LiveRooms<A> {
    /// A connection of `user` opened here.
    pub fn connection_opened(&self, sid: Sid, user: &str) {
        if self.activity.book().connected(sid, user) {
            self.activity.reload(user);
        }
    }

    /// A connection of `user` closed here.
    pub fn connection_closed(&self, sid: Sid, user: &str) {
        self.activity.book().disconnected(sid, user);
    }

    /// The connection `sid` of `user` joined `room` (`true`) or left it: it
    /// gets the room's messages, or its counts, from now on.
    pub fn viewing(&self, sid: Sid, user: &str, room: &str, joined: bool) {
        self.activity.book().viewing(sid, user, room, joined);
    }

    /// Applies `notice` here and sends it to the other nodes.
    pub(super) async fn notify(&self, notice: Notice) {
        self.apply(&notice).await;
        let Some(cluster) = &self.cluster else {
            return;
        };
        if !cluster.is_reachable() {
            return;
        }
        let envelope = Envelope {
            node: cluster.node().to_owned(),
            notice,
        };
        let payload = serde_json::to_vec(&envelope).expect("a notice serializes");
        if let Err(e) = cluster.publish_notice(payload).await {
            tracing::warn!(error = %e, "telling the other nodes of room news failed");
        }
    }

    /// What `notice` changes for this node's connections.
    async fn apply(&self, notice: &Notice) {
        match notice {
            Notice::Message {
                room,
                id,
                seq,
                sender,
            } => self.activity.book().message(room, *id, *seq, sender),
            Notice::Read {
                user,
                room,
                read_up_to,
                read_seq,
                count,
                origin,
            } => {
                let marker = ReadMarker {
                    read_up_to: *read_up_to,
                    read_seq: *read_seq,
                };
                let origin = origin.as_deref().and_then(|sid| sid.parse().ok());
                let told = self
                    .activity
                    .book()
                    .read(user, room, marker, *count, origin);
                for (sid, notice) in told {
                    self.emit_to(sid, rooms::READ, &notice);
                }
            }
            Notice::Added { user, .. } => {
                if self.activity.book().is_here(user) {
                    self.activity.reload(user);
                }
            }
            Notice::Left { user, room } => {
                let sids = self.activity.book().left(user, room);
                for sid in sids {
                    self.stop_delivering(sid, room, user).await;
                }
            }
        }
    }

    /// Takes the connection `sid` out of `room`, which `user` left.
    async fn stop_delivering(&self, sid: Sid, room: &str, user: &str) {
        let Some(socket) = self.root().and_then(|root| root.get_socket(sid)) else {
            return;
        };
        if socket.rooms().iter().any(|r| r == room) {
            self.typing_ended(Some(sid), room, user).await;
            self.departed(sid, room, user).await;
            socket.leave(room.to_owned());
        }
        let notice = RoomLeft {
            room: room.to_owned(),
        };
        if let Err(e) = socket.emit(rooms::ROOM_LEFT, &notice) {
            tracing::debug!(error = %e, "a room_left notice was not sent");
        }
    }

    /// Sends `event` to this node's connection `sid`, if it is still here.
    fn emit_to<T: Serialize + ?Sized>(&self, sid: Sid, event: &'static str, data: &T) {
        let Some(socket) = self.root().and_then(|root| root.get_socket(sid)) else {
            return;
        };
        if let Err(e) = socket.emit(event, data) {
            tracing::debug!(error = %e, event, "a room notice was not sent");
        }
    }

    /// Sends the news gathered since the last flush. Thousands of notices
    /// go out in slices, letting other tasks (messages being delivered)
    /// run between them rather than wait for the whole flush.
    async fn flush_activity(&self) {
        let Some(gathered_before) = Instant::now().checked_sub(FLUSH_EVERY) else {
            return;
        };
        let out = self.activity.book().flush(gathered_before);
        for slice in out.chunks(FLUSH_SLICE) {
            for (sid, activity) in slice {
                self.emit_to(*sid, rooms::ROOM_ACTIVITY, activity);
            }
            tokio::task::yield_now().await;
        }
    }

    /// Loads `user`'s rooms into the book; a database that cannot answer
    /// leaves what was kept (the next change tries again).
    async fn load(&self, chat: &Chat, user: &str) {
        match chat.store().member_rooms(user, MY_ROOMS_LISTED).await {
            Ok(stored) => {
                let fresh = self.activity.book().loaded(user, stored);
                for (sid, activity) in fresh {
                    self.emit_to(sid, rooms::ROOM_ACTIVITY, &activity);
                }
            }
            Err(e) => tracing::warn!(error = %e, user, "could not load someone's rooms"),
        }
    }
}

/// Keeps this node's room lists: loads people's rooms when they connect
/// (or gain one), applies the other nodes' notices, and every
/// [`FLUSH_TICK`] tells connections of news in their other rooms that
/// has waited [`FLUSH_EVERY`].
pub async fn keep_room_lists<A: Adapter>(chat: Chat, live: Arc<LiveRooms<A>>) {
    let Some(mut reloads) = live.activity.waiting.lock().ok().and_then(|mut w| w.take()) else {
        return;
    };
    let mut notices = match &live.cluster {
        Some(cluster) => match cluster.notices().await {
            Ok(stream) => Some(stream),
            Err(e) => {
                tracing::error!(error = %e, "could not hear the other nodes' room news");
                None
            }
        },
        None => None,
    };
    let node = live.cluster.as_ref().map(|c| c.node().to_owned());
    let mut every = tokio::time::interval(FLUSH_TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => live.flush_activity().await,
            Some(user) = reloads.recv() => live.load(&chat, &user).await,
            Some((_, payload)) = next_notice(&mut notices) => {
                match serde_json::from_slice::<Envelope>(&payload) {
                    Ok(envelope) if Some(&envelope.node) != node.as_ref() => {
                        live.apply(&envelope.notice).await;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "unreadable room news from another node"),
                }
            }
        }
    }
}

/// The next notice, or never without a channel.
async fn next_notice<S>(notices: &mut Option<S>) -> Option<S::Item>
where
    S: futures::Stream + Unpin,
{
    match notices {
        Some(stream) => stream.next().await,
        None => std::future::pending().await,
    }
}
