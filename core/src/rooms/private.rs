//! Making rooms: public or private ones by name, members added to private
//! rooms, and the one direct-message room of two accounts.

use super::{Reader, no_such_room};
use crate::reserved::name_key;
use crate::store::{Account, DirectSide};
use crate::{Chat, Error};
use protocol::events::ErrorCode;
use protocol::names::{RoomName, Username};
use std::net::IpAddr;

/// How the names of direct-message rooms begin. No one may create a room
/// so named, so such a name is either a direct message or nothing.
const DIRECT_PREFIX: &str = "dm-";

/// Whether `room` is (or would be) the name of a direct-message room.
pub fn is_direct_name(room: &str) -> bool {
    room.starts_with(DIRECT_PREFIX)
}

/// A new direct-message room's name: 64 random bits, so it tells nothing
/// of who is in it.
fn direct_name() -> RoomName {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    RoomName::parse(&format!("{DIRECT_PREFIX}{hex}")).expect("a valid room name")
}

fn accounts_only(what: &str) -> Error {
    Error::forbidden(format!(
        "{what} are for accounts: protect your name with a password first"
    ))
}

impl Chat {
    /// Creates `room`, public or private, with `reader` its first member;
    /// counts against `client`'s room allowance. A name in use (by any
    /// room, a private one too) is `taken`: the one answer that shows a
    /// name is used, as a name cannot be had twice.
    pub async fn create_room(
        &self,
        reader: Reader<'_>,
        room: &RoomName,
        private: bool,
        client: IpAddr,
    ) -> Result<(), Error> {
        if private && reader.guest {
            return Err(accounts_only("private rooms"));
        }
        if is_direct_name(room.as_str()) {
            return Err(Error::invalid(format!(
                "room names starting with '{DIRECT_PREFIX}' are kept for direct messages"
            )));
        }
        self.room_creations()
            .check(&client)
            .await
            .map_err(|wait| Error::rate_limited("new rooms from your address", wait))?;
        let me = reader.username.as_str();
        if !self.store().create_room(room, private, me).await? {
            return Err(Error::new(ErrorCode::Taken, "that room name is taken"));
        }
        self.fanout().member_added(me, room.as_str()).await;
        Ok(())
    }

    /// Adds the account `username` to `room`, at `reader`'s asking (a
    /// member, or staff). Unknown names are `not_found`; a direct message
    /// stays between its two.
    pub async fn add_member(
        &self,
        reader: Reader<'_>,
        room: &RoomName,
        username: &str,
    ) -> Result<(), Error> {
        let access = self.readable_room(reader, room).await?;
        if !access.member && !reader.staff {
            return Err(no_such_room(room.as_str()));
        }
        if access.direct {
            return Err(Error::forbidden(
                "a direct message is between two people: start a private room for more",
            ));
        }
        let account = self.active_account(username).await?;
        self.store().join_room(room, &account.username).await?;
        self.fanout()
            .member_added(&account.username, room.as_str())
            .await;
        Ok(())
    }

    /// The direct-message room of `reader` and the account `other`, opened
    /// (created the first time) for both; its name.
    pub async fn open_direct(&self, reader: Reader<'_>, other: &str) -> Result<RoomName, Error> {
        if reader.guest {
            return Err(accounts_only("direct messages"));
        }
        let other = self.active_account(other).await?;
        let me = reader.username.as_str();
        let (my_key, other_key) = (name_key(me), name_key(&other.username));
        let name = self
            .store()
            .direct_room(
                DirectSide {
                    username: me,
                    name_key: &my_key,
                },
                DirectSide {
                    username: &other.username,
                    name_key: &other_key,
                },
                &direct_name(),
            )
            .await?;
        let room = RoomName::parse(&name)
            .map_err(|_| crate::store::StoreError::Corrupt("a direct room's name".into()))?;
        for person in [me, other.username.as_str()] {
            self.fanout().member_added(person, &name).await;
        }
        Ok(room)
    }

    /// The active account `username` names (in any spelling that folds to
    /// it); `not_found` otherwise.
    async fn active_account(&self, username: &str) -> Result<Account, Error> {
        let not_found = || Error::not_found(format!("no account named '{username}'"));
        let name = Username::parse(username).map_err(|_| not_found())?;
        self.store()
            .account(&name_key(name.as_str()))
            .await?
            .filter(Account::active)
            .ok_or_else(not_found)
    }
}
