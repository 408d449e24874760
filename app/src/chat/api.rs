//! Server functions of the room page.

use crate::message::{ChatMessage, HistoryPage};
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
    /// The largest image the server accepts, checked before uploading.
    pub max_upload_bytes: u64,
}

/// The reader's session and the newest page of `room`.
#[server(prefix = "/_fn", endpoint = "load_room")]
pub async fn load_room(room: String) -> Result<RoomSnapshot, ServerFnError> {
    let reader = ssr::Reader::of(&room).await?;
    let page = reader.page_before(None).await?;
    Ok(RoomSnapshot {
        room: reader.room.to_string(),
        me: reader.username.to_string(),
        messages: page.messages,
        has_more: page.has_more,
        message_max_chars: reader.chat.limits().message_max_chars,
        max_upload_bytes: reader.chat.limits().max_upload_bytes,
    })
}

/// The page of `room` just older than message `before`, oldest first.
#[server(prefix = "/_fn", endpoint = "load_older")]
pub async fn load_older(room: String, before: i64) -> Result<HistoryPage, ServerFnError> {
    ssr::Reader::of(&room)
        .await?
        .page_before(Some(before))
        .await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::message::HistoryPage;
    use crate::names::{RoomName, Username};
    use chat_core::Chat;
    use chat_core::session::now_unix;
    use leptos::prelude::*;

    /// A logged-in reader of a valid room.
    pub struct Reader {
        pub chat: Chat,
        pub username: Username,
        pub room: RoomName,
    }

    impl Reader {
        pub async fn of(room: &str) -> Result<Self, ServerFnError> {
            let chat = expect_context::<Chat>();
            let headers: axum::http::HeaderMap = leptos_axum::extract().await?;
            let session = chat
                .sessions()
                .from_headers(&headers, now_unix())
                .ok_or_else(|| ServerFnError::new("Please log in to read this room."))?;
            let room =
                RoomName::parse(room).map_err(|e| ServerFnError::new(format!("Room name {e}.")))?;
            Ok(Reader {
                chat,
                username: session.username,
                room,
            })
        }

        pub async fn page_before(&self, before: Option<i64>) -> Result<HistoryPage, ServerFnError> {
            let page_size = self.chat.limits().page_size;
            self.chat
                .store()
                .page_before(&self.room, before, page_size)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, room = %self.room, "reading history failed");
                    ServerFnError::new("The room's history is unavailable right now; try again.")
                })
        }
    }
}
