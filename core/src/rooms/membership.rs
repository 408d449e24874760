//! A person's rooms: the sidebar's list with unread counts, the directory
//! of public rooms, read markers, and leaving.

use super::{Reader, no_such_room};
use crate::fanout::Origin;
use crate::reserved::name_key;
use crate::store::MemberRoom;
use crate::{Chat, Error};
use protocol::message::format_timestamp;
use protocol::names::{RoomName, Username};
use protocol::rooms::{DirectoryRoom, MarkReadReply, MyRoom};

/// Most rooms the sidebar lists.
pub const MY_ROOMS_LISTED: i64 = 500;

/// Most rooms one directory page lists.
pub const DIRECTORY_MAX: i64 = 100;

impl Chat {
    /// `me`'s rooms, most recently active first (up to
    /// [`MY_ROOMS_LISTED`]).
    pub async fn my_rooms(&self, me: &Username) -> Result<Vec<MyRoom>, Error> {
        let rooms = self
            .store()
            .member_rooms(me.as_str(), MY_ROOMS_LISTED)
            .await?;
        Ok(rooms.into_iter().map(|room| listed(room, me)).collect())
    }

    /// Up to `limit` public rooms whose names start with `prefix` (a room
    /// name's beginning, any case), most recently active first.
    pub async fn directory(&self, prefix: &str, limit: i64) -> Result<Vec<DirectoryRoom>, Error> {
        let prefix = prefix.trim().to_lowercase();
        let allowed = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
        if prefix.chars().count() > 32 || !prefix.chars().all(allowed) {
            return Err(Error::invalid(
                "'q' is the beginning of a room name: letters, digits, '_', '-', '.'",
            ));
        }
        let rooms = self
            .store()
            .directory(&prefix, limit.clamp(1, DIRECTORY_MAX))
            .await?;
        Ok(rooms
            .into_iter()
            .map(|room| DirectoryRoom {
                name: room.name,
                members: room.members,
                last_activity: format_timestamp(&room.last_activity),
            })
            .collect())
    }

    /// Moves `reader`'s marker in `room` forward to message `id` (or the
    /// newest before it) and tells their other connections (all but
    /// `origin`'s); a room they are not a member of is `not_found`.
    pub async fn mark_read(
        &self,
        reader: Reader<'_>,
        room: &RoomName,
        id: i64,
        origin: Origin,
    ) -> Result<MarkReadReply, Error> {
        let access = self.readable_room(reader, room).await?;
        let me = reader.username.as_str();
        let marker = self
            .store()
            .mark_read(room, me, id)
            .await?
            .ok_or_else(|| Error::not_found("you are not a member of this room"))?;
        self.fanout()
            .read_moved(me, room.as_str(), marker, access.message_count, origin)
            .await;
        Ok(MarkReadReply {
            read_up_to: marker.read_up_to,
        })
    }

    /// Takes `me` out of `room`: it leaves their sidebar, their connections
    /// on every node stop receiving it, and nothing of it is pushed to them.
    pub async fn leave_room(&self, reader: Reader<'_>, room: &RoomName) -> Result<(), Error> {
        self.readable_room(reader, room).await?;
        let me = reader.username.as_str();
        if !self.store().leave_room(room, me).await? {
            return Err(no_such_room(room.as_str()));
        }
        self.fanout().member_left(me, room.as_str()).await;
        Ok(())
    }
}

/// A stored membership as the sidebar lists it for `me`.
fn listed(room: MemberRoom, me: &Username) -> MyRoom {
    let unread = room.unread();
    let direct_with = room.direct.map(|(first, second)| {
        if name_key(&first) == name_key(me.as_str()) {
            second
        } else {
            first
        }
    });
    MyRoom {
        name: room.name,
        private: room.private,
        unread,
        mentions: 0,
        last_message_id: room.last_message_id,
        last_activity: format_timestamp(&room.last_activity),
        read_up_to: room.marker.read_up_to,
        direct_with,
    }
}
