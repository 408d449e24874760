//! The room page: server-rendered history, then live over Socket.IO.

pub mod api;
mod attach;
mod client_id;
mod composer;
#[cfg(feature = "hydrate")]
mod connection;
pub mod feed;
mod lightbox;
pub mod live;
mod message_list;
mod message_row;
#[cfg(feature = "hydrate")]
mod outbox;
mod page;
#[cfg(feature = "hydrate")]
mod upload;

pub use page::RoomPage;
