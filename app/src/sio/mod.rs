//! A small Socket.IO v5 client over Engine.IO v4: WebSocket, or HTTP
//! long-polling where a WebSocket cannot be opened.
//!
//! The packet and payload codecs are plain Rust (tested natively); the
//! client that drives the browser's WebSocket and requests with them is
//! compiled for the `hydrate` feature only.

pub mod packet;
pub mod payload;

#[cfg(feature = "hydrate")]
pub mod client;
#[cfg(feature = "hydrate")]
mod link;
#[cfg(feature = "hydrate")]
mod polling;

/// Which transport carries the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    Polling,
}

impl Transport {
    /// Engine.IO's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::WebSocket => "websocket",
            Transport::Polling => "polling",
        }
    }
}

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
    /// The session was signed out (from another device, by a password
    /// change, by staff): reconnecting would not help.
    SignedOut,
    /// The server turned the connection away for now (too many from this
    /// network); the next attempt comes after a longer backoff.
    TurnedAway(String),
}
