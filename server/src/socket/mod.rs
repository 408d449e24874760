//! Socket.IO: authentication on connect, then one handler per event.

mod auth;
mod changes;
mod disconnect;
mod handshakes;
mod join;
mod live;
mod nodes;
mod reading;
mod reply;
mod request_head;
mod sanctions;
mod send;
mod state;
mod typing;

pub use handshakes::{Handshakes, limit_handshakes};
pub use live::{LiveRooms, keep_room_lists, sweep as sweep_ended_sessions};
pub use nodes::keep_in_touch;
pub use request_head::own_request_head;
pub use state::SocketState;

use auth::{Identity, SessionId};
use chat_core::metrics::Metrics;
use protocol::{events, rooms};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State};
use socketioxide::handler::ConnectHandler;
use socketioxide_core::adapter::DefinedAdapter;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How long an Engine.IO session may stay open without signing in to the
/// namespace (the library's default is 45 s).
pub const SIGN_IN_TIMEOUT: Duration = Duration::from_secs(10);

/// Each WebSocket's read buffer. Chat frames are a few hundred bytes, and
/// the buffer grows for a larger one, so 1 KiB (the library's default is 4)
/// reads nearly every frame in one call while idle connections stay small.
pub const WS_READ_BUFFER: usize = 1024;

/// The largest Socket.IO packet accepted, over WebSocket or polling, before
/// or after sign-in: room for the longest message even if every character
/// were sent as a JSON escape pair (`\ud83d\ude00`, 12 bytes), and never
/// less than 64 KiB. The library's default is 64 MiB.
pub fn packet_limit(message_max_chars: usize) -> usize {
    message_max_chars
        .saturating_mul(12)
        .saturating_add(4 * 1024)
        .max(64 * 1024)
}

/// Registers the `/` namespace: only sockets with a valid session connect.
///
/// The event handlers are attached in a middleware, not in the connect
/// handler: socketioxide confirms the connection to the client before it
/// runs the (spawned) connect handler, so an event sent the moment the
/// client sees the confirmation could otherwise find no handler and vanish.
/// Middlewares run before the confirmation; the last one added runs first.
pub fn register<A: Adapter + DefinedAdapter>(io: &SocketIo<A>) -> A::InitRes {
    io.ns(
        "/",
        on_connect
            .with(attach_handlers)
            .with(auth::limit_connections)
            .with(auth::authenticate),
    )
}

async fn attach_handlers<A: Adapter>(
    socket: SocketRef<A>,
    State(sockets): State<SocketState<A>>,
) -> Result<(), std::convert::Infallible> {
    Metrics::bump(&sockets.metrics.sockets_opened);
    sockets.metrics.sockets_open.fetch_add(1, Ordering::Relaxed);
    socket.on(events::JOIN, join::join);
    socket.on(events::LEAVE, join::leave);
    socket.on(events::SEND_MESSAGE, send::send_message);
    socket.on(events::TYPING, typing::typing);
    socket.on(events::EDIT_MESSAGE, changes::edit_message);
    socket.on(events::DELETE_MESSAGE, changes::delete_message);
    socket.on(rooms::MARK_READ, reading::mark_read);
    socket.on(events::MUTE, sanctions::mute);
    socket.on(events::BAN, sanctions::ban);
    socket.on_disconnect(disconnect::on_disconnect);
    // Each person's connections share a room: a ban reaches all of them;
    // and each session's: signing it out closes them.
    if let Some(Identity(me)) = socket.extensions.get::<Identity>() {
        socket.join(live::person_room(me.as_str()));
        // Its rooms' counts come to it from now on.
        sockets.live.connection_opened(socket.id, me.as_str());
    }
    if let Some(SessionId(id)) = socket.extensions.get::<SessionId>() {
        socket.join(live::session_room(&id));
        sockets.live.sessions().opened(&id);
    }
    if let Some(node_room) = sockets.live.node_room() {
        socket.join(node_room);
    }
    Ok(())
}

async fn on_connect<A: Adapter>(socket: SocketRef<A>) {
    tracing::debug!(sid = %socket.id, "socket connected");
}
