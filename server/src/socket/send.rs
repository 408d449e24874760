//! `send_message`: rate-limited here, then posted through the core's one
//! path (validate, store, deliver), and acknowledged once stored.

use super::auth::Identity;
use super::reply::{invalid, joined_room, limit, posting_failed, respond};
use super::state::SocketState;
use app::events::{AckError, SendMessageReply, SendMessageRequest};
use chat_core::{Chat, Origin};
use protocol::names::Username;
use socketioxide::ParserError;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

/// Stores a message from the socket's user and sends it to the room.
pub async fn send_message(
    socket: SocketRef,
    Extension(Identity(me)): Extension<Identity>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState>,
    TryData(request): TryData<SendMessageRequest>,
    ack: AckSender,
) {
    let outcome = async {
        limit(&sockets, sockets.sends_per_connection.check(socket.id))?;
        limit(&sockets, sockets.sends_per_user.check(me.to_string()))?;
        post(&socket, &me, &chat, request).await
    };
    respond(ack, outcome.await);
}

async fn post(
    socket: &SocketRef,
    me: &Username,
    chat: &Chat,
    request: Result<SendMessageRequest, ParserError>,
) -> Result<SendMessageReply, AckError> {
    let request = request.map_err(invalid)?;
    let room = joined_room(socket, &request.room)?;
    let draft = chat
        .draft(room, Some(&request.content), request.client_id.as_deref())
        .map_err(posting_failed)?;
    let posted = chat
        .post_message(me, draft, Origin::Socket(socket.id))
        .await
        .map_err(posting_failed)?;
    Ok(SendMessageReply {
        message: posted.message,
    })
}
