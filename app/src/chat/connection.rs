//! The Socket.IO side of [`Live`]: connect, (re-)join with catch-up, and
//! merge the server's events into the room's state.

use super::feed::Feed;
use super::live::Live;
use crate::events::{
    self, Ack, AckError, Done, ErrorCode, JoinReply, JoinRequest, Presence, TypingNotice,
    TypingRequest,
};
use crate::message::ChatMessage;
use crate::sio::Status;
use crate::sio::client::{EmitError, Handlers, SocketClient};
use leptos::prelude::*;
use protocol::rooms::{self, ReadNotice, RoomActivity, RoomLeft};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// How long a request may wait for the server's ack.
pub(super) const ACK_TIMEOUT_MS: u32 = 10_000;
/// How long to wait before asking again after a join went unanswered.
const JOIN_RETRY_MS: u32 = 2_000;
/// How long "back online" stays up.
const BACK_ONLINE_MS: u32 = 4_000;
/// How long a banned or signed-out reader sees why before the login page
/// replaces the room.
const SIGN_OUT_AFTER_MS: u32 = 4_000;

/// Why an ack-ed request did not go through.
pub(super) enum Failure {
    /// The connection is gone or silent; the request may be tried again.
    Link(EmitError),
    /// The server said no.
    Refused(AckError),
    /// The server answered something unreadable.
    Garbled(String),
}

impl Live {
    pub(super) fn connect(self) {
        let handlers = Handlers {
            on_status: Box::new(move |status| match status {
                // Signed out for good: the connection closing after it
                // changes nothing.
                _ if self.status.get_untracked() == Status::SignedOut => {}
                // Live only once the room is joined: see `join`.
                Status::Connected => {}
                Status::Banned(reason) => {
                    self.status.set(Status::Banned(reason.clone()));
                    self.sign_out_banned(reason);
                }
                Status::SignedOut => self.signed_out(),
                other => self.status.set(other),
            }),
            on_connect: Box::new(move |client| self.join(client)),
            on_event: Box::new(move |name, args| self.on_event(name, args)),
            on_transport: Box::new(move |transport| self.transport.set(Some(transport))),
        };
        let client = SocketClient::connect(&origin(), handlers);
        self.client.set_value(Some(client));
    }

    fn on_event(self, name: &str, args: Vec<Value>) {
        let Some(payload) = args.into_iter().next() else {
            return;
        };
        let room = self.room.get_untracked();
        match name {
            events::MESSAGE => match serde_json::from_value::<ChatMessage>(payload) {
                Ok(m) if m.room == room => {
                    // A message ends its author's typing.
                    self.typists.update(|t| {
                        t.remove(&m.username);
                    });
                    let me = self.me.get_value();
                    let from_others = m.username != me;
                    let alert = from_others.then(|| m.clone());
                    let is_new = self.feed.try_update(|f| f.insert(m)).unwrap_or(false);
                    if let (true, Some(m)) = (is_new, alert) {
                        self.alerts.message_arrived(&m);
                    }
                }
                Ok(_) => {}
                Err(e) => warn(&format!("bad message event: {e}")),
            },
            events::MESSAGE_UPDATED => match serde_json::from_value::<ChatMessage>(payload) {
                Ok(m) if m.room == room => self.feed.update(|f| f.update(m)),
                Ok(_) => {}
                Err(e) => warn(&format!("bad message_updated event: {e}")),
            },
            events::SESSION_ENDED => self.signed_out(),
            rooms::ROOM_ACTIVITY => {
                if let Ok(news) = serde_json::from_value::<RoomActivity>(payload)
                    && news.room != room
                    && !self.rooms.activity(news)
                {
                    // A room that just became mine.
                    self.rooms.refresh();
                }
            }
            rooms::READ => {
                if let Ok(notice) = serde_json::from_value::<ReadNotice>(payload) {
                    if notice.room == room {
                        self.read_up_to.update(|r| *r = (*r).max(notice.read_up_to));
                    } else {
                        self.rooms.read(&notice);
                    }
                }
            }
            rooms::ROOM_LEFT => {
                if let Ok(left) = serde_json::from_value::<RoomLeft>(payload) {
                    if left.room == room {
                        // Left (perhaps on another device): this page
                        // shows my next room instead.
                        self.rooms.open_next();
                    }
                    self.rooms.left(&left.room);
                    self.parked.update_value(|parked| {
                        parked.remove(&left.room);
                    });
                }
            }
            events::MUTED => {
                if let Ok(notice) = serde_json::from_value::<events::MutedNotice>(payload) {
                    if notice.room == room {
                        self.set_muted(notice.until);
                    } else {
                        self.parked.update_value(|parked| {
                            if let Some(parked) = parked.get_mut(&notice.room) {
                                parked.muted_until = notice.until;
                            }
                        });
                    }
                }
            }
            events::PRESENCE => {
                if let Ok(p) = serde_json::from_value::<Presence>(payload)
                    && p.room == room
                {
                    let me = self.me.get_value();
                    let notice = match (&p.joined, &p.left) {
                        (Some(name), _) if *name != me => Some(format!("{name} joined")),
                        (_, Some(name)) if *name != me => Some(format!("{name} left")),
                        _ => None,
                    };
                    if let Some(text) = notice {
                        self.feed.update(|f| f.push_notice(&text));
                    }
                    self.online.set(p.online);
                }
            }
            events::TYPING => {
                if let Ok(t) = serde_json::from_value::<TypingNotice>(payload)
                    && t.room == room
                    && t.username != self.me.get_value()
                {
                    self.someone_typing(t.username, t.typing);
                }
            }
            _ => {}
        }
    }

