//! The room page: server-rendered history, then live over Socket.IO.

pub mod api;
mod composer;
pub mod feed;
pub mod live;
mod message_list;
mod page;

pub use page::RoomPage;
