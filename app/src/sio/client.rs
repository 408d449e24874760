//! The browser's Socket.IO client: one session at a time, on a WebSocket or
//! (where none can be opened) on long-polling upgraded to a WebSocket when
//! it can be; reconnected with jittered exponential backoff; acks resolved
//! as futures.
//!
//! The session cookie rides along with the handshake, so the client sends
//! no credentials of its own.

use super::link::{self, Endpoint, Link, Socket};
use super::packet::{EnginePacket, SocketPacket};
use super::{Status, Transport};
use crate::events::{REFUSED_BANNED, REFUSED_SESSION_ENDED, REFUSED_UNAUTHORIZED};
use futures::channel::{mpsc, oneshot};
use futures::future::{Fuse, LocalBoxFuture};
use futures::{FutureExt, StreamExt, select};
use gloo_timers::future::TimeoutFuture;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// Why an emit got no ack.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmitError {
    #[error("not connected")]
    NotConnected,
    #[error("the connection dropped before the server answered")]
    Dropped,
    #[error("the server did not answer in time")]
    TimedOut,
}

/// Receives a server event's name and arguments.
pub type EventHandler = Box<dyn Fn(&str, Vec<Value>)>;

/// What the application hears from the client.
pub struct Handlers {
    /// Every status change.
    pub on_status: Box<dyn Fn(Status)>,
    /// Each time the namespace connection is (re-)established.
    pub on_connect: Box<dyn Fn(SocketClient)>,
    /// A server event with its arguments.
    pub on_event: EventHandler,
    /// The transport of each new session, and of an upgrade.
    pub on_transport: Box<dyn Fn(Transport)>,
}

struct Inner {
    endpoint: Endpoint,
    /// A WebSocket could not be opened but polling worked: sessions start
    /// on polling (and try to upgrade) until an upgrade succeeds.
    start_on_polling: Cell<bool>,
    handlers: Handlers,
    outbox: RefCell<Option<mpsc::UnboundedSender<String>>>,
    acks: RefCell<HashMap<u64, oneshot::Sender<Vec<Value>>>>,
    next_ack_id: Cell<u64>,
}

/// A handle to the connection; cheap to clone.
#[derive(Clone)]
pub struct SocketClient(Rc<Inner>);

const BACKOFF_START_MS: f64 = 500.0;
const BACKOFF_MAX_MS: f64 = 30_000.0;

impl SocketClient {
    /// Connects to the Socket.IO endpoint of the site at `origin`
    /// (`http(s)://host`) and keeps reconnecting until refused.
    pub fn connect(origin: &str, handlers: Handlers) -> Self {
        let client = SocketClient(Rc::new(Inner {
            endpoint: Endpoint::of_origin(origin),
            start_on_polling: Cell::new(false),
            handlers,
            outbox: RefCell::new(None),
            acks: RefCell::new(HashMap::new()),
            next_ack_id: Cell::new(0),
        }));
        wasm_bindgen_futures::spawn_local(client.clone().run());
        client
    }

    /// Whether events can be sent right now.
    pub fn is_connected(&self) -> bool {
        self.0.outbox.borrow().is_some()
    }

    /// Emits `event` and waits up to `timeout_ms` for the server's ack.
    pub async fn emit_with_ack(
        &self,
        event: &str,
        data: Value,
        timeout_ms: u32,
    ) -> Result<Vec<Value>, EmitError> {
        let id = self.0.next_ack_id.get();
        self.0.next_ack_id.set(id.wrapping_add(1));
        let (tx, rx) = oneshot::channel();
        self.0.acks.borrow_mut().insert(id, tx);
        if let Err(e) = self.send(SocketPacket::event(event, Some(id), vec![data])) {
            self.0.acks.borrow_mut().remove(&id);
            return Err(e);
        }
        select! {
            reply = rx.fuse() => reply.map_err(|_| EmitError::Dropped),
            _ = TimeoutFuture::new(timeout_ms).fuse() => {
                self.0.acks.borrow_mut().remove(&id);
                Err(EmitError::TimedOut)
            }
        }
    }

