//! The benchmark's second reference: what a team would write on socketioxide
//! alone for the same contract as `server.mjs` (`POST /api/login`, then
//! `join` and `send_message` with acks, `message` and `presence` to the
//! room). Messages live in memory only, and nothing is checked or limited:
//! beside this chat server it shows what storing and guarding cost on top
//! of the library, beside Node what the library itself costs.
//!
//! PORT (default 0) chooses the port; the first line on stdout is
//! `listening <port>`.

use axum::Json;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use socketioxide::SocketIo;
use socketioxide::extract::{AckSender, Extension, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Each room's last message id and its members with their tab counts.
#[derive(Clone, Default)]
struct Rooms(Arc<Mutex<HashMap<String, Room>>>);

#[derive(Default)]
struct Room {
    last_id: u64,
    members: HashMap<String, usize>,
}

/// The socket's user: the token is the name (no signing, as in `server.mjs`).
#[derive(Clone)]
struct Username(String);

#[derive(Deserialize)]
struct Login {
    username: String,
    room: String,
}

#[derive(Deserialize)]
struct Auth {
    token: String,
}

#[derive(Deserialize)]
struct Join {
    room: String,
}

#[derive(Deserialize)]
struct SendMessage {
    room: String,
    content: Value,
    client_id: Option<String>,
}

/// A stored message, in the contract's shape.
#[derive(Serialize)]
struct Message {
    id: u64,
    room: String,
    username: String,
    content: Value,
    image: Option<String>,
    content_type: &'static str,
    client_id: Option<String>,
    timestamp: String,
}

/// Acks, `ok` first as the contract's examples (and the load generator,
/// which reads only that far) have it.
#[derive(Serialize)]
struct Sent<'a> {
    ok: bool,
    message: &'a Message,
}

#[derive(Serialize)]
struct Joined {
    ok: bool,
    room: String,
    messages: [(); 0],
    recovered: bool,
    online: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("unauthorized")]
struct Unauthorized;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let (layer, io) = SocketIo::builder()
        .with_state(Rooms::default())
        .build_layer();
    io.ns("/", on_connect.with(authenticate));
    let app = axum::Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/api/login", post(login))
        .layer(layer);

    let port = std::env::var("PORT").unwrap_or_else(|_| "0".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("listening {}", listener.local_addr()?.port());
    // As Node does for every socket.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await
}

async fn login(Json(login): Json<Login>) -> Json<Value> {
    Json(json!({"token": login.username, "username": login.username, "room": login.room}))
}

async fn authenticate(socket: SocketRef, TryData(auth): TryData<Auth>) -> Result<(), Unauthorized> {
    let token = auth.map_err(|_| Unauthorized)?.token;
    if token.is_empty() {
        return Err(Unauthorized);
    }
    socket.extensions.insert(Username(token));
    // Here rather than in the connect handler, which socketioxide runs only
    // after confirming the connection: a `join` sent the moment the client
    // sees the confirmation would find no handler.
    socket.on("join", join);
    socket.on("send_message", send_message);
    socket.on_disconnect(leave_all);
    Ok(())
}

async fn on_connect() {}

async fn join(
    socket: SocketRef,
    Extension(Username(me)): Extension<Username>,
    State(rooms): State<Rooms>,
    TryData(request): TryData<Join>,
    ack: AckSender,
) {
    let Ok(Join { room: name }) = request else {
        let _ = ack.send(&json!({"ok": false, "error": {"code": "invalid"}}));
        return;
    };
    let (first_tab, online) = {
        let mut rooms = rooms.0.lock().unwrap();
        let room = rooms.entry(name.clone()).or_default();
        let tabs = room.members.entry(me.clone()).or_default();
        *tabs += 1;
        let first_tab = *tabs == 1;
        (first_tab, room.members.keys().cloned().collect::<Vec<_>>())
    };
    socket.join(name.clone());
    if first_tab {
        let presence = json!({"room": name, "online": online, "joined": me});
        let _ = socket.to(name.clone()).emit("presence", &presence).await;
    }
    let _ = ack.send(&Joined {
        ok: true,
        room: name,
        messages: [],
        recovered: false,
        online,
    });
}

async fn send_message(
    socket: SocketRef,
    Extension(Username(me)): Extension<Username>,
    State(rooms): State<Rooms>,
    TryData(request): TryData<SendMessage>,
    ack: AckSender,
) {
    let request = match request {
        Ok(request) if socket.rooms().iter().any(|r| *r == request.room) => request,
        _ => {
            let _ = ack.send(&json!({"ok": false, "error": {"code": "not_joined"}}));
            return;
        }
    };
    let id = {
        let mut rooms = rooms.0.lock().unwrap();
        let room = rooms.entry(request.room.clone()).or_default();
        room.last_id += 1;
        room.last_id
    };
    let message = Message {
        id,
        room: request.room,
        username: me,
        content: request.content,
        image: None,
        content_type: "text",
        client_id: request.client_id,
        timestamp: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    };
    let _ = socket
        .to(message.room.clone())
        .emit("message", &message)
        .await;
    let _ = ack.send(&Sent {
        ok: true,
        message: &message,
    });
}

async fn leave_all(
    socket: SocketRef,
    Extension(Username(me)): Extension<Username>,
    State(rooms): State<Rooms>,
) {
    for name in socket.rooms() {
        let online = {
            let mut rooms = rooms.0.lock().unwrap();
            let Some(room) = rooms.get_mut(name.as_ref()) else {
                continue;
            };
            let tabs = room.members.entry(me.clone()).or_default();
            *tabs = tabs.saturating_sub(1);
            if *tabs > 0 {
                continue;
            }
            room.members.remove(&me);
            room.members.keys().cloned().collect::<Vec<_>>()
        };
        let presence = json!({"room": name, "online": online, "left": me});
        let _ = socket.within(name).emit("presence", &presence).await;
    }
}
