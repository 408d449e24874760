//! The room's live side: joins over Socket.IO, merges what arrives into the
//! feed, and delivers the reader's sends. The connection exists only in the
//! browser (`connection.rs`, `outbox.rs`); during server rendering a
//! [`Live`] holds the state it will use.

use super::alerts::Alerts;
use super::client_id::new_client_id;
use super::feed::Feed;
use super::snapshot::RoomSnapshot;
use crate::message::ContentType;
use crate::rooms::RoomList;
use crate::sio::{Status, Transport};
use leptos::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// A handle on the live state of the room shown; `Copy`, so views can hold
/// it freely. One page shows one room at a time over one connection:
/// switching rooms (`switching.rs`) parks the room left, with its unsent
/// messages, and fills these signals with the room opened.
#[derive(Clone, Copy)]
pub struct Live {
    /// The room shown (the room list's current room: one signal).
    pub room: RwSignal<String>,
    pub(super) me: StoredValue<String>,
    /// The room's lines.
    pub feed: RwSignal<Feed>,
    /// Whether the room has messages older than the first in the feed.
    pub has_more: StoredValue<bool>,
    /// What the reader is writing, kept per room.
    pub draft: RwSignal<String>,
    /// The room being opened, while its first page loads.
    pub opening: RwSignal<Option<String>>,
    /// Why the last room asked for could not be opened.
    pub open_error: RwSignal<Option<String>>,
    /// The connection, for the banner: `Connected` once the room is joined.
    pub status: RwSignal<Status>,
    /// Which transport carries the connection (none before the first).
    pub transport: RwSignal<Option<Transport>>,
    /// Set for a few seconds after the connection came back.
    pub back_online: RwSignal<bool>,
    /// Who is in the room.
    pub online: RwSignal<Vec<String>>,
    /// Bumped when the history was replaced by the newest page (too much was
    /// missed to catch up), so the list offers older pages again.
    pub history_resets: RwSignal<u32>,
    /// Who else is typing, each with the token of their latest signal.
    pub typists: RwSignal<BTreeMap<String, u32>>,
    /// Percent uploaded, by the `client_id` of each image on its way.
    pub progress: RwSignal<HashMap<String, u32>>,
    /// Until when the reader is muted in this room (RFC 3339), if they are.
    pub muted_until: RwSignal<Option<String>>,
    /// Signed in as staff: may delete any message.
    pub staff: bool,
    /// The tab's title count and desktop notifications.
    pub alerts: Alerts,
    /// My rooms, for the sidebar.
    pub rooms: RoomList,
    /// The newest message I have read here (0: none; the server's marker
    /// once joined).
    pub read_up_to: RwSignal<i64>,
    /// The marker as it was when the page opened: the *New* divider stands
    /// above the first message after it (it stays while the page is open).
    pub unread_from: RwSignal<Option<i64>>,
    /// Whether the newest message is on screen (the list is scrolled to the
    /// bottom).
    pub at_newest: RwSignal<bool>,
    /// The largest image the server accepts.
    #[cfg(feature = "hydrate")]
    pub(super) max_upload_bytes: u64,
    #[cfg(feature = "hydrate")]
    pub(super) client: StoredValue<Option<crate::sio::client::SocketClient>, LocalStorage>,
    /// Whether the send queue is being worked through.
    #[cfg(feature = "hydrate")]
    pub(super) sending: StoredValue<bool>,
    /// When this reader last told the room they were typing (ms), or 0.
    #[cfg(feature = "hydrate")]
    pub(super) typing_told_at: StoredValue<f64>,
    /// Images not yet stored, kept for a retry.
    #[cfg(feature = "hydrate")]
    pub(super) files: StoredValue<HashMap<String, web_sys::File>, LocalStorage>,
    /// The rooms shown earlier on this page, as they were left.
    #[cfg(feature = "hydrate")]
    pub(super) parked: StoredValue<HashMap<String, Parked>>,
}

/// A room shown earlier on this page, as it was left: shown again as it
/// was (then caught up by its join), its unsent messages still waiting.
#[cfg(feature = "hydrate")]
#[derive(Debug, Clone)]
pub(super) struct Parked {
    pub feed: Feed,
    pub has_more: bool,
    pub draft: String,
    pub muted_until: Option<String>,
}