    /// Emits `event` without waiting for an answer.
    pub fn emit(&self, event: &str, data: Value) -> Result<(), EmitError> {
        self.send(SocketPacket::event(event, None, vec![data]))
    }

    fn send(&self, packet: SocketPacket) -> Result<(), EmitError> {
        let frame = EnginePacket::Message(packet.encode()).encode();
        let outbox = self.0.outbox.borrow();
        let outbox = outbox.as_ref().ok_or(EmitError::NotConnected)?;
        outbox
            .unbounded_send(frame)
            .map_err(|_| EmitError::NotConnected)
    }

    async fn run(self) {
        let mut failures = 0u32;
        loop {
            (self.0.handlers.on_status)(Status::Connecting);
            let outcome = self.session(&mut failures).await;
            // Whatever was in flight will never be answered on this connection.
            self.0.outbox.borrow_mut().take();
            self.0.acks.borrow_mut().clear();
            match outcome {
                // Without a valid session, or while banned, no retry can
                // succeed.
                Ended::Refused(reason) if reason.starts_with(REFUSED_UNAUTHORIZED) => {
                    (self.0.handlers.on_status)(Status::Refused(reason));
                    return;
                }
                Ended::Refused(reason) if reason.starts_with(REFUSED_SESSION_ENDED) => {
                    (self.0.handlers.on_status)(Status::SignedOut);
                    return;
                }
                Ended::Refused(reason) if reason.starts_with(REFUSED_BANNED) => {
                    (self.0.handlers.on_status)(Status::Banned(reason));
                    return;
                }
                // A limit (too many connections from this network): it
                // lifts as others close, so try again, less often.
                Ended::Refused(reason) => {
                    (self.0.handlers.on_status)(Status::TurnedAway(reason));
                    failures = failures.max(3);
                }
                Ended::Lost => (self.0.handlers.on_status)(Status::Offline),
            }
            failures = failures.saturating_add(1);
            TimeoutFuture::new(backoff_ms(failures)).await;
        }
    }

    /// Opens a session: on a WebSocket, or on polling when none can be
    /// opened (or none could be before).
    async fn open(&self) -> Option<(Link, super::packet::OpenInfo)> {
        let endpoint = &self.0.endpoint;
        if !self.0.start_on_polling.get()
            && let Some(opened) = Link::websocket(endpoint).await
        {
            return Some(opened);
        }
        let opened = Link::polling(endpoint).await?;
        self.0.start_on_polling.set(true);
        Some(opened)
    }

