use super::api::load_older;
use super::feed::{Delivery, Entry};
use super::live::Live;
use super::page::Lightbox;
use crate::message::ContentType;
use chrono::{DateTime, Utc};
use leptos::html::Div;
use leptos::prelude::*;

/// How close to the bottom (px) still counts as "reading the newest".
const STICKY_PX: i32 = 80;
/// How close to the top (px) starts loading older messages.
const PRELOAD_PX: i32 = 400;

/// Where loading older messages stands.
#[derive(Debug, Clone, PartialEq)]
enum Older {
    /// More exist; none being loaded.
    Available,
    Loading,
    Failed(String),
    /// The first message of the room is shown.
    Exhausted,
}

/// The scrolling list of the room's messages: loads older pages as the
/// reader nears the top, follows new ones while the reader is at the bottom.
#[component]
pub fn MessageList(live: Live, has_more: bool) -> impl IntoView {
    let scroller = NodeRef::<Div>::new();
    let older = RwSignal::new(if has_more {
        Older::Available
    } else {
        Older::Exhausted
    });
    // Times render in UTC on the server and switch to the reader's local
    // time once hydrated, so the first client render matches the HTML.
    let local_time = RwSignal::new(false);
    let stick_to_bottom = StoredValue::new(true);
    let unseen = RwSignal::new(false);
    let me = live.me();

    let scroll_to_bottom = move || {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };

    let load_older_page = move || {
        if older.get_untracked() != Older::Available {
            return;
        }
        let Some(before) = live.feed.with_untracked(|f| f.first_id()) else {
            older.set(Older::Exhausted);
            return;
        };
        older.set(Older::Loading);
        leptos::task::spawn_local(async move {
            match load_older(live.room(), before).await {
                Ok(page) => {
                    let Some(el) = scroller.get_untracked() else {
                        return;
                    };
                    // Keep the message the reader is looking at in place:
                    // whatever height is added above it is scrolled past.
                    let (height, top) = (el.scroll_height(), el.scroll_top());
                    live.feed.update(|f| f.merge(page.messages));
                    older.set(if page.has_more {
                        Older::Available
                    } else {
                        Older::Exhausted
                    });
                    request_animation_frame(move || {
                        el.set_scroll_top(top + el.scroll_height() - height);
                    });
                }
                Err(e) => older.set(Older::Failed(e.to_string())),
            }
        });
    };

    Effect::new(move |_| {
        local_time.set(true);
    });
    // A newly arrived last line: follow it if the reader is at the bottom
    // (or sent it), otherwise offer a jump to it.
    let me_in_effect = me.clone();
    Effect::new(move |previous: Option<Option<String>>| {
        let last = live.feed.with(|f| {
            f.entries()
                .last()
                .map(|e| (e.key(), e.username == me_in_effect))
        });
        let key = last.as_ref().map(|(key, _)| key.clone());
        let mine = last.is_some_and(|(_, mine)| mine);
        if stick_to_bottom.get_value() || mine || previous.is_none() {
            request_animation_frame(scroll_to_bottom);
        } else if previous != Some(key.clone()) {
            unseen.set(true);
        }
        key
    });
    // A short first page does not fill the screen (so cannot be scrolled):
    // fill it before the reader has to ask.
    Effect::new(move |_| {
        if older.get() == Older::Available
            && let Some(el) = scroller.get_untracked()
            && el.scroll_height() <= el.client_height() + PRELOAD_PX
        {
            request_animation_frame(load_older_page);
        }
    });

    let on_scroll = move |_| {
        let Some(el) = scroller.get_untracked() else {
            return;
        };
        let gap = el.scroll_height() - el.scroll_top() - el.client_height();
        stick_to_bottom.set_value(gap < STICKY_PX);
        if gap < STICKY_PX {
            unseen.set(false);
        }
        if el.scroll_top() < PRELOAD_PX {
            load_older_page();
        }
    };
    let jump_to_newest = move |_| {
        unseen.set(false);
        stick_to_bottom.set_value(true);
        scroll_to_bottom();
    };

    view! {
        <div class="messages-frame">
            <div class="messages" node_ref=scroller on:scroll=on_scroll>
                <HistoryEdge older retry=move || {
                    older.set(Older::Available);
                    load_older_page();
                } />
                <ol class="message-list" aria-live="polite">
                    <For
                        each=move || live.feed.with(|f| f.entries().to_vec())
                        key=Entry::key
                        children=move |entry| {
                            if entry.notice.is_some() {
                                return view! { <li class="notice">{entry.content}</li> }.into_any();
                            }
                            let mine = entry.username == me;
                            view! { <MessageRow entry mine local_time live /> }.into_any()
                        }
                    />
                </ol>
            </div>
            <Show when=move || unseen.get()>
                <button type="button" class="jump-to-newest" on:click=jump_to_newest>
                    "New messages ↓"
                </button>
            </Show>
        </div>
    }
}

