//! A small Socket.IO v5 client over Engine.IO v4 WebSockets.
//!
//! The packet codec is plain Rust (tested natively); the client that drives a
//! browser WebSocket with it is compiled for the `hydrate` feature only.

pub mod packet;

#[cfg(feature = "hydrate")]
pub mod client;

/// Where the live connection stands, for the UI's banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Connecting,
    Connected,
    /// Lost; the next attempt comes after a backoff.
    Offline,
    /// The server refused the session; reconnecting would not help.
    Refused(String),
    /// The user is banned (the reason says until when): signed out.
    Banned(String),
    /// The server turned the connection away for now (too many from this
    /// network); the next attempt comes after a longer backoff.
    TurnedAway(String),
}