impl Live {
    /// Sets up the live state of the room the page opened on, from the
    /// server-rendered snapshot; in the browser, also connects.
    pub fn new(snapshot: RoomSnapshot) -> Self {
        let read_up_to = snapshot.listed().map(|r| r.read_up_to);
        let RoomSnapshot {
            room,
            me,
            staff,
            messages,
            has_more,
            max_upload_bytes,
            rooms,
            muted_until,
            ..
        } = snapshot;
        let rooms = RoomList::new(rooms, room);
        let alerts = Alerts::new();
        let live = Live {
            room: rooms.current,
            me: StoredValue::new(me),
            feed: RwSignal::new(Feed::from_history(messages)),
            has_more: StoredValue::new(has_more),
            draft: RwSignal::new(String::new()),
            opening: RwSignal::new(None),
            open_error: RwSignal::new(None),
            status: RwSignal::new(Status::Connecting),
            transport: RwSignal::new(None),
            back_online: RwSignal::new(false),
            online: RwSignal::new(Vec::new()),
            typists: RwSignal::new(BTreeMap::new()),
            history_resets: RwSignal::new(0),
            progress: RwSignal::new(HashMap::new()),
            muted_until: RwSignal::new(None),
            staff,
            alerts,
            rooms,
            read_up_to: RwSignal::new(read_up_to.unwrap_or(0)),
            unread_from: RwSignal::new(read_up_to),
            at_newest: RwSignal::new(true),
            #[cfg(feature = "hydrate")]
            max_upload_bytes,
            #[cfg(feature = "hydrate")]
            client: StoredValue::new_local(None),
            #[cfg(feature = "hydrate")]
            sending: StoredValue::new(false),
            #[cfg(feature = "hydrate")]
            typing_told_at: StoredValue::new(0.0),
            #[cfg(feature = "hydrate")]
            files: StoredValue::new_local(HashMap::new()),
            #[cfg(feature = "hydrate")]
            parked: StoredValue::new(HashMap::new()),
        };
        live.set_muted(muted_until);
        live.count_unread();
        #[cfg(feature = "hydrate")]
        {
            live.connect();
            live.mark_read_when_seen();
            live.follow_history();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = max_upload_bytes;
        live
    }

    /// Messages by others after my marker, shown in the sidebar and the
    /// tab's title with my other rooms' counts.
    fn count_unread(self) {
        Effect::new(move |_| {
            let marker = self.read_up_to.get();
            let me = self.me.get_value();
            let (unread, newest) = self.feed.with(|f| {
                let unread = f
                    .entries()
                    .iter()
                    .filter(|e| e.notice.is_none() && !e.deleted && e.username != me)
                    .filter(|e| e.id.is_some_and(|id| id > marker))
                    .count();
                (unread as i64, f.last_id())
            });
            self.rooms.showing(unread, newest);
        });
        let alerts = self.alerts;
        Effect::new(move |_| {
            let total = self.rooms.unread_total();
            alerts.unread.set(u32::try_from(total).unwrap_or(u32::MAX));
        });
    }

    /// The reader's name.
    pub fn me(&self) -> String {
        self.me.get_value()
    }

    /// The room's name.
    pub fn room(&self) -> String {
        self.room.get_untracked()
    }

    /// The room shown as a reader names it: `#general`, or `@bob` for a
    /// direct message (tracked: it changes with the room).
    pub fn heading(&self) -> String {
        self.rooms.heading()
    }

    /// Whether `room` is the one shown.
    pub fn shows(&self, room: &str) -> bool {
        self.room.with_untracked(|shown| shown == room)
    }

    /// Sends a message: it shows at once as pending, goes out as soon as the
    /// room is joined (again), and then shows as sent or failed.
    pub fn send(self, text: String) {
        let client_id = new_client_id();
        self.feed
            .update(|f| f.push_pending(&self.me.read_value(), &text, &client_id));
        #[cfg(feature = "hydrate")]
        self.typing_ended();
        self.flush_outbox();
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
            ContentType::Text => self.flush_outbox(),
        }
    }

    /// Notes until when the reader is muted here (`None`: not muted); the
    /// composer opens again by itself when the time comes.
    pub fn set_muted(self, until: Option<String>) {
        self.muted_until.set(until.clone());
        #[cfg(feature = "hydrate")]
        if let Some(until) = until {
            let left_ms = js_sys::Date::parse(&until) - js_sys::Date::now();
            if left_ms.is_finite() {
                leptos::task::spawn_local(async move {
                    // At most about 24 days (the timer's range); a longer
                    // mute is checked again then.
                    let wait = left_ms.clamp(0.0, i32::MAX as f64) as u32;
                    gloo_timers::future::TimeoutFuture::new(wait).await;
                    if self.muted_until.get_untracked().as_ref() == Some(&until) {
                        if js_sys::Date::parse(&until) <= js_sys::Date::now() {
                            self.muted_until.set(None);
                        } else {
                            self.set_muted(Some(until));
                        }
                    }
                });
            }
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
    fn flush_outbox(self) {}

    /// Tells the room whether the reader is typing (in the browser).
    pub fn note_typing(self, _has_text: bool) {}
}
