//! `typing`: relayed to the rest of the room, never stored or echoed.

use super::auth::Identity;
use super::reply::{invalid, joined_room, respond};
use app::events::{self, Done, TypingNotice, TypingRequest};
use socketioxide::extract::{AckSender, Extension, SocketRef, TryData};

/// Tells the others in the room that the user started or stopped typing.
pub async fn typing(
    socket: SocketRef,
    Extension(Identity(me)): Extension<Identity>,
    TryData(request): TryData<TypingRequest>,
    ack: AckSender,
) {
    let outcome = async {
        let request = request.map_err(invalid)?;
        let room = joined_room(&socket, &request.room)?;
        let notice = TypingNotice {
            room: room.to_string(),
            username: me.to_string(),
            typing: request.typing,
        };
        if let Err(e) = socket
            .to(room.to_string())
            .emit(events::TYPING, &notice)
            .await
        {
            tracing::warn!(error = %e, "typing broadcast failed");
        }
        Ok(Done {})
    };
    respond(ack, outcome.await);
}
