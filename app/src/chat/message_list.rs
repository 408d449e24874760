use super::feed::{Delivery, Entry};
use super::live::Live;
use crate::message::ContentType;
use chrono::{DateTime, Utc};
use leptos::html::Div;
use leptos::prelude::*;

/// How close to the bottom (px) still counts as "reading the newest".
const STICKY_PX: i32 = 80;

/// The scrolling list of the room's messages.
#[component]
pub fn MessageList(live: Live, has_more: bool) -> impl IntoView {
    let scroller = NodeRef::<Div>::new();
    // Times render in UTC on the server and switch to the reader's local
    // time once hydrated, so the first client render matches the HTML.
    let local_time = RwSignal::new(false);
    let stick_to_bottom = StoredValue::new(true);
    let me = live.me();

    let scroll_to_bottom = move || {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };
    Effect::new(move |_| {
        local_time.set(true);
    });
    // Follow new messages while the reader is at the bottom.
    Effect::new(move |_| {
        live.feed.track();
        if stick_to_bottom.get_value() {
            request_animation_frame(scroll_to_bottom);
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            let gap = el.scroll_height() - el.scroll_top() - el.client_height();
            stick_to_bottom.set_value(gap < STICKY_PX);
        }
    };

    view! {
        <div class="messages" node_ref=scroller on:scroll=on_scroll>
            {(!has_more).then(|| view! { <p class="room-start">"This is the beginning of the room."</p> })}
            <ol class="message-list" aria-live="polite">
                <For
                    each=move || live.feed.with(|f| f.entries().to_vec())
                    key=Entry::key
                    children=move |entry| {
                        let mine = entry.username == me;
                        view! { <MessageRow entry mine local_time live /> }
                    }
                />
            </ol>
        </div>
    }
}

#[component]
fn MessageRow(entry: Entry, mine: bool, local_time: RwSignal<bool>, live: Live) -> impl IntoView {
    let Entry {
        id,
        username,
        content,
        image,
        content_type,
        client_id,
        timestamp,
        delivery,
    } = entry;
    let state = match delivery {
        Delivery::Sent => "sent",
        Delivery::Pending => "pending",
        Delivery::Failed(_) => "failed",
    };
    let body = match content_type {
        ContentType::Image => view! {
            <figure class="image">
                <img src=image.clone() alt=content.clone().unwrap_or_else(|| "Image".into()) loading="lazy" />
                {content.map(|caption| view! { <figcaption>{caption}</figcaption> })}
            </figure>
        }
        .into_any(),
        ContentType::Text => view! { <p class="text">{content}</p> }.into_any(),
    };
    let time = timestamp.map(|t| {
        let iso = crate::message::format_timestamp(&t);
        view! { <time datetime=iso.clone() title=iso>{move || clock(&t, local_time.get())}</time> }
    });
    let status = match delivery {
        Delivery::Sent => None,
        Delivery::Pending => Some(view! { <span class="delivery">"Sending…"</span> }.into_any()),
        Delivery::Failed(reason) => {
            let cid = client_id.unwrap_or_default();
            let retry_cid = cid.clone();
            Some(
                view! {
                    <span class="delivery failed" role="alert">
                        {reason} " "
                        <button type="button" class="link" on:click=move |_| live.retry(retry_cid.clone())>
                            "Retry"
                        </button>
                        " · "
                        <button type="button" class="link" on:click=move |_| live.discard(cid.clone())>
                            "Discard"
                        </button>
                    </span>
                }
                .into_any(),
            )
        }
    };

    view! {
        <li class="message" class:mine=mine data-state=state data-id=id.map(|i| i.to_string())>
            <div class="meta">
                <span class="author">{username}</span>
                {time}
            </div>
            {body}
            {status}
        </li>
    }
}

/// `HH:MM`, in UTC or (in the browser) the reader's time zone.
fn clock(t: &DateTime<Utc>, local: bool) -> String {
    #[cfg(feature = "hydrate")]
    if local {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(t.timestamp_millis() as f64));
        return format!("{:02}:{:02}", date.get_hours(), date.get_minutes());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = local;
    t.format("%H:%M").to_string()
}
