//! A Socket.IO client that speaks the wire protocol itself: Engine.IO v4
//! over a WebSocket, Socket.IO v5 packets. The load generator must cost far
//! less than the servers it measures, and hold 100,000 connections beside
//! them; a full client (its own tasks, timers, reconnection, a JSON parse of
//! every packet) would not. Here a connection is one task and a 4 KiB read
//! buffer, and a delivery is timed without parsing its JSON.

use super::clock::Recorder;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// One signed-in Socket.IO connection.
pub struct Conn {
    out: mpsc::UnboundedSender<Message>,
    acks: mpsc::UnboundedReceiver<String>,
    next_ack: u64,
}

impl Conn {
    /// Connects from `from` (a loopback address, so many connections do
    /// not run out of one address's ports) to `server` and signs in to the
    /// default namespace with `token`. Every `message` event it receives is
    /// timed by `recorder`.
    pub async fn connect(
        server: SocketAddr,
        from: IpAddr,
        token: &str,
        recorder: Option<Arc<Recorder>>,
    ) -> Result<Conn, Error> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(from, 0))?;
        let stream = socket.connect(server).await?;
        stream.set_nodelay(true)?;
        let url = format!("ws://{server}/socket.io/?EIO=4&transport=websocket");
        let config = WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0);
        let (mut ws, _) =
            tokio_tungstenite::client_async_with_config(url, stream, Some(config)).await?;

        let open = next_text(&mut ws).await?;
        if !open.starts_with('0') {
            return Err(format!("expected an Engine.IO open packet, got {open:?}").into());
        }
        let connect = format!("40{}", json!({ "token": token }));
        ws.send(Message::text(connect)).await?;
        loop {
            let packet = next_text(&mut ws).await?;
            match packet.as_bytes() {
                [b'4', b'0', ..] => break,
                [b'4', b'4', ..] => return Err(format!("connection refused: {packet}").into()),
                b"2" => ws.send(Message::text("3")).await?,
                _ => {}
            }
        }

        let (out, outgoing) = mpsc::unbounded_channel();
        let (answered, acks) = mpsc::unbounded_channel();
        tokio::spawn(pump(ws, outgoing, answered, recorder));
        Ok(Conn {
            out,
            acks,
            next_ack: 0,
        })
    }

    /// Sends `event` with `payload`, asking for an ack (read it with
    /// [`Conn::ack`]).
    pub fn emit(&mut self, event: &str, payload: &Value) -> Result<(), Error> {
        let id = self.next_ack;
        self.next_ack += 1;
        let packet = format!("42{id}[\"{event}\",{payload}]");
        self.out
            .send(Message::text(packet))
            .map_err(|_| "the connection closed")?;
        Ok(())
    }

    /// The next ack, in the order they arrive: its payload's first value
    /// as raw JSON.
    pub async fn ack(&mut self) -> Result<String, Error> {
        self.acks
            .recv()
            .await
            .ok_or_else(|| "the connection closed".into())
    }

    /// Sends `event` and waits for its ack, parsed.
    pub async fn call(&mut self, event: &str, payload: &Value) -> Result<Value, Error> {
        self.emit(event, payload)?;
        let ack: Value = serde_json::from_str(&self.ack().await?)?;
        if ack["ok"] != true {
            return Err(format!("{event} refused: {ack}").into());
        }
        Ok(ack)
    }
}

/// Moves packets both ways until either side closes: answers pings, hands
/// acks to the connection's owner and times deliveries (and the
/// `room_activity` that tells a sidebar of them).
async fn pump(
    mut ws: WebSocketStream<TcpStream>,
    mut outgoing: mpsc::UnboundedReceiver<Message>,
    answered: mpsc::UnboundedSender<String>,
    recorder: Option<Arc<Recorder>>,
) {
    // The newest message each room's `room_activity` has told of.
    let mut told = std::collections::HashMap::new();
    loop {
        tokio::select! {
            packet = outgoing.recv() => match packet {
                Some(packet) => {
                    if ws.send(packet).await.is_err() {
                        return;
                    }
                }
                None => {
                    let _ = ws.close(None).await;
                    return;
                }
            },
            incoming = ws.next() => {
                let Some(Ok(Message::Text(text))) = incoming else {
                    if matches!(incoming, Some(Ok(_))) {
                        continue;
                    }
                    return;
                };
                let text = text.as_str();
                if text == "2" {
                    if ws.send(Message::text("3")).await.is_err() {
                        return;
                    }
                } else if text.starts_with("42[\"message\"") {
                    if let Some(recorder) = &recorder {
                        recorder.delivered(text);
                    }
                } else if text.starts_with("42[\"room_activity\"") {
                    if let Some(recorder) = &recorder {
                        recorder.announced(text, &mut told);
                    }
                } else if let Some(rest) = text.strip_prefix("43") {
                    // `43<id>[<payload>]`: keep the payload.
                    let payload = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                    let payload = payload.strip_prefix('[').and_then(|p| p.strip_suffix(']'));
                    let _ = answered.send(payload.unwrap_or_default().to_owned());
                }
            }
        }
    }
}

async fn next_text(ws: &mut WebSocketStream<TcpStream>) -> Result<String, Error> {
    loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => return Ok(text.as_str().to_owned()),
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.into()),
            None => return Err("the server closed the connection".into()),
        }
    }
}
