//! All my rooms in one window: the sidebar with unread counts, browsing
//! and making rooms, direct messages, and leaving a room.

mod browse;
mod leave;
mod list;
mod new_room;
mod sidebar;

pub use leave::LeaveButton;
pub use list::{RoomList, heading_of};
pub use sidebar::Sidebar;
