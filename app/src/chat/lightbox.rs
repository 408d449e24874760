//! Images shown full size over the room.

use leptos::prelude::*;

/// The image shown full size over the room, if any.
#[derive(Clone, Copy)]
pub struct Lightbox(pub RwSignal<Option<String>>);

/// The full-size view of an image: a click or Escape closes it.
#[component]
pub fn LightboxView(lightbox: Lightbox) -> impl IntoView {
    let Lightbox(shown) = lightbox;
    let close = move |_| shown.set(None);
    let _escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            shown.set(None);
        }
    });
    move || {
        shown.get().map(|src| {
            view! {
                <div class="lightbox" role="dialog" aria-label="Image" on:click=close>
                    <img src=src.clone() alt="" />
                    <a class="lightbox-original" href=src target="_blank" rel="noopener">
                        "Open original"
                    </a>
                </div>
            }
        })
    }
}
