//! Editing and deleting posted messages: who may, and the one path each
//! change takes (check → store → tell the room).

use crate::chat::Chat;
use crate::store::{Change, StoreError};
use protocol::message::{ChatMessage, ContentType};
use protocol::names::{BodyError, MessageBody, RoomName, Username};

/// Who asks for a change.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub username: &'a Username,
    /// Signed in as staff (rights confirmed).
    pub staff: bool,
}

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// No such message in the room, or it was deleted already.
    #[error("no message {0} in this room")]
    NotFound(i64),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    TooLong(String),
    /// The author is muted in the room until then.
    #[error("you are muted in this room until {}", protocol::message::format_timestamp(.0))]
    Muted(chrono::DateTime<chrono::Utc>),
    #[error("the server is restarting; try again")]
    ShuttingDown,
    #[error(transparent)]
    Store(#[from] StoreError),
}

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
        actor: Actor<'_>,
        room: &RoomName,
        id: i64,
        content: &str,
    ) -> Result<ChatMessage, ChangeError> {
        let _in_flight = self
            .drain()
            .enter()
            .await
            .ok_or(ChangeError::ShuttingDown)?;
        let body = MessageBody::parse(content.trim(), self.limits().message_max_chars).map_err(
            |e| match e {
                BodyError::TooLong { .. } => ChangeError::TooLong(e.to_string()),
                BodyError::Empty | BodyError::ControlCharacters => {
                    ChangeError::Invalid(e.to_string())
                }
            },
        )?;
        let message = self.live_message(room, id).await?;
        if message.username != actor.username.as_str() {
            return Err(ChangeError::Forbidden("only its author can edit a message"));
        }
        if let Some(until) = self.muted_until(room, actor.username.as_str()).await? {
            return Err(ChangeError::Muted(until));
        }
        if message.content_type == ContentType::Image {
            return Err(ChangeError::Invalid(
                "an image message cannot be edited".into(),
            ));
        }
        let change = Change::Edit {
            content: body.as_str(),
            at: crate::store::now_millis(),
        };
        let edited = self
            .store()
            .change_message(room, id, change)
            .await?
            .ok_or(ChangeError::NotFound(id))?;
        self.fanout().message_updated(&edited).await;
        Ok(edited)
    }

    /// Deletes a message: the author's own, or any for staff. It stays in
    /// its place as a tombstone.
    pub async fn delete_message(
        &self,
        actor: Actor<'_>,
        room: &RoomName,
        id: i64,
    ) -> Result<Deleted, ChangeError> {
        let _in_flight = self
            .drain()
            .enter()
            .await
            .ok_or(ChangeError::ShuttingDown)?;
        let message = self.live_message(room, id).await?;
        if message.username != actor.username.as_str() && !actor.staff {
            return Err(ChangeError::Forbidden(
                "only its author or staff can delete a message",
            ));
        }
        let deleted = self
            .store()
            .change_message(room, id, Change::Delete)
            .await?
            .ok_or(ChangeError::NotFound(id))?;
        self.fanout().message_updated(&deleted).await;
        Ok(Deleted {
            message: deleted,
            image: message.image,
        })
    }

    /// Message `id` of `room`, unless it is unknown or deleted.
    async fn live_message(&self, room: &RoomName, id: i64) -> Result<ChatMessage, ChangeError> {
        match self.store().message(room, id).await? {
            Some(message) if !message.deleted => Ok(message),
            _ => Err(ChangeError::NotFound(id)),
        }
    }
}
