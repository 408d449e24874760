//! The chat's shared Leptos crate: pages and components, the message object
//! and event payloads shared by server and browser, and the browser's
//! Socket.IO client.
#![recursion_limit = "256"]

#[cfg(feature = "ssr")]
pub mod account;
#[cfg(feature = "ssr")]
pub mod admin;
pub mod chat;
pub mod location;
pub mod login;
pub mod message_time;
pub mod rooms;
mod shell;
pub mod sio;
#[cfg(feature = "hydrate")]
mod xhr;

// The wire types live in their own crate so the server's core can share them
// without depending on the app; re-exported so the app reads as one crate.
pub use protocol::{events, message, names};

pub use shell::{App, shell};
