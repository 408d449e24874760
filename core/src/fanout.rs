//! Where a stored message goes next: the live connections of its room.

use crate::store::ReadMarker;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use protocol::message::ChatMessage;
use protocol::names::Username;
use socketioxide_core::Sid;

/// How a message came in, so the connection that sent it is not sent it
/// again (it has the message in its ack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A Socket.IO connection.
    Socket(Sid),
    /// An HTTP request (an image upload): every connection in the room,
    /// the uploader's own included, gets the message.
    Request,
}

/// Delivers stored messages live. The server implements it over Socket.IO;
/// the core only says when.
#[async_trait]
pub trait Fanout: Send + Sync + 'static {
    /// Sends `message` (number `seq` in its room) to its room (but not
    /// back to `origin`'s socket), ends its author's typing indicator
    /// there, and tells the room's members elsewhere of it (their unread
    /// counts).
    async fn message_posted(&self, message: &ChatMessage, seq: i64, origin: Origin);

    /// Sends an edited or deleted `message` to its room, as it now is.
    async fn message_updated(&self, message: &ChatMessage);

    /// Tells `user`'s connections in `room` they are muted there until
    /// `until` (`None`: no longer).
    async fn muted(&self, room: &str, user: &Username, until: Option<DateTime<Utc>>);

    /// Disconnects every connection of the banned `user`.
    async fn banned(&self, user: &Username);

    /// Tells the connections of the sessions `ids` that they were signed
    /// out, and closes them, on every node.
    async fn sessions_ended(&self, ids: &[String]);

    /// Tells `user`'s connections on every node (but `origin`'s socket)
    /// that their marker in `room`, which holds `message_count` messages,
    /// moved to `marker`.
    async fn read_moved(
        &self,
        user: &str,
        room: &str,
        marker: ReadMarker,
        message_count: i64,
        origin: Origin,
    );

    /// `user` became a member of `room` (joined it, was added, or a direct
    /// message was opened): their connections on every node learn of it.
    async fn member_added(&self, user: &str, room: &str);

    /// `user` left `room`: their connections on every node stop receiving
    /// it and drop it from their list.
    async fn member_left(&self, user: &str, room: &str);

    /// Who is in `room` now (on every node).
    async fn online(&self, room: &str) -> Vec<String>;
}
