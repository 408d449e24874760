//! The admin's JSON API under `/api/admin/`, for scripts: rooms, a room's
//! messages, deleting one, and mutes and bans. Staff sessions only.

use super::{
    MAX_ROOMS, delete_message_as, impose, room_messages, room_summaries, sanction_summaries,
};
use crate::error::{ApiError, ApiJson};
use crate::routes::reader::{StaffUser, int_param};
use crate::state::AppState;
use app::admin::{RoomSummary, SanctionSummary};
use axum::Json;
use axum::extract::{Path, Query, State};
use chat_core::Chat;
use protocol::message::{HistoryPage, format_timestamp};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Most messages one page returns.
const MAX_PAGE: i64 = 200;

#[derive(Debug, Serialize)]
pub struct RoomsReply {
    rooms: Vec<RoomSummary>,
}

/// `GET /api/admin/rooms?limit=`: rooms, most recently active first.
pub async fn rooms(
    State(chat): State<Chat>,
    _staff: StaffUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<RoomsReply>, ApiError> {
    let limit = int_param(&query, "limit", 1, MAX_ROOMS)?.unwrap_or(100);
    let rooms = room_summaries(&chat, limit).await?;
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
    let (_, page) = room_messages(&chat, &room, before, limit).await?;
    Ok(Json(page))
}

#[derive(Debug, Serialize)]
pub struct MessageReply {
    message: protocol::message::ChatMessage,
}

/// `DELETE /api/admin/rooms/<room>/messages/<id>`: the tombstone.
pub async fn delete_message(
    State(state): State<AppState>,
    StaffUser(staff): StaffUser,
    Path((room, id)): Path<(String, i64)>,
) -> Result<Json<MessageReply>, ApiError> {
    let message = delete_message_as(&state, &staff, &room, id).await?;
    Ok(Json(MessageReply { message }))
}

#[derive(Debug, Serialize)]
pub struct SanctionsReply {
    sanctions: Vec<SanctionSummary>,
}

/// `GET /api/admin/sanctions`: mutes and bans in force, soonest end first.
pub async fn sanctions(
    State(chat): State<Chat>,
    _staff: StaffUser,
) -> Result<Json<SanctionsReply>, ApiError> {
    let sanctions = sanction_summaries(&chat).await?;
    Ok(Json(SanctionsReply { sanctions }))
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
pub async fn impose_sanction(
    State(chat): State<Chat>,
    StaffUser(staff): StaffUser,
    ApiJson(request): ApiJson<ImposeRequest>,
) -> Result<Json<ImposeReply>, ApiError> {
    let until = impose(
        &chat,
        &staff.username,
        &request.kind,
        request.room.as_deref(),
        &request.username,
        request.minutes,
    )
    .await?;
    Ok(Json(ImposeReply {
        until: until.as_ref().map(format_timestamp),
    }))
}
