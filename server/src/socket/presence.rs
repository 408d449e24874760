//! Who is in a room, from the sockets joined to it.

use super::auth::Identity;
use super::state::SocketState;
use crate::net::ClientIp;
use app::events::{self, Presence};
use socketioxide::extract::SocketRef;
use socketioxide::extract::State;
use socketioxide::socket::Sid;

/// The distinct names of the sockets in `room` (sorted), leaving out the
/// socket `except` (one that is on its way out).
pub fn online(socket: &SocketRef, room: &str, except: Option<Sid>) -> Vec<String> {
    let mut names: Vec<String> = socket
        .within(room.to_owned())
        .sockets()
        .into_iter()
        .filter(|s| Some(s.id) != except)
        .filter_map(|s| s.extensions.get::<Identity>())
        .map(|Identity(name)| name.to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Tells a room that `name` left, unless another of their tabs is still in it.
pub async fn announce_departure(socket: &SocketRef, room: &str, name: &str) {
    let online = online(socket, room, Some(socket.id));
    if online.iter().any(|n| n == name) {
        return;
    }
    let presence = Presence {
        room: room.to_owned(),
        online,
        joined: None,
        left: Some(name.to_owned()),
    };
    if let Err(e) = socket
        .to(room.to_owned())
        .emit(events::PRESENCE, &presence)
        .await
    {
        tracing::warn!(error = %e, "presence broadcast failed");
    }
}

/// On disconnect, every room the socket was in hears that its user left
/// (unless another of their tabs is still there), and their typing ends.
pub async fn on_disconnect(socket: SocketRef, State(sockets): State<SocketState>) {
    let ip = socket.extensions.get::<ClientIp>().map(|ClientIp(ip)| ip);
    sockets.forget_connection(socket.id, ip);
    sockets
        .metrics
        .sockets_open
        .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    let Some(Identity(name)) = socket.extensions.get::<Identity>() else {
        return;
    };
    for room in socket.rooms() {
        if online(&socket, &room, Some(socket.id))
            .iter()
            .any(|n| n == name.as_str())
        {
            continue;
        }
        sockets
            .live
            .typing_ended(Some(socket.id), &room, name.as_str())
            .await;
        announce_departure(&socket, &room, name.as_str()).await;
    }
}
