//! The chat's shared Leptos crate: pages and components, server functions,
//! the message object and event payloads shared by server and browser, and
//! the browser's Socket.IO client.
#![recursion_limit = "256"]

pub mod chat;
pub mod events;
pub mod login;
pub mod message;
pub mod names;
mod shell;
pub mod sio;

#[cfg(feature = "ssr")]
pub mod server;

pub use shell::{App, shell};