/// The top of the list: loading, failed (with retry), or the room's start.
#[component]
fn HistoryEdge(
    older: RwSignal<Older>,
    retry: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        match older.get() {
        Older::Available => view! { <p class="history-edge" data-edge="more"></p> }.into_any(),
        Older::Loading => view! {
            <p class="history-edge" data-edge="loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                "Loading older messages…"
            </p>
        }
        .into_any(),
        Older::Failed(reason) => view! {
            <p class="history-edge error" data-edge="failed" role="alert">
                "Couldn't load older messages (" {reason} "). "
                <button type="button" class="link" on:click=move |_| retry()>"Retry"</button>
            </p>
        }
        .into_any(),
        Older::Exhausted => view! {
            <p class="history-edge room-start" data-edge="start">"This is the beginning of the room."</p>
        }
        .into_any(),
    }
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
        notice: _,
    } = entry;
    let state = match delivery {
        Delivery::Sent => "sent",
        Delivery::Pending => "pending",
        Delivery::Failed(_) => "failed",
    };
    let uploading = content_type == ContentType::Image && delivery == Delivery::Pending;
    let body = match content_type {
        ContentType::Image => {
            let progress_id = client_id.clone();
            view! {
                <ImageBody
                    src=image.unwrap_or_default()
                    caption=content
                    progress=uploading.then_some(live).zip(progress_id)
                />
            }
            .into_any()
        }
        ContentType::Text => view! { <p class="text">{content}</p> }.into_any(),
    };
    let time = timestamp.map(|t| {
        let iso = crate::message::format_timestamp(&t);
        view! { <time datetime=iso.clone() title=iso>{move || clock(&t, local_time.get())}</time> }
    });
    let status = match delivery {
        Delivery::Sent => None,
        Delivery::Pending if uploading => None,
        Delivery::Pending => Some(
            view! {
                <span class="delivery">
                    {move || match live.status.get() {
                        crate::sio::Status::Connected => "Sending…",
                        _ => "Waiting for the connection…",
                    }}
                </span>
            }
            .into_any(),
        ),
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

/// An image line: sized to the list, lazy, full size on click; while it
/// uploads, a progress bar under the local preview.
#[component]
fn ImageBody(
    src: String,
    caption: Option<String>,
    progress: Option<(Live, String)>,
) -> impl IntoView {
    let lightbox = use_context::<Lightbox>();
    let full = src.clone();
    let href = src.clone();
    let open = move |ev: leptos::ev::MouseEvent| {
        if let Some(Lightbox(shown)) = lightbox {
            ev.prevent_default();
            shown.set(Some(full.clone()));
        }
    };
    let alt = caption.clone().unwrap_or_else(|| "Shared image".into());
    let progress = progress.map(|(live, client_id)| {
        let percent = Signal::derive(move || {
            live.progress
                .with(|p| p.get(&client_id).copied().unwrap_or(0))
        });
        view! {
            <div class="upload-progress">
                <progress max="100" value=percent></progress>
                <span class="delivery">"Uploading… " {percent} "%"</span>
            </div>
        }
    });
    view! {
        <figure class="image">
            <a href=href target="_blank" rel="noopener" on:click=open>
                <img src=src alt=alt loading="lazy" decoding="async" />
            </a>
            {caption.map(|caption| view! { <figcaption>{caption}</figcaption> })}
            {progress}
        </figure>
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
