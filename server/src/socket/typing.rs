//! `typing`: relayed to the rest of the room (never stored, never echoed to
//! the typer), throttled per user, and ended by itself when it goes stale.

use super::auth::Identity;
use super::reply::{invalid, joined_room, limit, respond};
use super::state::SocketState;
use protocol::events::{Done, TypingRequest};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

/// Tells the others in the room that the user started or stopped typing.
pub async fn typing<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<TypingRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        let request = request.map_err(invalid)?;
        let room = joined_room(&socket, &request.room)?;
        let (from, room, me) = (Some(socket.id), room.as_str(), me.as_str());
        if request.typing {
            sockets.live.typing_started(from, room, me).await;
        } else {
            sockets.live.typing_ended(from, room, me).await;
        }
        Ok(Done {})
    };
    respond(ack, outcome.await);
}
