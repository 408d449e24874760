//! Deleting a message, whether over Socket.IO or from the admin API: the
//! core's deletion, then its image file off the disk.

use crate::images;
use chat_core::{Chat, Error, Reader};
use protocol::message::ChatMessage;
use protocol::names::RoomName;
use std::path::Path;

/// Deletes message `id` of `room` for `actor` and removes its image, if it
/// had one; returns the tombstone.
pub async fn delete_message(
    chat: &Chat,
    media_dir: &Path,
    actor: Reader<'_>,
    room: &RoomName,
    id: i64,
) -> Result<ChatMessage, Error> {
    let deleted = chat.delete_message(actor, room, id).await?;
    if let Some(image) = &deleted.image {
        images::remove_stored(media_dir, image).await;
    }
    Ok(deleted.message)
}
