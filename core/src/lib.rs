//! The chat server's core, shared by every way in (Socket.IO handlers, HTTP
//! routes, the app's server functions) and free of any of them:
//!
//! - [`session`]: signed session tokens, and [`accounts`]: who holds them
//!   (accounts with a password, guests), every sign-in a stored session;
//! - [`store`]: the storage interface, with one implementation per backend
//!   (SQLite, PostgreSQL, MySQL/MariaDB) chosen by the database URL;
//! - [`Chat`]: the one path every message is posted through
//!   (validate → dedupe → store → publish → count), and what reads need.

pub mod accounts;
pub mod allowance;
mod caller;
mod changes;
mod chat;
mod drain;
mod error;
mod fanout;
pub mod limits;
pub mod metrics;
mod notify;
pub mod passwords;
mod post;
pub mod rate;
pub mod reserved;
pub mod rooms;
pub mod sanctions;
pub mod session;
pub mod staff;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;

pub use accounts::{Access, SignedIn};
pub use caller::Caller;
pub use changes::Deleted;
pub use chat::{Chat, Delivery};
pub use error::{Error, whole_seconds};
pub use fanout::{Fanout, Origin};
pub use limits::Limits;
pub use notify::{NoNotifier, Notifier};
pub use post::{Draft, Posted};
pub use rooms::{Entered, Reader};
