//! Staff only: the admin pages under `/admin/` (HTML forms), their JSON
//! twins under `/api/admin/`, and staff sign-in. Both faces read and
//! change through the functions here, so they show and do the same.

pub mod accounts;
pub mod api;
pub mod pages;
pub mod sign_in;

use crate::error::ApiError;
use crate::moderation;
use crate::routes::reader::existing_room;
use crate::state::AppState;
use app::admin::{RoomSummary, SanctionSummary};
use chat_core::session::Session;
use chat_core::store::{Sanction, SanctionKind};
use chat_core::{Chat, Reader};
use chrono::{DateTime, Utc};
use protocol::message::{ChatMessage, HistoryPage, format_timestamp};
use protocol::names::{RoomName, Username};

/// Most rooms one listing returns.
pub const MAX_ROOMS: i64 = 500;

/// Rooms, most recently active first, with who is online in each.
pub async fn room_summaries(chat: &Chat, limit: i64) -> Result<Vec<RoomSummary>, ApiError> {
    let mut rooms = Vec::new();
    for room in chat.store().rooms(limit).await? {
        rooms.push(RoomSummary {
            online: chat.online(&room.name).await,
            last_activity: room.last_activity.as_ref().map(format_timestamp),
            name: room.name,
            private: room.private,
            message_count: room.message_count,
        });
    }
    Ok(rooms)
}

/// A page of an existing room's messages (those before `before`, or the
/// newest), deleted ones included, oldest first.
pub async fn room_messages(
    chat: &Chat,
    room: &str,
    before: Option<i64>,
    limit: i64,
) -> Result<(RoomName, HistoryPage), ApiError> {
    let (room, _) = existing_room(chat, room).await?;
    let page = chat.store().page_before(&room, before, limit).await?;
    Ok((room, page))
}

/// Mutes and bans in force, soonest end first.
pub async fn sanction_summaries(chat: &Chat) -> Result<Vec<SanctionSummary>, ApiError> {
    let sanctions = chat.sanctions_in_force().await?;
    Ok(sanctions.into_iter().map(summary).collect())
}

fn summary(s: Sanction) -> SanctionSummary {
    SanctionSummary {
        kind: s.kind.as_str(),
        room: (s.kind == SanctionKind::Mute).then_some(s.room),
        username: s.username,
        until: format_timestamp(&s.until),
        issued_by: s.issued_by,
    }
}

/// Mutes (`kind` `"mute"`, in `room`) or bans `username` for `minutes`
/// (0 lifts it), as the `mute` and `ban` events do; when it ends.
pub async fn impose(
    chat: &Chat,
    staff: &Username,
    kind: &str,
    room: Option<&str>,
    username: &str,
    minutes: u32,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    let room = match (kind, room.map(str::trim).filter(|r| !r.is_empty())) {
        ("mute", Some(room)) => {
            Some(RoomName::parse(room).map_err(|e| ApiError::invalid(format!("room name {e}")))?)
        }
        ("mute", None) => return Err(ApiError::invalid("a mute needs a room")),
        ("ban", _) => None,
        _ => return Err(ApiError::invalid("kind must be \"mute\" or \"ban\"")),
    };
    Ok(chat
        .impose(staff, room.as_ref(), username.trim(), minutes)
        .await?)
}

/// Deletes message `id` of `room` as the staff member `staff`: the
/// tombstone.
pub async fn delete_message_as(
    state: &AppState,
    staff: &Session,
    room: &str,
    id: i64,
) -> Result<ChatMessage, ApiError> {
    let room = RoomName::parse(room)
        .map_err(|_| ApiError::not_found(format!("no room named '{room}'")))?;
    let actor = Reader {
        username: &staff.username,
        guest: false,
        staff: true,
    };
    Ok(moderation::delete_message(&state.chat, &state.media_dir, actor, &room, id).await?)
}
