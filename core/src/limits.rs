//! Tunable limits that requests are checked against.

use crate::rate::Rate;

/// What one request may ask of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest message text, in characters after trimming.
    pub message_max_chars: usize,
    /// Messages per history page (server-rendered page and `join`).
    pub page_size: i64,
    /// Largest image upload, in bytes.
    pub max_upload_bytes: u64,
    /// Most messages a `join` with `since` returns before giving up with
    /// `recovered: false`.
    pub catch_up_max: i64,
    /// Rooms one client address may create.
    pub room_creations: Rate,
    /// Threads hashing passwords at once (see [`crate::passwords`]).
    pub password_hashing_threads: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            message_max_chars: protocol::names::DEFAULT_MESSAGE_MAX_CHARS,
            page_size: 50,
            catch_up_max: 500,
            max_upload_bytes: 10 * 1024 * 1024,
            room_creations: Rate::per_hour(60),
            password_hashing_threads: 1,
        }
    }
}
