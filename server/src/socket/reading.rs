//! `mark_read`: a person's marker in a room moves forward, and their other
//! connections (on every node) hear of it.

use super::auth::{Identity, Standing};
use super::reply::{invalid, limit, refused, respond, room_name};
use super::state::SocketState;
use chat_core::{Chat, Origin};
use protocol::rooms::MarkReadRequest;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

pub async fn mark_read<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    Extension(standing): Extension<Standing>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<MarkReadRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        let request = request.map_err(invalid)?;
        let room = room_name(&request.room)?;
        chat.mark_read(
            standing.reader(&me),
            &room,
            request.id,
            Origin::Socket(socket.id),
        )
        .await
        .map_err(refused)
    };
    respond(ack, outcome.await);
}
