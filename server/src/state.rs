//! The one state every HTTP handler and server function shares.

use axum::extract::FromRef;
use chat_core::Chat;
use leptos::config::LeptosOptions;
use std::path::PathBuf;

/// What the HTTP side shares; handlers take the part they need
/// (`State<Chat>`, `State<AppState>`).
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Storage, sessions, limits, the posting path and the counters.
    pub chat: Chat,
    /// Uploads live in `chat_images/` inside.
    pub media_dir: PathBuf,
    pub leptos_options: LeptosOptions,
}
