//! Rooms and who may see them. A public room is open to anyone signed in;
//! a private one (direct messages are private rooms of two) only to its
//! members, and to staff, who see every room. To anyone else a private
//! room is a room that does not exist: every path that reads or changes a
//! room asks [`Chat::readable_room`] or [`Chat::enter_room`], which answer
//! `not_found` alike for both.
//!
//! Joining a room that exists costs a read (and a write the first time);
//! creating one is a write, limited per client address so that no one can
//! fill the database (or hold SQLite's write lock) with rooms.

mod membership;
mod private;

pub use membership::{DIRECTORY_MAX, MY_ROOMS_LISTED};
pub use private::is_direct_name;

use crate::Error;
use crate::chat::Chat;
use crate::session::Session;
use crate::store::{ReadMarker, RoomAccess};
use protocol::names::{RoomName, Username};
use std::net::IpAddr;

/// Who is asking about a room.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub username: &'a Username,
    /// Signed in by name alone: never a member of a private room.
    pub guest: bool,
    /// Sees and moderates every room.
    pub staff: bool,
}

impl<'a> From<&'a Session> for Reader<'a> {
    fn from(session: &'a Session) -> Self {
        Reader {
            username: &session.username,
            guest: session.guest,
            staff: session.staff,
        }
    }
}

/// A room someone entered.
#[derive(Debug, Clone, Copy)]
pub struct Entered {
    pub access: RoomAccess,
    /// Their read marker; `None` for staff in a private room they are not
    /// a member of (reading it does not make them one).
    pub marker: Option<ReadMarker>,
}

/// The one answer to a room that may not be seen, the same as for one
/// that does not exist.
pub(crate) fn no_such_room(room: &str) -> Error {
    Error::not_found(format!("no room named '{room}'"))
}

/// Whether `reader` may see a room with `access`.
fn may_read(access: &RoomAccess, reader: Reader<'_>) -> bool {
    !access.private || (access.member && !reader.guest) || reader.staff
}

impl Chat {
    /// The room, if `reader` may read it; `not_found` for a room that does
    /// not exist and for a private room they are not in, alike.
    pub async fn readable_room(
        &self,
        reader: Reader<'_>,
        room: &RoomName,
    ) -> Result<RoomAccess, Error> {
        match self
            .store()
            .room_access(room, reader.username.as_str())
            .await?
        {
            Some(access) if may_read(&access, reader) => Ok(access),
            _ => Err(no_such_room(room.as_str())),
        }
    }

    /// The room as its page shows it to `reader`: `Some` if they may read
    /// it, `None` for a public name no room has yet (their `join` creates
    /// it), `not_found` for a private room they are not in and for a
    /// direct-message name nobody was given.
    pub async fn room_page(
        &self,
        reader: Reader<'_>,
        room: &RoomName,
    ) -> Result<Option<RoomAccess>, Error> {
        match self
            .store()
            .room_access(room, reader.username.as_str())
            .await?
        {
            Some(access) if may_read(&access, reader) => Ok(Some(access)),
            None if !is_direct_name(room.as_str()) => Ok(None),
            _ => Err(no_such_room(room.as_str())),
        }
    }

    /// Enters `room` for `reader`: creates it (public) if it does not
    /// exist, which counts against `client`'s room allowance, and makes
    /// them a member. A private room they are not in is `not_found`, as is
    /// a direct-message name nobody was given.
    pub async fn enter_room(
        &self,
        reader: Reader<'_>,
        room: &RoomName,
        client: IpAddr,
    ) -> Result<Entered, Error> {
        let me = reader.username.as_str();
        let access = match self.store().room_access(room, me).await? {
            Some(access) => access,
            None => {
                if is_direct_name(room.as_str()) {
                    return Err(no_such_room(room.as_str()));
                }
                self.room_creations()
                    .check(&client)
                    .await
                    .map_err(|wait| Error::rate_limited("new rooms from your address", wait))?;
                self.store().ensure_room(room).await?;
                self.store()
                    .room_access(room, me)
                    .await?
                    .ok_or_else(|| no_such_room(room.as_str()))?
            }
        };
        if !may_read(&access, reader) {
            return Err(no_such_room(room.as_str()));
        }
        if access.private && !access.member {
            // Staff reading: not a member for it.
            return Ok(Entered {
                access,
                marker: None,
            });
        }
        let marker = self.store().join_room(room, me).await?;
        if !access.member {
            self.fanout().member_added(me, room.as_str()).await;
        }
        Ok(Entered {
            access: RoomAccess {
                member: true,
                ..access
            },
            marker: Some(marker),
        })
    }
}
