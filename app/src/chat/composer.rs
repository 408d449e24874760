use super::live::Live;
use leptos::ev::{ClipboardEvent, Event, KeyboardEvent, SubmitEvent};
use leptos::html::Textarea;
use leptos::prelude::*;

/// Characters left below which the counter appears.
const COUNTER_FROM: usize = 200;

/// The box at the bottom: Enter sends, Shift+Enter starts a new line. The
/// paperclip (or a paste) shares images; text typed first becomes the caption.
#[component]
pub fn Composer(live: Live, max_chars: usize) -> impl IntoView {
    let draft = live.draft;
    let input = NodeRef::<Textarea>::new();
    let length = move || draft.with(|t| t.trim().chars().count());
    let too_long = move || length() > max_chars;
    let muted = move || live.muted_until.with(Option::is_some);
    let can_send = move || length() > 0 && !too_long() && !muted();

    let send = move || {
        if !can_send() {
            return;
        }
        live.send(draft.get_untracked().trim().to_owned());
        draft.set(String::new());
        if let Some(el) = input.get_untracked() {
            let _ = el.focus();
        }
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        send();
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    let on_paste = move |ev: ClipboardEvent| {
        if live.attach_files(&ev, caption(draft)) {
            ev.prevent_default();
            draft.set(String::new());
        }
    };
    let on_pick = move |ev: Event| {
        if live.attach_files(&ev, caption(draft)) {
            draft.set(String::new());
        }
        // Picking the same file again must fire `change` again.
        set_input_value(&ev);
    };
    let counter = move || {
        let left = max_chars as i64 - length() as i64;
        (left < COUNTER_FROM as i64)
            .then(|| view! { <span class="counter" class:over=too_long>{left}</span> })
    };

    view! {
        <TypingLine live />
        <MutedNotice live />
        <form class="composer" class:muted=muted on:submit=on_submit>
            <label class="attach" title="Share an image (or paste or drop one)">
                <input
                    type="file"
                    class="visually-hidden"
                    accept="image/png,image/jpeg,image/gif,image/webp"
                    multiple
                    disabled=muted
                    on:change=on_pick
                />
                <svg viewBox="0 0 24 24" aria-hidden="true">
                    <path d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5" />
                </svg>
                <span class="visually-hidden">"Share an image"</span>
            </label>
            <label class="visually-hidden" for="composer-text">"Message"</label>
            <textarea
                id="composer-text"
                name="content"
                rows="1"
                placeholder=move || format!("Message {}", live.heading())
                autocomplete="off"
                disabled=muted
                node_ref=input
                prop:value=draft
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    live.note_typing(!text.trim().is_empty());
                    draft.set(text);
                }
                on:keydown=on_keydown
                on:paste=on_paste
            ></textarea>
            {counter}
            <button type="submit" class="send" disabled=move || !can_send()>"Send"</button>
        </form>
    }
}

/// The typed text, as the caption of an image shared now.
pub fn caption(draft: RwSignal<String>) -> Option<String> {
    let text = draft.get_untracked().trim().to_owned();
    (!text.is_empty()).then_some(text)
}

fn set_input_value(ev: &Event) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok())
    {
        input.set_value("");
    }
}

/// "Bob is typing…", over the composer; it keeps its height when empty so
/// the list does not jump.
#[component]
fn TypingLine(live: Live) -> impl IntoView {
    let text = move || {
        live.typists.with(|typists| {
            let names: Vec<&String> = typists.keys().collect();
            match names.as_slice() {
                [] => String::new(),
                [one] => format!("{one} is typing…"),
                [a, b] => format!("{a} and {b} are typing…"),
                _ => "Several people are typing…".to_owned(),
            }
        })
    };
    view! {
        <p class="typing" aria-live="polite">
            {text}
        </p>
    }
}

/// Why the composer is closed, and until when, while the reader is muted.
#[component]
fn MutedNotice(live: Live) -> impl IntoView {
    // UTC in the server's HTML; the reader's own time once hydrated.
    let local = RwSignal::new(false);
    Effect::new(move |_| local.set(true));
    move || {
        live.muted_until.get().map(|until| {
            let shown = until_text(&until, local.get());
            view! {
                <p class="muted-notice" role="status">
                    "A moderator muted you in " {live.heading()} " until "
                    <time datetime=until>{shown}</time>
                    ". You can read along, but not post, edit or share images until then."
                </p>
            }
        })
    }
}

/// A moment (RFC 3339) for people: the reader's local date and time in
/// the browser, else UTC.
fn until_text(iso: &str, local: bool) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(iso));
        return String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = local;
    crate::message_time::utc_to_the_minute(iso)
}
