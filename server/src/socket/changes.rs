//! `edit_message` and `delete_message`: through the core's one path for
//! each, acknowledged with the message as it now is. The room need not be
//! joined: staff may moderate any room.

use super::auth::{Identity, Staff, Standing};
use super::reply::{invalid, limit, refused, respond, room_name};
use super::state::SocketState;
use crate::moderation;
use chat_core::{Chat, Reader};
use protocol::events::{DeleteMessageRequest, EditMessageRequest, MessageChanged};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, MaybeExtension, SocketRef, State, TryData};

pub async fn edit_message<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    Extension(standing): Extension<Standing>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<EditMessageRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        let request = request.map_err(invalid)?;
        let room = room_name(&request.room)?;
        let message = chat
            .edit_message(standing.reader(&me), &room, request.id, &request.content)
            .await
            .map_err(refused)?;
        Ok(MessageChanged { message })
    };
    respond(ack, outcome.await);
}

// Each argument is an extractor socketioxide fills in.
#[allow(clippy::too_many_arguments)]
pub async fn delete_message<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    Extension(standing): Extension<Standing>,
    MaybeExtension(staff): MaybeExtension<Staff>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<DeleteMessageRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        let request = request.map_err(invalid)?;
        let room = room_name(&request.room)?;
        let actor = Reader {
            staff: Staff::confirmed(staff.as_ref(), &chat).await,
            ..standing.reader(&me)
        };
        let message =
            moderation::delete_message(&chat, &sockets.media_dir, actor, &room, request.id)
                .await
                .map_err(refused)?;
        Ok(MessageChanged { message })
    };
    respond(ack, outcome.await);
}
