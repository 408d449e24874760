//! The room's live side: joins over Socket.IO, merges what arrives into the
//! feed, and delivers the reader's sends. The connection exists only in the
//! browser; during server rendering a [`Live`] holds the state it will use.

use super::feed::Feed;
use crate::message::{ChatMessage, ContentType};
use crate::sio::Status;
use leptos::prelude::*;
use std::collections::HashMap;

/// How long a send may wait for the server's ack.
#[cfg(feature = "hydrate")]
const ACK_TIMEOUT_MS: u32 = 10_000;

/// A handle on the room's live state; `Copy`, so views can hold it freely.
#[derive(Clone, Copy)]
pub struct Live {
    pub(super) room: StoredValue<String>,
    pub(super) me: StoredValue<String>,
    /// The room's lines.
    pub feed: RwSignal<Feed>,
    /// The connection, for the banner.
    pub status: RwSignal<Status>,
    /// Who is in the room.
    pub online: RwSignal<Vec<String>>,
    /// Percent uploaded, by the `client_id` of each image on its way.
    pub progress: RwSignal<HashMap<String, u32>>,
    /// The largest image the server accepts.
    #[cfg(feature = "hydrate")]
    pub(super) max_upload_bytes: u64,
    #[cfg(feature = "hydrate")]
    client: StoredValue<Option<crate::sio::client::SocketClient>, LocalStorage>,
    /// Images not yet stored, kept for a retry.
    #[cfg(feature = "hydrate")]
    pub(super) files: StoredValue<HashMap<String, web_sys::File>, LocalStorage>,
}

impl Live {
    /// Sets up the room's live state from the server-rendered history; in
    /// the browser, also connects.
    pub fn new(room: String, me: String, history: Vec<ChatMessage>, max_upload_bytes: u64) -> Self {
        let live = Live {
            room: StoredValue::new(room),
            me: StoredValue::new(me),
            feed: RwSignal::new(Feed::from_history(history)),
            status: RwSignal::new(Status::Connecting),
            online: RwSignal::new(Vec::new()),
            progress: RwSignal::new(HashMap::new()),
            #[cfg(feature = "hydrate")]
            max_upload_bytes,
            #[cfg(feature = "hydrate")]
            client: StoredValue::new_local(None),
            #[cfg(feature = "hydrate")]
            files: StoredValue::new_local(HashMap::new()),
        };
        #[cfg(feature = "hydrate")]
        live.connect();
        #[cfg(not(feature = "hydrate"))]
        let _ = max_upload_bytes;
        live
    }

    /// The reader's name.
    pub fn me(&self) -> String {
        self.me.get_value()
    }

    /// The room's name.
    pub fn room(&self) -> String {
        self.room.get_value()
    }

    /// Sends a message: it shows at once as pending, then as sent or failed.
    pub fn send(self, text: String) {
        let client_id = new_client_id();
        self.feed
            .update(|f| f.push_pending(&self.me.read_value(), &text, &client_id));
        self.deliver(client_id, text);
    }

    /// Sends a failed message or image again, under the same idempotency
    /// key so the server stores it at most once.
    pub fn retry(self, client_id: String) {
        let Some(entry) = self
            .feed
            .try_update(|f| f.mark_retrying(&client_id))
            .flatten()
        else {
            return;
        };
        match entry.content_type {
            ContentType::Image => self.reupload(client_id, entry.content),
            ContentType::Text => self.deliver(client_id, entry.content.unwrap_or_default()),
        }
    }

    /// Forgets a failed message or image.
    pub fn discard(self, client_id: String) {
        let preview = self.feed.with_untracked(|f| f.preview_of(&client_id));
        self.feed.update(|f| f.discard(&client_id));
        self.forget_upload(&client_id, preview);
    }
}

#[cfg(not(feature = "hydrate"))]
impl Live {
    fn deliver(self, _client_id: String, _text: String) {}
}

#[cfg(not(feature = "hydrate"))]
pub(super) fn new_client_id() -> String {
    String::new()
}

