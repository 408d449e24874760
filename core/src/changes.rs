//! Editing and deleting posted messages: who may, and the one path each
//! change takes (check → store → tell the room).

use crate::Error;
use crate::chat::Chat;
use crate::post::body_refused;
use crate::rooms::Reader;
use crate::store::Change;
use protocol::message::{ChatMessage, ContentType};
use protocol::names::{MessageBody, RoomName};

/// A deleted message, and the image that went with it (for the caller to
/// remove from disk).
#[derive(Debug, Clone)]
pub struct Deleted {
    pub message: ChatMessage,
    pub image: Option<String>,
}

impl Chat {
    /// Replaces the text of the actor's own text message.
    pub async fn edit_message(
        &self,
        actor: Reader<'_>,
        room: &RoomName,
        id: i64,
        content: &str,
    ) -> Result<ChatMessage, Error> {
        let _in_flight = self.drain().enter().await?;
        let body = MessageBody::parse(content.trim(), self.limits().message_max_chars)
            .map_err(body_refused)?;
        let message = self.live_message(actor, room, id).await?;
        if message.username != actor.username.as_str() {
            return Err(Error::forbidden("only its author can edit a message"));
        }
        if let Some(until) = self.muted_until(room, actor.username.as_str()).await? {
            return Err(Error::muted(until));
        }
        if message.content_type == ContentType::Image {
            return Err(Error::invalid("an image message cannot be edited"));
        }
        let change = Change::Edit {
            content: body.as_str(),
            at: crate::store::now_millis(),
        };
        let edited = self
            .store()
            .change_message(room, id, change)
            .await?
            .ok_or_else(|| not_found(id))?;
        self.fanout().message_updated(&edited).await;
        Ok(edited)
    }

    /// Deletes a message: the author's own, or any for staff. It stays in
    /// its place as a tombstone.
    pub async fn delete_message(
        &self,
        actor: Reader<'_>,
        room: &RoomName,
        id: i64,
    ) -> Result<Deleted, Error> {
        let _in_flight = self.drain().enter().await?;
        let message = self.live_message(actor, room, id).await?;
        if message.username != actor.username.as_str() && !actor.staff {
            return Err(Error::forbidden(
                "only its author or staff can delete a message",
            ));
        }
        let deleted = self
            .store()
            .change_message(room, id, Change::Delete)
            .await?
            .ok_or_else(|| not_found(id))?;
        self.fanout().message_updated(&deleted).await;
        Ok(Deleted {
            message: deleted,
            image: message.image,
        })
    }

    /// Message `id` of `room`, unless it is unknown or deleted, or the room
    /// is one `actor` may not read.
    async fn live_message(
        &self,
        actor: Reader<'_>,
        room: &RoomName,
        id: i64,
    ) -> Result<ChatMessage, Error> {
        self.readable_room(actor, room).await?;
        match self.store().message(room, id).await? {
            Some(message) if !message.deleted => Ok(message),
            _ => Err(not_found(id)),
        }
    }
}

/// No such message in the room, or it was deleted already.
fn not_found(id: i64) -> Error {
    Error::not_found(format!("no message {id} in this room"))
}
