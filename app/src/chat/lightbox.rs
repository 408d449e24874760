//! Images shown full size over the room: a modal dialog that holds the
//! focus while it is open and gives it back to the image when it closes.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::{Element, HtmlElement};

/// The image shown full size over the room, if any.
#[derive(Clone, Copy)]
pub struct Lightbox(pub RwSignal<Option<Shown>>);

/// An image shown full size: its address and what it shows, in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub src: String,
    pub alt: String,
}

/// The full-size view of an image: a click, the Close button or Escape
/// closes it.
#[component]
pub fn LightboxView(lightbox: Lightbox) -> impl IntoView {
    let Lightbox(shown) = lightbox;
    let close_button = NodeRef::<html::Button>::new();
    let original = NodeRef::<html::A>::new();
    // The image last opened: its link in the list gets the focus back.
    // (Remembered by address, not as an element: this view is also built
    // on the server, where elements cannot be kept.)
    let opened = StoredValue::new(None::<String>);
    Effect::new(move |_| match shown.get() {
        Some(Shown { src, .. }) => {
            opened.set_value(Some(src));
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
        None => {
            if let Some(link) = opened
                .try_update_value(Option::take)
                .flatten()
                .and_then(|src| image_link(&src))
            {
                let _ = link.focus();
            }
        }
    });
    let _escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            shown.set(None);
        }
    });
    // The dialog has two controls; Tab and Shift+Tab go from one to the
    // other and never out to the page behind.
    let hold_focus = move |ev: KeyboardEvent| {
        let (Some(close), Some(link)) = (close_button.get(), original.get()) else {
            return;
        };
        if ev.key() != "Tab" {
            return;
        }
        ev.prevent_default();
        let close_el: &Element = close.as_ref();
        let on_close = document().active_element().as_ref() == Some(close_el);
        let _ = if on_close {
            link.focus()
        } else {
            close.focus()
        };
    };
    let close = move |_| shown.set(None);
    move || {
        shown.get().map(|Shown { src, alt }| {
            view! {
                <div
                    class="lightbox"
                    role="dialog"
                    aria-modal="true"
                    aria-label="Image, full size"
                    on:click=close
                    on:keydown=hold_focus
                >
                    <button type="button" class="lightbox-close" node_ref=close_button>
                        "Close"
                    </button>
                    <img src=src.clone() alt=alt />
                    <a
                        class="lightbox-original"
                        href=src
                        target="_blank"
                        rel="noopener"
                        node_ref=original
                    >
                        "Open original"
                    </a>
                </div>
            }
        })
    }
}

/// The link of the image at `src` in the message list.
fn image_link(src: &str) -> Option<HtmlElement> {
    // A CSS string: a backslash escapes the quote and the backslash itself.
    let quoted = src.replace('\\', "\\\\").replace('"', "\\\"");
    let selector = format!(".message .image a[href=\"{quoted}\"]");
    let link = document().query_selector(&selector).ok()??;
    link.dyn_into::<HtmlElement>().ok()
}
