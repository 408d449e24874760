//! A person's rooms over HTTP: their list (the sidebar), the directory of
//! public rooms, making rooms, adding members to private ones, leaving,
//! and opening a direct message.

use super::reader::{SessionUser, int_param};
use crate::error::{ApiError, ApiJson};
use crate::net::ClientIp;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Json;
use chat_core::Chat;
use chat_core::rooms::DIRECTORY_MAX;
use protocol::events::Done;
use protocol::names::RoomName;
use protocol::rooms::{Directory, MyRooms, NewMember, NewRoom, RoomRef};
use std::collections::HashMap;

/// A directory page's size when the request names none.
const DIRECTORY_DEFAULT: i64 = 50;

/// `GET /api/rooms`: mine, most recent activity first.
pub async fn mine(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
) -> Result<Json<MyRooms>, ApiError> {
    let rooms = chat.my_rooms(&me.username).await?;
    Ok(Json(MyRooms { rooms }))
}

/// `GET /api/rooms/directory?q=&limit=`: public rooms whose names start
/// with `q`, most recently active first.
pub async fn directory(
    State(chat): State<Chat>,
    SessionUser(_): SessionUser,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<Directory>, ApiError> {
    let limit = int_param(&query, "limit", 1, DIRECTORY_MAX)?.unwrap_or(DIRECTORY_DEFAULT);
    let prefix = query.get("q").map_or("", String::as_str);
    let rooms = chat.directory(prefix, limit).await?;
    Ok(Json(Directory { rooms }))
}

/// `POST /api/rooms` `{name, private}`: a new room with me its first
/// member (201); 409 `taken` for a name in use.
pub async fn create(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
    ClientIp(client): ClientIp,
    ApiJson(request): ApiJson<NewRoom>,
) -> Result<(StatusCode, Json<RoomRef>), ApiError> {
    let room =
        RoomName::parse(&request.name).map_err(|e| ApiError::invalid(format!("room name {e}")))?;
    chat.create_room((&me).into(), &room, request.private, client)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RoomRef {
            name: room.to_string(),
            private: request.private,
        }),
    ))
}

/// `POST /api/rooms/<room>/members` `{username}`: adds an account to a
/// private room I am in.
pub async fn add_member(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
    Path(room): Path<String>,
    ApiJson(request): ApiJson<NewMember>,
) -> Result<Json<Done>, ApiError> {
    let room = room_named(&room)?;
    chat.add_member((&me).into(), &room, &request.username)
        .await?;
    Ok(Json(Done {}))
}

/// `DELETE /api/rooms/<room>/membership`: leaves the room on every device.
pub async fn leave(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
    Path(room): Path<String>,
) -> Result<Json<Done>, ApiError> {
    let room = room_named(&room)?;
    chat.leave_room((&me).into(), &room).await?;
    Ok(Json(Done {}))
}

/// `GET /api/dm/<username>`: the direct-message room of me and that
/// account, opened for both.
pub async fn direct(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
    Path(username): Path<String>,
) -> Result<Json<RoomRef>, ApiError> {
    let room = chat.open_direct((&me).into(), &username).await?;
    Ok(Json(RoomRef {
        name: room.to_string(),
        private: true,
    }))
}

/// A room named in the path; a name no room can have is one that does not
/// exist.
fn room_named(raw: &str) -> Result<RoomName, ApiError> {
    RoomName::parse(raw).map_err(|_| ApiError::not_found(format!("no room named '{raw}'")))
}
