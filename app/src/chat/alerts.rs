//! Telling the reader about messages that arrive while the tab is hidden:
//! the count in the tab's title (`(3) #general · Chat`) until the tab is
//! seen again, and a desktop notification when they allowed them.

use leptos::prelude::*;

/// Messages not seen yet; `Copy`, like the room's other live state.
#[derive(Clone, Copy)]
pub struct Alerts {
    pub unread: RwSignal<u32>,
    room: StoredValue<String>,
}

impl Alerts {
    pub fn new(room: String) -> Self {
        let alerts = Alerts {
            unread: RwSignal::new(0),
            room: StoredValue::new(room),
        };
        #[cfg(feature = "hydrate")]
        alerts.clear_when_seen();
        alerts
    }

    /// The tab's title.
    ///
    /// The closure owns what it reads (an `ArcRwSignal`, the name), not
    /// the component's `Copy` handles: on the server the head is filled in
    /// beside the first chunk of the body, outside the rendering's arena and
    /// sometimes after its values are gone, and reading through a handle
    /// then panics and cuts the response off.
    pub fn title(self) -> impl Fn() -> String + Send + Sync + 'static {
        let room = self.room.get_value();
        let unread = ArcRwSignal::from(self.unread);
        move || match unread.get() {
            0 => format!("#{room} · Chat"),
            n => format!("({n}) #{room} · Chat"),
        }
    }

    /// Someone else's new message arrived live.
    #[cfg(feature = "hydrate")]
    pub fn message_arrived(self, message: &crate::message::ChatMessage) {
        let hidden = web_sys::window()
            .and_then(|w| w.document())
            .is_some_and(|d| d.hidden());
        if !hidden {
            return;
        }
        self.unread.update(|n| *n += 1);
        super::push_flow::show_notification(message);
    }

    /// Resets the count whenever the tab becomes visible.
    #[cfg(feature = "hydrate")]
    fn clear_when_seen(self) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let seen = document.clone();
        let on_change = Closure::<dyn FnMut()>::new(move || {
            if !seen.hidden() {
                self.unread.try_set(0);
            }
        });
        let _ = document.add_event_listener_with_callback(
            "visibilitychange",
            on_change.as_ref().unchecked_ref(),
        );
        // Listens as long as the page is open.
        on_change.forget();
    }
}
