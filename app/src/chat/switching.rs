//! Switching rooms in place: the sidebar's links, and Back and Forward,
//! show another room over the same connection. The room left is parked
//! as it was, its unsent messages still waiting; the room opened comes back
//! from where it was parked, or starts from its newest page (`GET
//! /chat/<room>/history/`, the route older pages come from). Then it joins,
//! catching up from its newest message as after a reconnect.

use super::connection::{request_ack, warn};
use super::feed::Feed;
use super::history::load_newest;
use super::live::{Live, Parked};
use crate::events::{self, Done, LeaveRequest};
use crate::location::{Location, Page, room_path};
use crate::names::RoomName;
use crate::sio::Status;
use crate::sio::client::SocketClient;
use leptos::prelude::*;
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// How a room came to be opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    /// Chosen on the page: the browser's history gets a new entry.
    Chosen,
    /// Back or Forward: the address is already the room's.
    Returned,
}

impl Live {
    /// Lets the sidebar switch rooms in place, and Back and Forward return
    /// to the rooms shown before.
    pub(super) fn follow_history(self) {
        self.rooms.open_with(Callback::new(move |room: String| {
            self.open_room(room, Visit::Chosen);
        }));
        let on_popstate = Closure::<dyn FnMut()>::new(move || match Location::current().page() {
            Page::Room(room) => self.open_room(room, Visit::Returned),
            // Only this page's own entries come back here; anything else is
            // for the server to draw.
            _ => {
                let _ = window().location().reload();
            }
        });
        let _ = window()
            .add_event_listener_with_callback("popstate", on_popstate.as_ref().unchecked_ref());
        // Listens as long as the page is open.
        on_popstate.forget();
    }

    /// Shows `room` in place of the room shown.
    fn open_room(self, room: String, visit: Visit) {
        if self.status.get_untracked() == Status::SignedOut {
            return;
        }
        let Ok(name) = RoomName::parse(&room) else {
            // Not a room name: the server's page says why.
            let _ = window().location().assign(&room_path(&room));
            return;
        };
        let room = name.to_string();
        if self.shows(&room) {
            // Asked back before another finished opening.
            self.opening.set(None);
            return;
        }
        if self.opening.get_untracked().as_deref() == Some(room.as_str()) {
            return;
        }
        self.open_error.set(None);
        let parked = self
            .parked
            .try_update_value(|parked| parked.remove(&room))
            .flatten();
        if let Some(parked) = parked {
            self.opening.set(None);
            self.show(room, parked, visit);
            return;
        }
        self.opening.set(Some(room.clone()));
        leptos::task::spawn_local(async move {
            let page = load_newest(&room).await;
            // Another room was asked for meanwhile: that one wins.
            if self.opening.get_untracked().as_deref() != Some(room.as_str()) {
                return;
            }
            self.opening.set(None);
            match page {
                Ok(page) => {
                    let first = Parked {
                        feed: Feed::from_history(page.messages),
                        has_more: page.has_more,
                        draft: String::new(),
                        muted_until: None,
                    };
                    self.show(room, first, visit);
                }
                Err(reason) => self
                    .open_error
                    .set(Some(format!("Couldn't open #{room}: {reason}"))),
            }
        });
    }

    /// Parks the room shown and shows `room` as `next` holds it, then joins
    /// it (at once if connected, else when the connection is back).
    fn show(self, room: String, next: Parked, visit: Visit) {
        let left = self.room.get_untracked();
        let client = self.client.get_value().filter(SocketClient::is_connected);
        if let Some(client) = &client {
            self.leave_room(client, left.clone());
        }
        self.typing_ended();
        let parked = Parked {
            feed: self.feed.get_untracked(),
            has_more: self.has_more.get_value(),
            draft: self.draft.get_untracked(),
            muted_until: self.muted_until.get_untracked(),
        };
        self.parked.update_value(|rooms| {
            rooms.insert(left, parked);
        });

        let marker = self.rooms.find(&room).map(|r| r.read_up_to);
        self.room.set(room.clone());
        self.feed.set(next.feed);
        self.has_more.set_value(next.has_more);
        self.draft.set(next.draft);
        self.set_muted(next.muted_until);
        self.online.set(Vec::new());
        self.typists.set(BTreeMap::new());
        self.read_up_to.set(marker.unwrap_or(0));
        self.unread_from.set(marker);
        self.at_newest.set(true);
        if visit == Visit::Chosen {
            let _ = window().history().and_then(|history| {
                history.push_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&room_path(&room)),
                )
            });
        }
        if let Some(client) = client {
            self.status.set(Status::Connecting);
            self.join(client);
        }
    }

    /// Changes the lines of `room`, shown or parked: what was asked for a
    /// room lands there even when the reader has moved on.
    pub(super) fn in_room(self, room: &str, change: impl FnOnce(&mut Feed)) {
        if self.shows(room) {
            self.feed.update(change);
        } else {
            self.parked.update_value(|parked| {
                if let Some(parked) = parked.get_mut(room) {
                    change(&mut parked.feed);
                }
            });
        }
    }

    /// Tells the server this connection no longer shows `room` (its news
    /// comes as `room_activity` from now on).
    pub(super) fn leave_room(self, client: &SocketClient, room: String) {
        let client = client.clone();
        leptos::task::spawn_local(async move {
            let request = LeaveRequest { room };
            if let Err(super::connection::Failure::Refused(e)) =
                request_ack::<Done>(&client, events::LEAVE, &request).await
                && e.code != events::ErrorCode::NotJoined
            {
                warn(&format!("leave refused: {}", e.message));
            }
        });
    }
}
