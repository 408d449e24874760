//! Opening a room: joining one that exists costs a read; creating one is a
//! write, and limited per client address so that no one can fill the
//! database (or hold SQLite's write lock) with rooms.

use crate::chat::Chat;
use crate::store::StoreError;
use protocol::names::RoomName;
use std::net::IpAddr;
use std::time::Duration;

/// Why a room could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenRoomError {
    #[error("too many new rooms from your address; try again in {} s", .0.as_secs().max(1))]
    RateLimited(Duration),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Chat {
    /// Makes sure `room` exists, creating it on behalf of `client` if it
    /// does not (which counts against the client's room allowance).
    pub async fn open_room(&self, room: &RoomName, client: IpAddr) -> Result<(), OpenRoomError> {
        if self.store().room_size(room).await?.is_some() {
            return Ok(());
        }
        self.room_creations()
            .check(&client)
            .await
            .map_err(OpenRoomError::RateLimited)?;
        self.store().ensure_room(room).await?;
        Ok(())
    }
}
