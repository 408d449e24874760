//! `join` and `leave`.

use super::auth::Identity;
use super::presence;
use super::reply::{invalid, joined_room, limit, opening_failed, respond, room_name, unavailable};
use super::state::SocketState;
use crate::net::ClientIp;
use app::events::{self, AckError, Done, JoinReply, JoinRequest, LeaveRequest, Presence};
use chat_core::Chat;
use socketioxide::ParserError;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

/// Joins a room and answers with the messages the client lacks.
pub async fn join(
    socket: SocketRef,
    Extension(Identity(me)): Extension<Identity>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState>,
    TryData(request): TryData<JoinRequest>,
    ack: AckSender,
) {
    let outcome = match limit(&sockets, sockets.events_per_connection.check(socket.id)) {
        Ok(()) => join_room(&socket, me.as_str(), client, &chat, &sockets, request).await,
        Err(refused) => Err(refused),
    };
    respond(ack, outcome);
}

async fn join_room(
    socket: &SocketRef,
    me: &str,
    client: std::net::IpAddr,
    chat: &Chat,
    sockets: &SocketState,
    request: Result<JoinRequest, ParserError>,
) -> Result<JoinReply, AckError> {
    let request = request.map_err(invalid)?;
    let room = room_name(&request.room)?;
    chat.open_room(&room, client)
        .await
        .map_err(|e| opening_failed(sockets, e))?;

    let already_here = presence::online(socket, room.as_str(), None)
        .iter()
        .any(|n| n == me);
    // Join before reading, so a message stored meanwhile arrives as an event
    // (the client drops the duplicate by id) instead of falling in between.
    socket.join(room.to_string());

    let (store, limits) = (chat.store(), chat.limits());
    // With `since`: every message after it, unless there are too many to
    // replay; then the client starts again from the newest page and scrolls
    // back for the rest.
    let missed = match request.since {
        Some(since) => Some(
            store
                .page_after(&room, since, limits.catch_up_max)
                .await
                .map_err(unavailable)?,
        ),
        None => None,
    };
    let recovered = missed.as_ref().is_none_or(|page| !page.has_more);
    let messages = match missed {
        Some(page) if recovered => page.messages,
        _ => {
            store
                .page_before(&room, None, limits.page_size)
                .await
                .map_err(unavailable)?
                .messages
        }
    };

    let online = presence::online(socket, room.as_str(), None);
    if !already_here {
        let notice = Presence {
            room: room.to_string(),
            online: online.clone(),
            joined: Some(me.to_owned()),
            left: None,
        };
        if let Err(e) = socket
            .to(room.to_string())
            .emit(events::PRESENCE, &notice)
            .await
        {
            tracing::warn!(error = %e, "presence broadcast failed");
        }
    }
    Ok(JoinReply {
        room: room.to_string(),
        messages,
        recovered,
        online,
    })
}

/// Leaves a room.
pub async fn leave(
    socket: SocketRef,
    Extension(Identity(me)): Extension<Identity>,
    State(sockets): State<SocketState>,
    TryData(request): TryData<LeaveRequest>,
    ack: AckSender,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        let request = request.map_err(invalid)?;
        let room = joined_room(&socket, &request.room)?;
        sockets
            .live
            .typing_ended(Some(socket.id), room.as_str(), me.as_str())
            .await;
        presence::announce_departure(&socket, room.as_str(), me.as_str()).await;
        socket.leave(room.to_string());
        Ok(Done {})
    };
    respond(ack, outcome.await);
}
