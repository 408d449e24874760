//! `typing`: relayed to the rest of the room (never stored, never echoed to
//! the typer), throttled per user, and ended by itself when it goes stale.

use super::auth::Identity;
use super::reply::{invalid, joined_room, limit, respond};
use super::state::SocketState;
use super::typing_board::{Expiry, Relay};
use app::events::{self, Done, TypingNotice, TypingRequest};
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
        let relay = if request.typing {
            sockets
                .typing
                .started(room.as_str(), me.as_str(), Instant::now())
        } else {
            sockets.typing.stopped(room.as_str(), me.as_str())
        };
        relay_typing(&socket, &sockets, room.as_str(), me.as_str(), relay).await;
        Ok(Done {})
    };
    respond(ack, outcome.await);
}

/// Tells the room about a change, and for a start, arms its expiry.
pub async fn relay_typing(
    socket: &SocketRef,
    sockets: &SocketState,
    room: &str,
    user: &str,
    relay: Relay,
) {
    let typing = match relay {
        Relay::Start => true,
        Relay::Stop => false,
        Relay::Quiet => return,
    };
    announce(socket, room, user, typing).await;
    if typing {
        let (socket, board) = (socket.clone(), sockets.typing.clone());
        let (room, user) = (room.to_owned(), user.to_owned());
        tokio::spawn(async move {
            loop {
                match board.expire(&room, &user, Instant::now()) {
                    Expiry::CheckAt(when) => tokio::time::sleep_until(when.into()).await,
                    Expiry::Stop => return announce(&socket, &room, &user, false).await,
                    Expiry::Gone => return,
                }
            }
        });
    }
}

async fn announce(socket: &SocketRef, room: &str, user: &str, typing: bool) {
    let notice = TypingNotice {
        room: room.to_owned(),
        username: user.to_owned(),
        typing,
    };
    if let Err(e) = socket
        .to(room.to_owned())
        .emit(events::TYPING, &notice)
        .await
    {
        tracing::warn!(error = %e, "typing broadcast failed");
    }
}
