//! Server functions of the room page.

use crate::message::ChatMessage;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the room page starts from: who is reading and the newest messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomSnapshot {
    /// The canonical (lower-case) room name.
    pub room: String,
    /// The reader, from the session.
    pub me: String,
    /// The newest page, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Whether older messages exist.
    pub has_more: bool,
    /// The longest message the server accepts, for the composer's counter.
    pub message_max_chars: usize,
}

/// The reader's session and the newest page of `room`.
#[server(prefix = "/_fn", endpoint = "load_room")]
pub async fn load_room(room: String) -> Result<RoomSnapshot, ServerFnError> {
    use crate::names::RoomName;
    use crate::server::{AppState, session};

    let state = expect_context::<AppState>();
    let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
    let session = state
        .sessions
        .from_headers(&headers, session::now_unix())
        .ok_or_else(|| ServerFnError::new("Please log in to read this room."))?;
    let room = RoomName::parse(&room).map_err(|e| ServerFnError::new(format!("Room name {e}.")))?;
    let page = state
        .db
        .newest_page(&room, state.limits.page_size)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, room = %room, "loading the newest page failed");
            ServerFnError::new("The room's history is unavailable right now; try again shortly.")
        })?;
    Ok(RoomSnapshot {
        room: room.to_string(),
        me: session.username.to_string(),
        messages: page.messages,
        has_more: page.has_more,
        message_max_chars: state.limits.message_max_chars,
    })
}