#[cfg(feature = "hydrate")]
impl Live {
    fn connect(self) {
        use crate::events::{self, Presence};
        use crate::sio::client::{Handlers, SocketClient};

        let (status, online) = (self.status, self.online);
        let handlers = Handlers {
            on_status: Box::new(move |s| status.set(s)),
            on_connect: Box::new(move |client| self.join(client)),
            on_event: Box::new(move |name, mut args| {
                let Some(payload) = args.drain(..).next() else {
                    return;
                };
                match name {
                    events::MESSAGE => match serde_json::from_value::<ChatMessage>(payload) {
                        Ok(m) if m.room == *self.room.read_value() => {
                            self.feed.update(|f| f.insert(m))
                        }
                        Ok(_) => {}
                        Err(e) => warn(&format!("bad message event: {e}")),
                    },
                    events::PRESENCE => {
                        if let Ok(p) = serde_json::from_value::<Presence>(payload)
                            && p.room == *self.room.read_value()
                        {
                            online.set(p.online);
                        }
                    }
                    _ => {}
                }
            }),
        };
        let client = SocketClient::connect(socket_url(), handlers);
        self.client.set_value(Some(client));
    }

    /// (Re-)joins the room, asking only for what came after the newest
    /// message already shown.
    fn join(self, client: crate::sio::client::SocketClient) {
        use crate::events::{self, JoinReply, JoinRequest};
        let request = JoinRequest {
            room: self.room.get_value(),
            since: self.feed.with_untracked(Feed::last_id),
        };
        let online = self.online;
        leptos::task::spawn_local(async move {
            let data = serde_json::to_value(&request).unwrap_or_default();
            let reply = match client
                .emit_with_ack(events::JOIN, data, ACK_TIMEOUT_MS)
                .await
            {
                Ok(args) => first_ack::<JoinReply>(args),
                Err(e) => Err(e.to_string()),
            };
            match reply {
                Ok(reply) => {
                    if reply.recovered {
                        self.feed.update(|f| f.merge(reply.messages));
                    } else {
                        self.feed.update(|f| f.replace_history(reply.messages));
                    }
                    online.set(reply.online);
                }
                Err(e) => warn(&format!("join failed: {e}")),
            }
        });
    }

    fn deliver(self, client_id: String, text: String) {
        use crate::events::{self, SendMessageReply, SendMessageRequest};
        let Some(client) = self.client.get_value() else {
            self.feed
                .update(|f| f.mark_failed(&client_id, "Not connected."));
            return;
        };
        let request = SendMessageRequest {
            room: self.room.get_value(),
            content: text,
            client_id: Some(client_id.clone()),
        };
        leptos::task::spawn_local(async move {
            let data = serde_json::to_value(&request).unwrap_or_default();
            let reply = match client
                .emit_with_ack(events::SEND_MESSAGE, data, ACK_TIMEOUT_MS)
                .await
            {
                Ok(args) => first_ack::<SendMessageReply>(args),
                Err(e) => Err(format!("Not delivered: {e}.")),
            };
            match reply {
                Ok(reply) => self.feed.update(|f| f.insert(reply.message)),
                Err(reason) => self.feed.update(|f| f.mark_failed(&client_id, &reason)),
            }
        });
    }
}

#[cfg(feature = "hydrate")]
fn first_ack<T: serde::de::DeserializeOwned>(args: Vec<serde_json::Value>) -> Result<T, String> {
    let first = args.into_iter().next().ok_or("empty ack")?;
    serde_json::from_value::<crate::events::Ack<T>>(first)
        .map_err(|e| format!("unreadable ack: {e}"))?
        .into_result()
        .map_err(|e| e.message)
}

#[cfg(feature = "hydrate")]
fn socket_url() -> String {
    let location = window().location();
    let scheme = match location.protocol().as_deref() {
        Ok("https:") => "wss",
        _ => "ws",
    };
    let host = location.host().unwrap_or_default();
    format!("{scheme}://{host}/socket.io/?EIO=4&transport=websocket")
}

/// 128 random bits, hex: the idempotency key of one send.
#[cfg(feature = "hydrate")]
pub(super) fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = window()
        .crypto()
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).map(|_| ()));
    if filled.is_err() {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(feature = "hydrate")]
pub(super) fn warn(text: &str) {
    web_sys::console::warn_1(&text.into());
}
