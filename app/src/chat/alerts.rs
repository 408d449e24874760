//! Telling the reader what they have not read: the count in the tab's
//! title (`(3) #general · Chat`, all their rooms' unread messages), and a
//! desktop notification for a message that arrives while the tab is hidden,
//! when they allowed them.

use crate::rooms::{RoomList, heading_of};
use leptos::prelude::*;

/// Messages not read yet; `Copy`, like the room's other live state.
#[derive(Clone, Copy)]
pub struct Alerts {
    pub unread: RwSignal<u32>,
    /// Whether the tab is on screen.
    pub visible: RwSignal<bool>,
}

impl Alerts {
    pub fn new() -> Self {
        let alerts = Alerts {
            unread: RwSignal::new(0),
            visible: RwSignal::new(true),
        };
        #[cfg(feature = "hydrate")]
        alerts.follow_visibility();
        alerts
    }

    /// The tab's title.
    ///
    /// The closure owns what it reads (`ArcRwSignal`s), not the
    /// component's `Copy` handles: on the server the head is filled in
    /// beside the first chunk of the body, outside the rendering's arena and
    /// sometimes after its values are gone, and reading through a handle
    /// then panics and cuts the response off.
    /// The heading is the room list's (`#general`, `@bob`), read the same
    /// way.
    pub fn title(self, rooms: RoomList) -> impl Fn() -> String + Send + Sync + 'static {
        let list = ArcRwSignal::from(rooms.rooms);
        let current = ArcRwSignal::from(rooms.current);
        let unread = ArcRwSignal::from(self.unread);
        move || {
            let room = current.get();
            let direct_with = list.with(|r| {
                r.iter()
                    .find(|r| r.name == room)
                    .and_then(|r| r.direct_with.clone())
            });
            let heading = heading_of(&room, direct_with.as_deref());
            match unread.get() {
                0 => format!("{heading} · Chat"),
                n => format!("({n}) {heading} · Chat"),
            }
        }
    }

    /// Someone else's new message arrived live.
    #[cfg(feature = "hydrate")]
    pub fn message_arrived(self, message: &crate::message::ChatMessage) {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden());
        if hidden {
            super::push_flow::show_notification(message);
        }
    }

    /// Keeps [`Alerts::visible`] true while the tab is on screen.
    #[cfg(feature = "hydrate")]
    fn follow_visibility(self) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        self.visible.set(!document.hidden());
        let seen = document.clone();
        let on_change = Closure::<dyn FnMut()>::new(move || {
            self.visible.try_set(!seen.hidden());
        });
        let _ = document.add_event_listener_with_callback(
            "visibilitychange",
            on_change.as_ref().unchecked_ref(),
        );
        // Listens as long as the page is open.
        on_change.forget();
    }
}
