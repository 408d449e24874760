//! The admin's JSON API under `/api/admin/`, for scripts: rooms, a room's
//! messages, deleting one, and mutes and bans. Staff sessions only.

use super::reader::{StaffUser, existing_room, int_param};
use crate::error::{ApiError, ApiJson};
use crate::moderation;
use crate::state::AppState;
use app::message::{HistoryPage, format_timestamp};
use app::names::RoomName;
use axum::Json;
use axum::extract::{Path, Query, State};
use chat_core::sanctions::SanctionError;
use chat_core::store::{Sanction, SanctionKind};
use chat_core::{Actor, Chat};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Most rooms one listing returns.
const MAX_ROOMS: i64 = 500;
/// Most messages one page returns.
const MAX_PAGE: i64 = 200;

#[derive(Debug, Serialize)]
pub struct RoomsReply {
    rooms: Vec<RoomEntry>,
}

#[derive(Debug, Serialize)]
struct RoomEntry {
    name: String,
    message_count: i64,
    last_activity: Option<String>,
    online: Vec<String>,
}

/// `GET /api/admin/rooms?limit=`: rooms, most recently active first.
pub async fn rooms(
    State(chat): State<Chat>,
    _staff: StaffUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<RoomsReply>, ApiError> {
    let limit = int_param(&query, "limit", 1, MAX_ROOMS)?.unwrap_or(100);
    let mut rooms = Vec::new();
    for room in chat.store().rooms(limit).await? {
        rooms.push(RoomEntry {
            online: chat.online(&room.name).await,
            last_activity: room.last_activity.as_ref().map(format_timestamp),
            name: room.name,
            message_count: room.message_count,
        });
    }
    Ok(Json(RoomsReply { rooms }))
}

/// `GET /api/admin/rooms/<room>/messages?before=&limit=`: the newest
/// messages (or those before `before`), deleted ones included, oldest first.
pub async fn messages(
    State(chat): State<Chat>,
    _staff: StaffUser,
    Path(room): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<HistoryPage>, ApiError> {
    let before = int_param(&query, "before", 1, i64::MAX)?;
    let limit = int_param(&query, "limit", 1, MAX_PAGE)?.unwrap_or(50);
    let (room, _) = existing_room(&chat, &room).await?;
    Ok(Json(chat.store().page_before(&room, before, limit).await?))
}

#[derive(Debug, Serialize)]
pub struct MessageReply {
    message: app::message::ChatMessage,
}

/// `DELETE /api/admin/rooms/<room>/messages/<id>`: the tombstone.
pub async fn delete_message(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    Path((room, id)): Path<(String, i64)>,
) -> Result<Json<MessageReply>, ApiError> {
    let room = RoomName::parse(&room)
        .map_err(|_| ApiError::NotFound(format!("no room named '{room}'")))?;
    let actor = Actor {
        username: &staff.username,
        staff: true,
    };
    let message =
        moderation::delete_message(&state.chat, &state.media_dir, actor, &room, id).await?;
    Ok(Json(MessageReply { message }))
}

#[derive(Debug, Serialize)]
pub struct SanctionsReply {
    sanctions: Vec<SanctionEntry>,
}

#[derive(Debug, Serialize)]
struct SanctionEntry {
    kind: &'static str,
    /// The room of a mute; `null` for a ban.
    room: Option<String>,
    username: String,
    until: String,
    issued_by: String,
}

impl From<Sanction> for SanctionEntry {
    fn from(s: Sanction) -> Self {
        SanctionEntry {
            kind: s.kind.as_str(),
            room: (s.kind == SanctionKind::Mute).then_some(s.room),
            username: s.username,
            until: format_timestamp(&s.until),
            issued_by: s.issued_by,
        }
    }
}

/// `GET /api/admin/sanctions`: mutes and bans in force, soonest end first.
pub async fn sanctions(
    State(chat): State<Chat>,
    _staff: StaffUser,
) -> Result<Json<SanctionsReply>, ApiError> {
    let sanctions = chat.sanctions_in_force().await?;
    Ok(Json(SanctionsReply {
        sanctions: sanctions.into_iter().map(SanctionEntry::from).collect(),
    }))
}

#[derive(Debug, Deserialize)]
pub struct ImposeRequest {
    kind: String,
    #[serde(default)]
    room: Option<String>,
    username: String,
    minutes: u32,
}

#[derive(Debug, Serialize)]
pub struct ImposeReply {
    until: Option<String>,
}

/// `POST /api/admin/sanctions {kind: "mute"|"ban", room, username,
/// minutes}`: as the `mute` and `ban` events; `minutes: 0` lifts it.
pub async fn impose(
    State(chat): State<Chat>,
    StaffUser(staff): StaffUser,
    ApiJson(request): ApiJson<ImposeRequest>,
) -> Result<Json<ImposeReply>, ApiError> {
    let room = match (request.kind.as_str(), request.room.as_deref()) {
        ("mute", Some(room)) => {
            Some(RoomName::parse(room).map_err(|e| ApiError::Invalid(format!("room name {e}")))?)
        }
        ("mute", None) => return Err(ApiError::Invalid("a mute needs a room".into())),
        ("ban", _) => None,
        _ => return Err(ApiError::Invalid("kind must be \"mute\" or \"ban\"".into())),
    };
    let until = chat
        .impose(
            &staff.username,
            room.as_ref(),
            &request.username,
            request.minutes,
        )
        .await
        .map_err(|e| match e {
            SanctionError::Invalid(message) => ApiError::Invalid(message),
            SanctionError::Forbidden(message) => ApiError::Forbidden(message.into()),
            SanctionError::Store(e) => ApiError::Store(e),
        })?;
    Ok(Json(ImposeReply {
        until: until.as_ref().map(format_timestamp),
    }))
}
