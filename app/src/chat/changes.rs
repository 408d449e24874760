//! Editing and deleting messages from the room page: asked over the
//! socket; the line changes once the server says it did (and again, the
//! same, when `message_updated` arrives).

use super::live::Live;

impl Live {
    /// Replaces the text of the reader's message `id`; `Err` says why not.
    pub async fn edit(self, id: i64, content: String) -> Result<(), String> {
        #[cfg(feature = "hydrate")]
        {
            let request = crate::events::EditMessageRequest {
                room: self.room(),
                id,
                content,
            };
            self.change(&request.room, crate::events::EDIT_MESSAGE, &request)
                .await
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (self, id, content);
            Ok(())
        }
    }

    /// Deletes message `id` (the reader's own, or any for staff).
    pub async fn delete(self, id: i64) -> Result<(), String> {
        #[cfg(feature = "hydrate")]
        {
            let request = crate::events::DeleteMessageRequest {
                room: self.room(),
                id,
            };
            self.change(&request.room, crate::events::DELETE_MESSAGE, &request)
                .await
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (self, id);
            Ok(())
        }
    }

    #[cfg(feature = "hydrate")]
    async fn change(
        self,
        room: &str,
        event: &str,
        request: &impl serde::Serialize,
    ) -> Result<(), String> {
        use super::connection::{Failure, request_ack};
        use crate::events::MessageChanged;
        use leptos::prelude::*;
        let Some(client) = self.client.get_value() else {
            return Err("Not connected; try again in a moment.".into());
        };
        match request_ack::<MessageChanged>(&client, event, request).await {
            Ok(changed) => {
                self.in_room(room, |f| f.update(changed.message));
                Ok(())
            }
            Err(Failure::Refused(e)) => Err(e.message),
            Err(Failure::Link(_)) => Err("Not connected; try again in a moment.".into()),
            Err(Failure::Garbled(reason)) => Err(reason),
        }
    }
}