    /// One session, from the handshake until it drops.
    async fn session(&self, failures: &mut u32) -> Ended {
        let Some((mut link, open)) = self.open().await else {
            return Ended::Lost;
        };
        (self.0.handlers.on_transport)(link.transport());
        let connect = SocketPacket::Connect {
            namespace: "/".into(),
            data: None,
        };
        if !link
            .send(&[EnginePacket::Message(connect.encode()).encode()])
            .await
        {
            return Ended::Lost;
        }
        let mut upgrade: Fuse<LocalBoxFuture<'_, Option<Socket>>> = if link.transport()
            == Transport::Polling
            && open.upgrades.iter().any(|u| u == "websocket")
        {
            link::probe(&self.0.endpoint, &open.sid)
                .boxed_local()
                .fuse()
        } else {
            Fuse::terminated()
        };

        // The server pings every `ping_interval`; silence past that plus
        // `ping_timeout` means the link is dead even if it looks open.
        let silence_ms = (open.ping_interval + open.ping_timeout).min(u32::MAX as u64) as u32;
        let (outbox, mut outgoing) = mpsc::unbounded::<String>();
        loop {
            let step = select! {
                frame = link.recv().fuse() => Step::Received(frame),
                out = outgoing.next() => Step::Send(out),
                probed = upgrade => Step::Probed(probed),
                _ = TimeoutFuture::new(silence_ms).fuse() => Step::Received(None),
            };
            match step {
                Step::Received(Some(text)) => {
                    if let Some(ended) = self.handle(&mut link, &text, &outbox, failures).await {
                        return ended;
                    }
                }
                Step::Received(None) | Step::Send(None) => return Ended::Lost,
                Step::Send(Some(first)) => {
                    // Whatever else is waiting goes along (one request when
                    // polling).
                    let mut batch = vec![first];
                    while let Ok(more) = outgoing.try_recv() {
                        batch.push(more);
                    }
                    if !link.send(&batch).await {
                        return Ended::Lost;
                    }
                }
                Step::Probed(None) => {}
                Step::Probed(Some(socket)) => {
                    let Some(received) = link.upgrade(socket).await else {
                        return Ended::Lost;
                    };
                    self.0.start_on_polling.set(false);
                    (self.0.handlers.on_transport)(Transport::WebSocket);
                    for text in received {
                        if let Some(ended) = self.handle(&mut link, &text, &outbox, failures).await
                        {
                            return ended;
                        }
                    }
                }
            }
        }
    }

    /// Handles one Engine.IO packet from the server; `Some` when the
    /// session is over.
    async fn handle(
        &self,
        link: &mut Link,
        text: &str,
        outbox: &mpsc::UnboundedSender<String>,
        failures: &mut u32,
    ) -> Option<Ended> {
        match EnginePacket::decode(text) {
            Ok(EnginePacket::Ping(data)) => {
                if !link.send(&[EnginePacket::Pong(data).encode()]).await {
                    return Some(Ended::Lost);
                }
            }
            Ok(EnginePacket::Message(payload)) => match SocketPacket::decode(&payload) {
                Ok(SocketPacket::Connect { .. }) => {
                    *failures = 0;
                    self.0.outbox.replace(Some(outbox.clone()));
                    (self.0.handlers.on_status)(Status::Connected);
                    (self.0.handlers.on_connect)(self.clone());
                }
                Ok(SocketPacket::ConnectError { data, .. }) => {
                    let reason = data
                        .get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("connection refused")
                        .to_owned();
                    return Some(Ended::Refused(reason));
                }
                Ok(SocketPacket::Event { name, args, .. }) => {
                    (self.0.handlers.on_event)(&name, args);
                }
                Ok(SocketPacket::Ack { id, args, .. }) => {
                    if let Some(waiter) = self.0.acks.borrow_mut().remove(&id) {
                        let _ = waiter.send(args);
                    }
                }
                Ok(SocketPacket::Disconnect { .. }) => return Some(Ended::Lost),
                Err(e) => web_sys::console::warn_1(&format!("socket.io: {e}").into()),
            },
            Ok(EnginePacket::Close) => return Some(Ended::Lost),
            Ok(_) => {}
            Err(e) => web_sys::console::warn_1(&format!("engine.io: {e}").into()),
        }
        None
    }
}

/// What woke a session up.
enum Step {
    /// A packet from the server; `None` when the link is gone or silent.
    Received(Option<String>),
    /// Something to send; `None` never comes while the session holds the
    /// sending half.
    Send(Option<String>),
    /// The upgrade probe's outcome: a WebSocket the server answered on.
    Probed(Option<Socket>),
}

enum Ended {
    Lost,
    Refused(String),
}

/// Exponential backoff with full jitter, so a restarted server is not hit by
/// every client at the same instant.
fn backoff_ms(failures: u32) -> u32 {
    let ceiling = (BACKOFF_START_MS * 2f64.powi(failures.min(16) as i32)).min(BACKOFF_MAX_MS);
    (ceiling * (0.5 + js_sys::Math::random() / 2.0)) as u32
}