    /// (Re-)joins the room asking only for what came after the newest message
    /// shown, then sends whatever waited for the connection.
    pub(super) fn join(self, client: SocketClient) {
        let request = JoinRequest {
            room: self.room.get_untracked(),
            since: self.feed.with_untracked(Feed::last_id),
        };
        leptos::task::spawn_local(async move {
            let answer = request_ack::<JoinReply>(&client, events::JOIN, &request).await;
            if !self.shows(&request.room) {
                // The reader moved on while it was asked: this connection
                // is not to stay in it (its `room_activity` comes again).
                if answer.is_ok() {
                    self.leave_room(&client, request.room);
                }
                return;
            }
            match answer {
                Ok(reply) => {
                    if reply.recovered {
                        self.feed.update(|f| {
                            f.merge(reply.messages);
                            // What changed while this page was away.
                            for changed in reply.updated {
                                f.update(changed);
                            }
                        });
                    } else {
                        // Too much was missed: start again from the newest page.
                        self.feed.update(|f| f.replace_history(reply.messages));
                        self.history_resets.update(|n| *n += 1);
                    }
                    self.online.set(reply.online);
                    self.set_muted(reply.muted_until);
                    if let Some(marker) = reply.read_up_to {
                        self.read_up_to.update(|r| *r = (*r).max(marker));
                        if self.unread_from.get_untracked().is_none() {
                            self.unread_from.set(Some(marker));
                        }
                    }
                    let was_offline = matches!(
                        self.status.get_untracked(),
                        Status::Offline | Status::TurnedAway(_)
                    );
                    self.status.set(Status::Connected);
                    let room = self.room.get_untracked();
                    let unlisted = self
                        .rooms
                        .rooms
                        .with_untracked(|r| r.iter().all(|r| r.name != room));
                    if was_offline || unlisted {
                        // News of other rooms may have been missed meanwhile;
                        // a first visit makes this room mine.
                        self.rooms.refresh();
                    }
                    if was_offline {
                        self.show_back_online();
                    }
                    self.flush_outbox();
                }
                // A limit (new rooms from this network): wait it out.
                Err(Failure::Refused(e)) if e.code == ErrorCode::RateLimited => {
                    let wait = e.retry_after_ms.unwrap_or(5_000).min(60_000) as u32;
                    self.status.set(Status::TurnedAway(e.message));
                    gloo_timers::future::TimeoutFuture::new(wait).await;
                    if client.is_connected() {
                        self.join(client);
                    }
                }
                Err(Failure::Refused(e)) => self.status.set(Status::Refused(e.message)),
                // The server is slow, not gone: ask again while connected
                // (a dead link is noticed by the client, which reconnects).
                Err(Failure::Link(EmitError::TimedOut)) if client.is_connected() => {
                    warn("join timed out; asking again");
                    gloo_timers::future::TimeoutFuture::new(JOIN_RETRY_MS).await;
                    self.join(client);
                }
                Err(Failure::Link(e)) => warn(&format!("join failed: {e}")),
                Err(Failure::Garbled(e)) => warn(&format!("join failed: {e}")),
            }
        });
    }

