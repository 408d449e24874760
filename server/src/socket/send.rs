//! `send_message`: rate-limited here, then posted through the core's one
//! path (validate, store, deliver), and acknowledged once stored.
//!
//! Only sends that are stored (or found stored) spend the send allowance;
//! a refused one gives its tokens back, and one refused for the client's own
//! mistake spends the connection's general event allowance instead, so
//! garbage stays bounded without costing the sender (or anyone signed in
//! under the same name) their messages.

use super::auth::{Identity, SessionId};
use super::reply::{invalid, joined_room, limit, refused, respond};
use super::state::SocketState;
use chat_core::{Chat, Origin};
use protocol::events::{AckError, ErrorCode, SendMessageReply, SendMessageRequest};
use protocol::names::Username;
use socketioxide::ParserError;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

/// Stores a message from the socket's user and sends it to the room.
pub async fn send_message<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    Extension(SessionId(session)): Extension<SessionId>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<SendMessageRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.sends_per_connection.check(socket.id))?;
        if let Err(refused) = limit(&sockets, sockets.sends_per_session.check(&session).await) {
            sockets.sends_per_connection.refund(&socket.id);
            return Err(refused);
        }
        let posted = post(&socket, &me, &chat, request).await;
        if let Err(refused) = &posted {
            sockets.sends_per_connection.refund(&socket.id);
            sockets.sends_per_session.refund(&session).await;
            // The client's own mistakes are bounded like any other event;
            // the server's (`unavailable`) cost it nothing.
            if refused.code != ErrorCode::Unavailable {
                limit(&sockets, sockets.events_per_connection.check(socket.id))?;
            }
        }
        posted
    };
    respond(ack, outcome.await);
}

async fn post<A: Adapter>(
    socket: &SocketRef<A>,
    me: &Username,
    chat: &Chat,
    request: Result<SendMessageRequest, ParserError>,
) -> Result<SendMessageReply, AckError> {
    let request = request.map_err(invalid)?;
    let room = joined_room(socket, &request.room)?;
    let draft = chat
        .draft(room, Some(&request.content), request.client_id.as_deref())
        .map_err(refused)?;
    let posted = chat
        .post_message(me, draft, Origin::Socket(socket.id))
        .await
        .map_err(refused)?;
    Ok(SendMessageReply {
        message: posted.message,
    })
}
