//! Opening a room: joining one that exists costs a read; creating one is a
//! write, and limited per client address so that no one can fill the
//! database (or hold SQLite's write lock) with rooms.

use crate::Error;
use crate::chat::Chat;
use protocol::names::RoomName;
use std::net::IpAddr;

impl Chat {
    /// Makes sure `room` exists, creating it on behalf of `client` if it
    /// does not (which counts against the client's room allowance).
    pub async fn open_room(&self, room: &RoomName, client: IpAddr) -> Result<(), Error> {
        if self.store().room_size(room).await?.is_some() {
            return Ok(());
        }
        self.room_creations()
            .check(&client)
            .await
            .map_err(|wait| Error::rate_limited("new rooms from your address", wait))?;
        self.store().ensure_room(room).await?;
        Ok(())
    }
}
