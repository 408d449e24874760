//! The login page: pick a name and a room.

mod page;

pub use page::LoginPage;
