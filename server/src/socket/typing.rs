//! `typing`: relayed to the rest of the room (never stored, never echoed to
//! the typer), throttled per user, and ended by itself when it goes stale.

use super::auth::Identity;
use super::reply::{invalid, joined_room, limit, respond};
use super::state::SocketState;
use app::events::{Done, TypingRequest};
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};
use std::time::Instant;

/// Tells the others in the room that the user started or stopped typing.
pub async fn typing(
    socket: SocketRef,
    Extension(Identity(me)): Extension<Identity>,
    State(sockets): State<SocketState>,
    TryData(request): TryData<TypingRequest>,
    ack: AckSender,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        let request = request.map_err(invalid)?;
        let room = joined_room(&socket, &request.room)?;
        let board = sockets.live.typing();
        let relay = if request.typing {
            board.started(room.as_str(), me.as_str(), Instant::now())
        } else {
            board.stopped(room.as_str(), me.as_str())
        };
        sockets
            .live
            .relay_typing(Some(socket.id), room.as_str(), me.as_str(), relay)
            .await;
        Ok(Done {})
    };
    respond(ack, outcome.await);
}
