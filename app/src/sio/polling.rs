//! Engine.IO v4 long-polling, for networks whose proxies refuse WebSocket
//! upgrades: a `GET` that the server holds until it has packets (or its
//! next ping) brings what the server sends, and a `POST` carries what the
//! client sends. The server allows one of each at a time: one task keeps a
//! `GET` open, and sends are `POST`ed one batch after another.

use super::packet::{EnginePacket, OpenInfo};
use super::payload;
use crate::xhr;
use futures::StreamExt;
use futures::channel::{mpsc, oneshot};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use web_sys::XmlHttpRequest;

/// Longest a `POST` may take.
const POST_TIMEOUT_MS: u32 = 10_000;

/// A polling session: its `sid`, what arrived, and the poll under way.
pub(super) struct Polling {
    /// `…/socket.io/?EIO=4&transport=polling&sid=…`
    url: String,
    incoming: mpsc::UnboundedReceiver<String>,
    poller: Rc<Poller>,
    max_payload: usize,
    /// Requests made, for the `t` parameter that keeps caches out.
    requests: Rc<Cell<u64>>,
}

/// What the polling task and the session share.
#[derive(Default)]
struct Poller {
    /// Set to stop polling after the request under way.
    paused: Cell<bool>,
    /// Set when polling has ended, for whatever reason.
    ended: Cell<bool>,
    /// Told when polling has stopped.
    stopped: RefCell<Option<oneshot::Sender<()>>>,
    /// The `GET` under way, aborted when the session is dropped.
    current: RefCell<Option<XmlHttpRequest>>,
}

impl Polling {
    /// The handshake at `base` (`…/socket.io/?EIO=4&transport=polling`):
    /// the session and the server's `open` packet, or `None` when the
    /// server cannot be reached or refused.
    pub(super) async fn open(base: &str) -> Option<(Polling, OpenInfo)> {
        let requests = Rc::new(Cell::new(0));
        let xhr = XmlHttpRequest::new().ok()?;
        let reply = xhr::text(
            &xhr,
            "GET",
            &stamped(base, &requests),
            None,
            POST_TIMEOUT_MS,
        )
        .await?;
        if reply.status != 200 {
            return None;
        }
        let mut packets = payload::decode(&reply.body);
        let Ok(EnginePacket::Open(open)) = EnginePacket::decode(packets.next()?) else {
            return None;
        };
        let url = format!("{base}&sid={}", open.sid);
        let (tx, incoming) = mpsc::unbounded();
        for packet in packets {
            let _ = tx.unbounded_send(packet.to_owned());
        }
        let poller = Rc::new(Poller::default());
        // The server pings within `ping_interval`; a poll held longer than
        // that and `ping_timeout` means the link is dead.
        let poll_timeout = (open.ping_interval + open.ping_timeout).min(u32::MAX as u64) as u32;
        wasm_bindgen_futures::spawn_local(poll(
            url.clone(),
            tx,
            poller.clone(),
            requests.clone(),
            poll_timeout,
        ));
        let polling = Polling {
            url,
            incoming,
            poller,
            max_payload: match open.max_payload {
                0 => 1_000_000,
                bytes => bytes as usize,
            },
            requests,
        };
        Some((polling, open))
    }

    /// The next packet from the server; `None` once the session is gone.
    pub(super) async fn recv(&mut self) -> Option<String> {
        self.incoming.next().await
    }

    /// `POST`s `packets`, in as few payloads as the server's limit allows;
    /// false when one was not taken.
    pub(super) async fn send(&mut self, packets: &[String]) -> bool {
        let mut rest = packets;
        while !rest.is_empty() {
            let (body, taken) = payload::encode(rest, self.max_payload);
            let Ok(xhr) = XmlHttpRequest::new() else {
                return false;
            };
            let url = stamped(&self.url, &self.requests);
            match xhr::text(&xhr, "POST", &url, Some(&body), POST_TIMEOUT_MS).await {
                Some(reply) if reply.status == 200 => rest = &rest[taken..],
                _ => return false,
            }
        }
        true
    }

    /// Stops polling once the request under way is answered (the server
    /// answers it at once when a transport upgrade is under way); what it
    /// brought stays to be read with [`Self::take_received`].
    pub(super) async fn pause(&mut self) {
        if self.poller.ended.get() {
            return;
        }
        let (done, stopped) = oneshot::channel();
        self.poller.stopped.replace(Some(done));
        self.poller.paused.set(true);
        let _ = stopped.await;
    }

    /// The packets that arrived and were not read yet.
    pub(super) fn take_received(&mut self) -> Vec<String> {
        let mut packets = Vec::new();
        while let Ok(packet) = self.incoming.try_recv() {
            packets.push(packet);
        }
        packets
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        self.poller.paused.set(true);
        if let Some(xhr) = self.poller.current.borrow_mut().take() {
            let _ = xhr.abort();
        }
    }
}

/// Keeps one `GET` open at a time until paused, the session ends or the
/// server stops answering (then `incoming` ends).
async fn poll(
    url: String,
    incoming: mpsc::UnboundedSender<String>,
    poller: Rc<Poller>,
    requests: Rc<Cell<u64>>,
    timeout_ms: u32,
) {
    while !poller.paused.get() {
        let Ok(xhr) = XmlHttpRequest::new() else {
            break;
        };
        poller.current.replace(Some(xhr.clone()));
        let reply = xhr::text(&xhr, "GET", &stamped(&url, &requests), None, timeout_ms).await;
        poller.current.replace(None);
        let Some(reply) = reply.filter(|reply| reply.status == 200) else {
            break;
        };
        let delivered = payload::decode(&reply.body)
            .all(|packet| incoming.unbounded_send(packet.to_owned()).is_ok());
        if !delivered {
            break;
        }
    }
    poller.ended.set(true);
    if let Some(stopped) = poller.stopped.borrow_mut().take() {
        let _ = stopped.send(());
    }
}

/// `url` with a parameter no cache has seen.
fn stamped(url: &str, requests: &Cell<u64>) -> String {
    let n = requests.get() + 1;
    requests.set(n);
    format!("{url}&t={n}")
}
