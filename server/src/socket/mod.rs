//! Socket.IO: authentication on connect, then one handler per event.

mod auth;
mod join;
mod presence;
mod reply;
mod send;
mod typing;

use app::events;
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::handler::ConnectHandler;

/// Registers the `/` namespace: only sockets with a valid session connect.
pub fn register(io: &SocketIo) {
    io.ns("/", on_connect.with(auth::authenticate));
}

async fn on_connect(socket: SocketRef) {
    socket.on(events::JOIN, join::join);
    socket.on(events::LEAVE, join::leave);
    socket.on(events::SEND_MESSAGE, send::send_message);
    socket.on(events::TYPING, typing::typing);
    socket.on_disconnect(presence::on_disconnect);
}
