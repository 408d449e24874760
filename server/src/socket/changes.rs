//! `edit_message` and `delete_message`: through the core's one path for
//! each, acknowledged with the message as it now is. The room need not be
//! joined: staff may moderate any room.

use super::auth::{Identity, Staff};
use super::reply::{invalid, limit, refused, respond, room_name};
use super::state::SocketState;
use crate::moderation;
use chat_core::{Actor, Chat};
use protocol::events::{DeleteMessageRequest, EditMessageRequest, MessageChanged};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, MaybeExtension, SocketRef, State, TryData};

pub async fn edit_message<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<EditMessageRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        let request = request.map_err(invalid)?;
        let room = room_name(&request.room)?;
        let actor = Actor {
            username: &me,
            // Only a message's author edits it, staff or not.
            staff: false,
        };
        let message = chat
            .edit_message(actor, &room, request.id, &request.content)
            .await
            .map_err(refused)?;
        Ok(MessageChanged { message })
    };
    respond(ack, outcome.await);
}

pub async fn delete_message<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
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
        let actor = Actor {
            username: &me,
            staff: Staff::confirmed(staff.as_ref(), &chat).await,
        };
        let message =
            moderation::delete_message(&chat, &sockets.media_dir, actor, &room, request.id)
                .await
                .map_err(refused)?;
        Ok(MessageChanged { message })
    };
    respond(ack, outcome.await);
}
