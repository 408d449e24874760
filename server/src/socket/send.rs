//! `send_message`: validate, store, acknowledge, broadcast — in that order,
//! so nothing is acknowledged or shown that is not stored.

use super::auth::Identity;
use super::reply::{invalid, joined_room, limit, respond, unavailable};
use super::state::SocketState;
use super::typing::relay_typing;
use crate::metrics::Metrics;
use app::events::{self, AckError, ErrorCode, SendMessageReply, SendMessageRequest};
use app::message::ContentType;
use app::names::{BodyError, ClientId, MessageBody};
use app::server::AppState;
use app::server::db::NewMessage;
use socketioxide::ParserError;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

/// Stores a message from the socket's user and sends it to the room.
pub async fn send_message(
    socket: SocketRef,
    Extension(Identity(me)): Extension<Identity>,
    State(state): State<AppState>,
    State(sockets): State<SocketState>,
    TryData(request): TryData<SendMessageRequest>,
    ack: AckSender,
) {
    // While this pass is held, shutdown waits for the send to finish.
    let Some(_in_flight) = sockets.drain.enter().await else {
        let restarting = AckError::new(
            ErrorCode::Unavailable,
            "the server is restarting; try again",
        );
        return respond::<SendMessageReply>(ack, Err(restarting));
    };
    let allowed = limit(&sockets, sockets.sends_per_connection.check(socket.id))
        .and_then(|()| limit(&sockets, sockets.sends_per_user.check(me.to_string())));
    let outcome = match allowed {
        Ok(()) => store(&socket, &me, &state, request).await,
        Err(refused) => Err(refused),
    };
    let stored = outcome.as_ref().ok().map(|reply| reply.message.clone());
    if stored.is_some() {
        Metrics::bump(&sockets.metrics.messages_stored);
    }
    respond(ack, outcome);
    // The sender has it from the ack; everyone else in the room (their
    // other tabs included) gets the event, and sees the typing end.
    if let Some(message) = stored {
        let room = message.room.clone();
        if let Err(e) = socket
            .to(room.clone())
            .emit(events::MESSAGE, &message)
            .await
        {
            tracing::warn!(error = %e, "message broadcast failed");
        }
        let relay = sockets.typing.stopped(&room, me.as_str());
        relay_typing(&socket, &sockets, &room, me.as_str(), relay).await;
    }
}

async fn store(
    socket: &SocketRef,
    me: &app::names::Username,
    state: &AppState,
    request: Result<SendMessageRequest, ParserError>,
) -> Result<SendMessageReply, AckError> {
    let request = request.map_err(invalid)?;
    let room = joined_room(socket, &request.room)?;
    let body = MessageBody::parse(&request.content, state.limits.message_max_chars).map_err(
        |e| match e {
            BodyError::Empty => AckError::new(ErrorCode::Invalid, e.to_string()),
            BodyError::TooLong { .. } => AckError::new(ErrorCode::TooLong, e.to_string()),
        },
    )?;
    let client_id = ClientId::parse(request.client_id.as_deref())
        .map_err(|e| AckError::new(ErrorCode::Invalid, e.to_string()))?;
    let message = state
        .db
        .insert_message(NewMessage {
            room: &room,
            username: me,
            content: Some(body.as_str()),
            image: None,
            content_type: ContentType::Text,
            client_id: client_id.as_ref().map(ClientId::as_str),
        })
        .await
        .map_err(unavailable)?;
    Ok(SendMessageReply { message })
}
