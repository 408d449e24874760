//! What the room page starts from, read on the server.

use crate::message::ChatMessage;
use protocol::rooms::MyRoom;
use serde::{Deserialize, Serialize};

/// What the room page starts from: who is reading and the newest messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomSnapshot {
    /// The canonical (lower-case) room name.
    pub room: String,
    /// The reader, from the session.
    pub me: String,
    /// Whether the reader signed in as staff (may delete any message).
    pub staff: bool,
    /// Whether the reader is a guest (their name is not protected).
    pub guest: bool,
    /// Until when the reader is muted in this room (RFC 3339), if they are.
    pub muted_until: Option<String>,
    /// The newest page, oldest first.
    pub messages: Vec<ChatMessage>,
    /// Whether older messages exist.
    pub has_more: bool,
    /// The longest message the server accepts, for the composer's counter.
    pub message_max_chars: usize,
    /// The largest image the server accepts, checked before uploading.
    pub max_upload_bytes: u64,
    /// The reader's rooms, for the sidebar (this one among them once
    /// joined).
    pub rooms: Vec<MyRoom>,
}

impl RoomSnapshot {
    /// This room in the reader's list, if it is there.
    pub fn listed(&self) -> Option<&MyRoom> {
        self.rooms.iter().find(|r| r.name == self.room)
    }
}

/// The reader's session and the newest page of `room`, read while the
/// server renders the room page; the page carries it to the browser.
#[cfg(feature = "ssr")]
pub async fn load_room(room: String) -> Result<RoomSnapshot, String> {
    let reader = ssr::Reader::of(&room).await?;
    let page = reader.page_before(None).await?;
    // A list that cannot be read leaves the sidebar empty; the room
    // itself still reads.
    let rooms = reader
        .chat
        .my_rooms(&reader.username)
        .await
        .unwrap_or_default();
    Ok(RoomSnapshot {
        rooms,
        room: reader.room.to_string(),
        me: reader.username.to_string(),
        staff: reader.staff,
        guest: reader.guest,
        muted_until: reader.muted_until().await,
        messages: page.messages,
        has_more: page.has_more,
        message_max_chars: reader.chat.limits().message_max_chars,
        max_upload_bytes: reader.chat.limits().max_upload_bytes,
    })
}

/// In the browser the snapshot always comes with the server-rendered page
/// (every page is loaded whole), so this never runs there.
#[cfg(not(feature = "ssr"))]
pub async fn load_room(_room: String) -> Result<RoomSnapshot, String> {
    std::future::pending().await
}

#[cfg(feature = "ssr")]
mod ssr {
    use crate::message::HistoryPage;
    use crate::names::{RoomName, Username};
    use axum::http::request::Parts;
    use chat_core::Chat;
    use leptos::prelude::*;

    /// A logged-in reader of a valid room.
    pub struct Reader {
        pub chat: Chat,
        pub username: Username,
        pub room: RoomName,
        pub staff: bool,
        pub guest: bool,
    }

    impl Reader {
        /// The reader of the request being rendered (whose parts the
        /// renderer provides).
        /// Who is asking is the core's one answer ([`Chat::caller`]), as
        /// for every other way in.
        pub async fn of(room: &str) -> Result<Self, String> {
            let chat = expect_context::<Chat>();
            let parts = use_context::<Parts>().ok_or("Please log in to read this room.")?;
            let caller = match chat.caller_of(&parts.headers, None).await {
                Ok(Some(caller)) => caller,
                Ok(None) => return Err("Please log in to read this room.".into()),
                Err(e @ chat_core::Error::Banned { .. }) => return Err(format!("{e}.")),
                Err(e) if e.code() == crate::events::ErrorCode::SessionEnded => {
                    return Err("You were signed out. Please log in again.".into());
                }
                Err(e) => {
                    tracing::error!(error = %e, "who is reading could not be told");
                    return Err("The room is unavailable right now; try again.".into());
                }
            };
            let room = RoomName::parse(room).map_err(|e| format!("Room name {e}."))?;
            // A private room they may not read is a room that does not
            // exist, as on every other path.
            match chat.room_page((&caller.session).into(), &room).await {
                Ok(_) => {}
                Err(e) if e.code() == crate::events::ErrorCode::NotFound => {
                    return Err(format!("There is no room named #{room}."));
                }
                Err(e) => {
                    tracing::error!(error = %e, %room, "the room could not be read");
                    return Err("The room is unavailable right now; try again.".into());
                }
            }
            Ok(Reader {
                chat,
                guest: caller.session.guest,
                username: caller.session.username,
                room,
                staff: caller.staff,
            })
        }

        /// Until when the reader is muted here; a database that cannot
        /// say shows no mute (sends are still checked when they arrive).
        pub async fn muted_until(&self) -> Option<String> {
            let until = self
                .chat
                .muted_until(&self.room, self.username.as_str())
                .await
                .ok()??;
            Some(crate::message::format_timestamp(&until))
        }

        pub async fn page_before(&self, before: Option<i64>) -> Result<HistoryPage, String> {
            let page_size = self.chat.limits().page_size;
            self.chat
                .store()
                .page_before(&self.room, before, page_size)
                .await
                .map_err(|e| {
                    tracing::error!(error = %e, room = %self.room, "reading history failed");
                    "The room's history is unavailable right now; try again.".to_owned()
                })
        }
    }
}
