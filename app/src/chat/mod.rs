//! The room page: server-rendered history, then live over Socket.IO.

pub mod api;
mod attach;
mod composer;
pub mod feed;
pub mod live;
mod message_list;
mod page;
#[cfg(feature = "hydrate")]
mod upload;

pub use page::RoomPage;
