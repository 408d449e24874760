//! `join` and `leave`.

use super::auth::{Identity, Standing};
use super::reply::{
    counted, invalid, joined_room, limit, refused, respond, room_name, unavailable,
};
use super::state::SocketState;
use crate::net::ClientIp;
use chat_core::{Chat, Reader};
use protocol::events::{AckError, Done, JoinReply, JoinRequest, LeaveRequest, Presence};
use socketioxide::ParserError;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};

/// Joins a room and answers with the messages the client lacks.
// Each argument is an extractor socketioxide fills in.
#[allow(clippy::too_many_arguments)]
pub async fn join<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    Extension(standing): Extension<Standing>,
    Extension(ClientIp(client)): Extension<ClientIp>,
    State(chat): State<Chat>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<JoinRequest>,
    ack: AckSender<A>,
) {
    let outcome = match limit(&sockets, sockets.events_per_connection.check(socket.id)) {
        Ok(()) => {
            let reader = standing.reader(&me);
            join_room(&socket, reader, client, &chat, &sockets, request).await
        }
        Err(refused) => Err(refused),
    };
    respond(ack, outcome);
}

async fn join_room<A: Adapter>(
    socket: &SocketRef<A>,
    reader: Reader<'_>,
    client: std::net::IpAddr,
    chat: &Chat,
    sockets: &SocketState<A>,
    request: Result<JoinRequest, ParserError>,
) -> Result<JoinReply, AckError> {
    let request = request.map_err(invalid)?;
    let room = room_name(&request.room)?;
    // A member from now on (if not already): the room is in their list,
    // and its messages are pushed to their devices while they are away.
    let entered = chat
        .enter_room(reader, &room, client)
        .await
        .map_err(|e| counted(sockets, refused(e)))?;
    let me = reader.username.as_str();

    let mut online = sockets.live.online(room.as_str(), None).await;
    let already_here = online.iter().any(|n| n == me);
    // Join before reading, so a message stored meanwhile arrives as an event
    // (the client drops the duplicate by id) instead of falling in between.
    socket.join(room.to_string());
    sockets.live.viewing(socket.id, me, room.as_str(), true);
    sockets.live.arrived(room.as_str(), me).await;

    let (store, limits) = (chat.store(), chat.limits());
    // With `since`: every message after it, and every older one changed
    // since it was stored, unless there are too many of either to replay;
    // then the client starts again from the newest page and scrolls back
    // for the rest.
    let missed = match request.since {
        Some(since) => {
            let (new, changed) = tokio::try_join!(
                store.page_after(&room, since, limits.catch_up_max),
                store.changes_since(&room, since, limits.catch_up_max),
            )
            .map_err(unavailable)?;
            Some((new, changed))
        }
        None => None,
    };
    let recovered = missed
        .as_ref()
        .is_none_or(|(new, changed)| !new.has_more && !changed.has_more);
    let (messages, updated) = match missed {
        Some((new, changed)) if recovered => (new.messages, changed.messages),
        _ => {
            let newest = store
                .page_before(&room, None, limits.page_size)
                .await
                .map_err(unavailable)?;
            (newest.messages, Vec::new())
        }
    };

    let muted_until = chat
        .muted_until(&room, me)
        .await
        .map_err(unavailable)?
        .map(|until| protocol::message::format_timestamp(&until));

    if !already_here {
        online.push(me.to_owned());
        online.sort();
        let notice = Presence {
            room: room.to_string(),
            online: online.clone(),
            joined: Some(me.to_owned()),
            left: None,
        };
        sockets.live.announce(Some(socket.id), &notice).await;
    }
    Ok(JoinReply {
        room: room.to_string(),
        messages,
        recovered,
        online,
        updated,
        read_up_to: entered.marker.map(|m| m.read_up_to),
        muted_until,
    })
}

/// Leaves a room.
pub async fn leave<A: Adapter>(
    socket: SocketRef<A>,
    Extension(Identity(me)): Extension<Identity>,
    State(sockets): State<SocketState<A>>,
    TryData(request): TryData<LeaveRequest>,
    ack: AckSender<A>,
) {
    let outcome = async {
        limit(&sockets, sockets.events_per_connection.check(socket.id))?;
        let request = request.map_err(invalid)?;
        let room = joined_room(&socket, &request.room)?;
        let (room, me) = (room.as_str(), me.as_str());
        sockets.live.typing_ended(Some(socket.id), room, me).await;
        sockets.live.departed(socket.id, room, me).await;
        socket.leave(room.to_owned());
        sockets.live.viewing(socket.id, me, room, false);
        Ok(Done {})
    };
    respond(ack, outcome.await);
}
