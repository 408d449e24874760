//! `GET /chat/<room>/history/?before=<id>&limit=<n>`: older messages for the
//! room page and other clients, oldest first.

use super::reader::{SessionUser, int_param, readable_room};
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use chat_core::Chat;
use protocol::message::HistoryPage;
use std::collections::HashMap;

/// Most messages one history request returns.
const MAX_LIMIT: i64 = 100;

pub async fn history(
    State(chat): State<Chat>,
    SessionUser(reader): SessionUser,
    Path(room): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<HistoryPage>, ApiError> {
    let before = int_param(&query, "before", 1, i64::MAX)?;
    let limit = int_param(&query, "limit", 1, MAX_LIMIT)?.unwrap_or(chat.limits().page_size);
    let (room, _) = readable_room(&chat, &reader, &room).await?;
    Ok(Json(chat.store().page_before(&room, before, limit).await?))
}
