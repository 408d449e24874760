//! The one path every message takes, whether sent over Socket.IO or
//! uploaded over HTTP: validate → dedupe by `client_id` → store → publish
//! (live, then as push notifications) → count.

use crate::Error;
use crate::chat::Chat;
use crate::fanout::Origin;
use crate::metrics::Metrics;
use crate::store::{NewMessage, StoreError};
use protocol::events::ErrorCode;
use protocol::message::{ChatMessage, ContentType};
use protocol::names::{BodyError, ClientId, MessageBody, RoomName, Username};

/// A message checked and ready to post: text, or an image with an
/// optional caption.
#[derive(Debug, Clone)]
pub struct Draft {
    room: RoomName,
    text: Option<MessageBody>,
    image: Option<String>,
    client_id: Option<ClientId>,
}

/// A posted message.
#[derive(Debug, Clone)]
pub struct Posted {
    pub message: ChatMessage,
    /// False when the same `client_id` had already been posted: `message`
    /// is that earlier one, and nothing new was stored or published.
    pub is_new: bool,
}

impl Chat {
    /// Validates a message's `text` (a text message's content, or an
    /// image's caption, which may be absent) and its `client_id`.
    pub fn draft(
        &self,
        room: RoomName,
        text: Option<&str>,
        client_id: Option<&str>,
    ) -> Result<Draft, Error> {
        let max = self.limits().message_max_chars;
        let text = match text.map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(MessageBody::parse(raw, max).map_err(body_refused)?),
        };
        let client_id = ClientId::parse(client_id).map_err(|e| Error::invalid(e.to_string()))?;
        Ok(Draft {
            room,
            text,
            image: None,
            client_id,
        })
    }

    /// The message `author` already posted under the draft's `client_id`,
    /// if any: lets an upload skip its image work on a retry.
    pub async fn find_posted(
        &self,
        author: &Username,
        draft: &Draft,
    ) -> Result<Option<ChatMessage>, StoreError> {
        match &draft.client_id {
            Some(id) => {
                self.store()
                    .find_by_client_id(&draft.room, author, id.as_str())
                    .await
            }
            None => Ok(None),
        }
    }

    /// Stores `draft` as `author`'s message, then (if it is new) delivers it
    /// to the room (except back to `origin`), ends the author's typing
    /// indicator and counts it. A retry of a stored `client_id` returns the
    /// stored message and does nothing else.
    pub async fn post_message(
        &self,
        author: &Username,
        draft: Draft,
        origin: Origin,
    ) -> Result<Posted, Error> {
        // While this pass is held, shutdown waits for the post to finish.
        let _in_flight = self.drain().enter().await?;
        if draft.text.is_none() && draft.image.is_none() {
            return Err(Error::invalid("message is empty"));
        }
        if let Some(until) = self.muted_until(&draft.room, author.as_str()).await? {
            return Err(Error::muted(until));
        }
        let content_type = match draft.image {
            Some(_) => ContentType::Image,
            None => ContentType::Text,
        };
        let inserted = self
            .store()
            .insert_message(NewMessage {
                room: &draft.room,
                username: author,
                content: draft.text.as_ref().map(MessageBody::as_str),
                image: draft.image.as_deref(),
                content_type,
                client_id: draft.client_id.as_ref().map(ClientId::as_str),
            })
            .await?;
        if let Some(seq) = inserted.seq {
            self.fanout()
                .message_posted(&inserted.message, seq, origin)
                .await;
            self.notifier().message_stored(&inserted.message);
            let metrics = self.metrics();
            Metrics::bump(&metrics.messages_stored);
            if content_type == ContentType::Image {
                Metrics::bump(&metrics.images_stored);
            }
        }
        Ok(Posted {
            message: inserted.message,
            is_new: inserted.is_new,
        })
    }
}

impl Draft {
    /// The room it goes to.
    pub fn room(&self) -> &RoomName {
        &self.room
    }

    /// Attaches a stored image (its public URL), making this an image message.
    pub fn with_image(mut self, url: String) -> Self {
        self.image = Some(url);
        self
    }
}

/// A message text that cannot be posted, as a refusal: `too_long` or
/// `invalid`.
pub(crate) fn body_refused(error: BodyError) -> Error {
    let code = match error {
        BodyError::TooLong { .. } => ErrorCode::TooLong,
        BodyError::Empty | BodyError::ControlCharacters => ErrorCode::Invalid,
    };
    Error::new(code, error.to_string())
}
