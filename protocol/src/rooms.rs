//! Rooms a person is in, the directory of public rooms, read markers and
//! private rooms: the HTTP bodies and Socket.IO payloads for them.

use serde::{Deserialize, Serialize};

/// Client → server: move my read marker in a room forward.
pub const MARK_READ: &str = "mark_read";
/// Server → client: my read marker moved (from another of my connections).
pub const READ: &str = "read";
/// Server → client: news in one of my rooms this connection has not joined,
/// or a room that became mine.
pub const ROOM_ACTIVITY: &str = "room_activity";
/// Server → client: a room is mine no more (I left it, here or elsewhere).
pub const ROOM_LEFT: &str = "room_left";

/// One of my rooms (`GET /api/rooms`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRoom {
    pub name: String,
    pub private: bool,
    /// Messages after my read marker.
    pub unread: i64,
    /// Of those, the ones that mention me.
    pub mentions: i64,
    /// The room's newest message (0 for a room without any).
    pub last_message_id: i64,
    /// When its newest message was stored (its creation before that),
    /// RFC 3339.
    pub last_activity: String,
    /// The newest message I have read.
    pub read_up_to: i64,
    /// For a direct message: the other person's name (mine, for a note to
    /// myself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_with: Option<String>,
}

/// `GET /api/rooms`: my rooms, most recent activity first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyRooms {
    pub rooms: Vec<MyRoom>,
}

/// A public room in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryRoom {
    pub name: String,
    pub members: i64,
    /// RFC 3339.
    pub last_activity: String,
}

/// `GET /api/rooms/directory`: public rooms, most active first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub rooms: Vec<DirectoryRoom>,
}

/// `POST /api/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRoom {
    pub name: String,
    #[serde(default)]
    pub private: bool,
}

/// `POST /api/rooms/<room>/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMember {
    pub username: String,
}

/// The room a room route answers with (`POST /api/rooms`, `GET
/// /api/dm/<username>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRef {
    pub name: String,
    pub private: bool,
}

/// `mark_read` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkReadRequest {
    pub room: String,
    pub id: i64,
}

/// `mark_read` ack body: the marker as it now is (it only moves forward).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkReadReply {
    pub read_up_to: i64,
}

/// `read` event: my marker in `room` moved; `unread` is what is left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadNotice {
    pub room: String,
    pub read_up_to: i64,
    pub unread: i64,
}

/// `room_activity` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomActivity {
    pub room: String,
    pub last_message_id: i64,
    pub unread: i64,
    pub mentions: i64,
}

/// `room_left` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomLeft {
    pub room: String,
}