    /// A banned reader is signed out, then taken to the login page, which
    /// says until when.
    fn sign_out_banned(self, reason: String) {
        leptos::task::spawn_local(async move {
            let _ = crate::xhr::post("/logout").await;
            // Long enough to read the banner first.
            gloo_timers::future::TimeoutFuture::new(SIGN_OUT_AFTER_MS).await;
            let query = String::from(js_sys::encode_uri_component(&reason));
            let _ = window().location().assign(&format!("/?banned={query}"));
        });
    }

    /// The session ended elsewhere: says so, then the login page (which
    /// says it too) replaces the room.
    fn signed_out(self) {
        if self.status.get_untracked() == Status::SignedOut {
            return;
        }
        self.status.set(Status::SignedOut);
        let room = self.room.get_untracked();
        leptos::task::spawn_local(async move {
            // Forgets the cookie of the ended session.
            let _ = crate::xhr::post("/logout").await;
            gloo_timers::future::TimeoutFuture::new(SIGN_OUT_AFTER_MS).await;
            let query = String::from(js_sys::encode_uri_component(&room));
            let _ = window()
                .location()
                .assign(&format!("/?ended=1&room={query}"));
        });
    }

    fn show_back_online(self) {
        self.back_online.set(true);
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(BACK_ONLINE_MS).await;
            self.back_online.set(false);
        });
    }
}

/// How long another's typing shows without a fresh signal (the server ends
/// it after 5 s; this covers a lost stop).
const TYPING_SHOWS_MS: u32 = 6_000;
/// The least time between two "I am typing" signals.
const TYPING_TELL_EVERY_MS: f64 = 3_000.0;

impl Live {
    fn someone_typing(self, name: String, typing: bool) {
        if !typing {
            self.typists.update(|t| {
                t.remove(&name);
            });
            return;
        }
        let token = self
            .typists
            .with_untracked(|t| t.values().max().copied().unwrap_or(0))
            + 1;
        self.typists.update(|t| {
            t.insert(name.clone(), token);
        });
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(TYPING_SHOWS_MS).await;
            self.typists.update(|t| {
                if t.get(&name) == Some(&token) {
                    t.remove(&name);
                }
            });
        });
    }

    /// Tells the room the reader is typing (at most every 3 s), or stopped.
    pub fn note_typing(self, has_text: bool) {
        let now = js_sys::Date::now();
        let told = self.typing_told_at.get_value();
        let typing = if has_text && now - told >= TYPING_TELL_EVERY_MS {
            self.typing_told_at.set_value(now);
            true
        } else if !has_text && told > 0.0 {
            self.typing_told_at.set_value(0.0);
            false
        } else {
            return;
        };
        let (Some(client), true) = (
            self.client.get_value(),
            self.status.get_untracked() == Status::Connected,
        ) else {
            return;
        };
        let request = TypingRequest {
            room: self.room.get_untracked(),
            typing,
        };
        leptos::task::spawn_local(async move {
            // Typing is a hint: a refusal or a lost ack changes nothing.
            let _ = request_ack::<Done>(&client, events::TYPING, &request).await;
        });
    }

    /// A send ends typing on the server; the next keystroke starts it anew.
    pub(super) fn typing_ended(self) {
        self.typing_told_at.set_value(0.0);
    }
}

/// Emits `event` with `payload` and reads the ack's body.
pub(super) async fn request_ack<T: DeserializeOwned>(
    client: &SocketClient,
    event: &str,
    payload: &impl serde::Serialize,
) -> Result<T, Failure> {
    let data = serde_json::to_value(payload).map_err(|e| Failure::Garbled(e.to_string()))?;
    let args = client
        .emit_with_ack(event, data, ACK_TIMEOUT_MS)
        .await
        .map_err(Failure::Link)?;
    let first = args
        .into_iter()
        .next()
        .ok_or_else(|| Failure::Garbled("empty ack".into()))?;
    serde_json::from_value::<Ack<T>>(first)
        .map_err(|e| Failure::Garbled(format!("unreadable ack: {e}")))?
        .into_result()
        .map_err(Failure::Refused)
}

/// The page's own origin, whose Socket.IO endpoint the room talks to.
fn origin() -> String {
    window().location().origin().unwrap_or_default()
}

pub(super) fn warn(text: &str) {
    web_sys::console::warn_1(&text.into());
}
