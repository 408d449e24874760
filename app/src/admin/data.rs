//! What the admin pages and their JSON twins under `/api/admin/` show.

use serde::Serialize;

/// A room, for the rooms list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomSummary {
    pub name: String,
    /// Seen only by its members (and staff).
    pub private: bool,
    pub message_count: i64,
    /// When its newest message was stored (RFC 3339), if it has one.
    pub last_activity: Option<String>,
    /// Who is connected to it now.
    pub online: Vec<String>,
}

/// A mute or a ban in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SanctionSummary {
    /// `"mute"` or `"ban"`.
    pub kind: &'static str,
    /// The room of a mute; `None` for a ban.
    pub room: Option<String>,
    pub username: String,
    /// When it ends (RFC 3339).
    pub until: String,
    pub issued_by: String,
}
