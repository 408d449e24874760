//! The room page: server-rendered history, then live over Socket.IO.

mod alerts;
mod attach;
mod changes;
mod client_id;
mod composer;
#[cfg(feature = "hydrate")]
mod connection;
pub mod feed;
mod history;
mod lightbox;
pub mod live;
mod message_actions;
mod message_list;
mod message_row;
#[cfg(feature = "hydrate")]
mod outbox;
mod page;
#[cfg(feature = "hydrate")]
mod push_flow;
mod push_state;
mod push_toggle;
#[cfg(feature = "hydrate")]
mod reading;
mod snapshot;
#[cfg(feature = "hydrate")]
mod switching;
#[cfg(feature = "hydrate")]
mod upload;

pub use page::RoomPage;
