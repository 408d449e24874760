//! The transport under a Socket.IO session: a WebSocket, or long-polling
//! where a WebSocket cannot be opened, upgraded to a WebSocket once one
//! can be (Engine.IO's `2probe` / `3probe` / `5` exchange), as the official
//! clients do. Either carries Engine.IO text packets both ways.

use super::Transport;
use super::packet::{EnginePacket, OpenInfo};
use super::polling::Polling;
use futures::stream::{SplitSink, SplitStream};
use futures::{FutureExt, SinkExt, StreamExt, select};
use gloo_net::websocket::{Message, futures::WebSocket};
use gloo_timers::future::TimeoutFuture;

/// How long an upgrade's probe may take.
const PROBE_TIMEOUT_MS: u32 = 10_000;

/// Where the Socket.IO endpoint is, for either transport.
#[derive(Debug, Clone)]
pub(super) struct Endpoint {
    /// `ws(s)://host/socket.io/?EIO=4&transport=websocket`
    pub websocket: String,
    /// `http(s)://host/socket.io/?EIO=4&transport=polling`
    pub polling: String,
}

impl Endpoint {
    /// The endpoint of the site at `origin` (`http(s)://host`).
    pub(super) fn of_origin(origin: &str) -> Self {
        let ws_origin = origin
            .strip_prefix("https://")
            .map(|rest| format!("wss://{rest}"))
            .or_else(|| {
                origin
                    .strip_prefix("http://")
                    .map(|rest| format!("ws://{rest}"))
            })
            .unwrap_or_else(|| origin.to_owned());
        Endpoint {
            websocket: format!("{ws_origin}/socket.io/?EIO=4&transport=websocket"),
            polling: format!("{origin}/socket.io/?EIO=4&transport=polling"),
        }
    }
}

/// An open WebSocket.
pub(super) struct Socket {
    sink: SplitSink<WebSocket, Message>,
    stream: SplitStream<WebSocket>,
}

impl Socket {
    fn open(url: &str) -> Option<Socket> {
        let (sink, stream) = WebSocket::open(url).ok()?.split();
        Some(Socket { sink, stream })
    }

    async fn recv(&mut self) -> Option<String> {
        loop {
            match self.stream.next().await? {
                Ok(Message::Text(text)) => return Some(text),
                Ok(Message::Bytes(_)) => continue,
                Err(_) => return None,
            }
        }
    }

    async fn send(&mut self, packets: &[String]) -> bool {
        for packet in packets {
            if self.sink.send(Message::Text(packet.clone())).await.is_err() {
                return false;
            }
        }
        true
    }
}

/// A session's transport.
pub(super) enum Link {
    WebSocket(Socket),
    Polling(Polling),
}

impl Link {
    /// A WebSocket session, if one can be opened.
    pub(super) async fn websocket(endpoint: &Endpoint) -> Option<(Link, OpenInfo)> {
        let mut socket = Socket::open(&endpoint.websocket)?;
        let Ok(EnginePacket::Open(open)) = EnginePacket::decode(&socket.recv().await?) else {
            return None;
        };
        Some((Link::WebSocket(socket), open))
    }

    /// A long-polling session, if the server answers.
    pub(super) async fn polling(endpoint: &Endpoint) -> Option<(Link, OpenInfo)> {
        let (polling, open) = Polling::open(&endpoint.polling).await?;
        Some((Link::Polling(polling), open))
    }

    pub(super) fn transport(&self) -> Transport {
        match self {
            Link::WebSocket(_) => Transport::WebSocket,
            Link::Polling(_) => Transport::Polling,
        }
    }

    /// The next Engine.IO packet; `None` once the link is gone. Safe to
    /// drop before it completes: nothing is lost.
    pub(super) async fn recv(&mut self) -> Option<String> {
        match self {
            Link::WebSocket(socket) => socket.recv().await,
            Link::Polling(polling) => polling.recv().await,
        }
    }

    /// Sends `packets` in order; false when the link is gone.
    pub(super) async fn send(&mut self, packets: &[String]) -> bool {
        match self {
            Link::WebSocket(socket) => socket.send(packets).await,
            Link::Polling(polling) => polling.send(packets).await,
        }
    }

    /// Moves a polling session `sid` to a WebSocket, once the server has
    /// answered the probe over it: polling stops after the request under
    /// way, and the packets that request brought are returned to be
    /// handled first. `None` (polling goes on) when the probe fails.
    pub(super) async fn upgrade(&mut self, probe: Socket) -> Option<Vec<String>> {
        let Link::Polling(polling) = self else {
            return None;
        };
        polling.pause().await;
        let received = polling.take_received();
        let mut socket = probe;
        if !socket.send(&[EnginePacket::Upgrade.encode()]).await {
            return None;
        }
        *self = Link::WebSocket(socket);
        Some(received)
    }
}

/// Opens a WebSocket to session `sid` and checks that the server answers
/// it (`2probe` → `3probe`): the first half of an upgrade.
pub(super) async fn probe(endpoint: &Endpoint, sid: &str) -> Option<Socket> {
    let mut socket = Socket::open(&format!("{}&sid={sid}", endpoint.websocket))?;
    let answered = async {
        if !socket
            .send(&[EnginePacket::Ping("probe".into()).encode()])
            .await
        {
            return false;
        }
        matches!(
            socket.recv().await.map(|text| EnginePacket::decode(&text)),
            Some(Ok(EnginePacket::Pong(data))) if data == "probe"
        )
    };
    let answered = select! {
        answered = answered.fuse() => answered,
        _ = TimeoutFuture::new(PROBE_TIMEOUT_MS).fuse() => false,
    };
    answered.then_some(socket)
}
