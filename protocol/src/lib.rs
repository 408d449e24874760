//! The chat's wire types, shared by every side: the message object, the
//! validated names and message text, and the Socket.IO event names and
//! payloads. No I/O here, so it builds for the browser (WASM) and the
//! server alike, and the server's core can use it without depending on the
//! Leptos app.

pub mod events;
pub mod message;
pub mod names;
pub mod rooms;
