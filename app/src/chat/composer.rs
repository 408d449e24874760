use super::live::Live;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html::Textarea;
use leptos::prelude::*;

/// Characters left below which the counter appears.
const COUNTER_FROM: usize = 200;

/// The box at the bottom: Enter sends, Shift+Enter starts a new line.
#[component]
pub fn Composer(live: Live, max_chars: usize) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let input = NodeRef::<Textarea>::new();
    let length = move || text.with(|t| t.trim().chars().count());
    let too_long = move || length() > max_chars;
    let can_send = move || length() > 0 && !too_long();

    let send = move || {
        if !can_send() {
            return;
        }
        live.send(text.get_untracked().trim().to_owned());
        text.set(String::new());
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
    let counter = move || {
        let left = max_chars as i64 - length() as i64;
        (left < COUNTER_FROM as i64)
            .then(|| view! { <span class="counter" class:over=too_long>{left}</span> })
    };

    view! {
        <form class="composer" on:submit=on_submit>
            <label class="visually-hidden" for="composer-text">"Message"</label>
            <textarea
                id="composer-text"
                name="content"
                rows="1"
                placeholder=format!("Message #{}", live.room())
                autocomplete="off"
                node_ref=input
                prop:value=text
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            {counter}
            <button type="submit" class="send" disabled=move || !can_send()>"Send"</button>
        </form>
    }
}
