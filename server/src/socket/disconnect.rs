//! What a closed connection leaves behind: its allowances and its
//! address's slot are given back, and every room it was in hears that its
//! user left (unless another of their tabs is still there).

use super::auth::{Identity, SessionId};
use super::live::is_chat_room;
use super::state::SocketState;
use crate::net::ClientIp;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State};
use std::sync::atomic::Ordering;

pub async fn on_disconnect<A: Adapter>(
    socket: SocketRef<A>,
    State(sockets): State<SocketState<A>>,
) {
    let ip = socket.extensions.get::<ClientIp>().map(|ClientIp(ip)| ip);
    sockets.forget_connection(socket.id, ip);
    sockets.metrics.sockets_open.fetch_sub(1, Ordering::Relaxed);
    if let Some(SessionId(id)) = socket.extensions.get::<SessionId>() {
        sockets.live.sessions().closed(&id);
    }
    let Some(Identity(name)) = socket.extensions.get::<Identity>() else {
        return;
    };
    sockets.live.connection_closed(socket.id, name.as_str());
    for room in socket.rooms().into_iter().filter(|r| is_chat_room(r)) {
        sockets.live.departed(socket.id, &room, name.as_str()).await;
    }
}
