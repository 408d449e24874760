use super::feed::{Delivery, Entry};
use super::lightbox::{Lightbox, Shown};
use super::live::Live;
use super::message_actions::{Change, ChangeProblem, EditBox, MessageActions};
use crate::message::ContentType;
use chrono::{DateTime, Timelike, Utc};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

/// One message: author, time, text or image, and for the reader's own
/// unsent ones, where they stand (with retry / discard when they failed).
#[component]
pub fn MessageRow(
    entry: Entry,
    mine: bool,
    local_time: RwSignal<bool>,
    live: Live,
) -> impl IntoView {
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
        edited_at,
        deleted,
    } = entry;
    let state = match delivery {
        Delivery::Sent => "sent",
        Delivery::Pending => "pending",
        Delivery::Failed(_) => "failed",
    };
    let uploading = content_type == ContentType::Image && delivery == Delivery::Pending;
    // Stored, not deleted, and the reader's own (or the reader is staff).
    let change = id
        .filter(|_| delivery == Delivery::Sent && !deleted && (mine || live.staff))
        .map(|id| Change::new(live, id));
    let may_edit = mine && content_type == ContentType::Text;
    let editing = move || change.is_some_and(|c| c.editing.get());
    let editor = change.filter(|_| may_edit).map(|change| {
        let text = content.clone().unwrap_or_default();
        move || {
            change
                .editing
                .get()
                .then(|| view! { <EditBox change text=text.clone() /> })
        }
    });
    let body = match content_type {
        _ if deleted => EitherOf3::C(view! { <p class="text tombstone">"message deleted"</p> }),
        ContentType::Image => {
            let progress_id = client_id.clone();
            EitherOf3::A(view! {
                <ImageBody
                    src=image.unwrap_or_default()
                    caption=content
                    progress=uploading.then_some(live).zip(progress_id)
                />
            })
        }
        ContentType::Text => EitherOf3::B(view! { <p class="text">{content}</p> }),
    };
    let time = timestamp.map(|t| {
        let iso = crate::message::format_timestamp(&t);
        view! { <time datetime=iso.clone() title=iso>{move || clock(&t, local_time.get())}</time> }
    });
    let edited = edited_at.filter(|_| !deleted).map(|t| {
        let iso = crate::message::format_timestamp(&t);
        view! { <span class="edited" title=format!("edited {iso}")>"(edited)"</span> }
    });
    let status = match delivery {
        Delivery::Sent => None,
        Delivery::Pending if uploading => None,
        Delivery::Pending => Some(Either::Left(view! {
            <span class="delivery">
                {move || match live.status.get() {
                    crate::sio::Status::Connected => "Sending…",
                    _ => "Waiting for the connection…",
                }}
            </span>
        })),
        Delivery::Failed(reason) => {
            let cid = client_id.unwrap_or_default();
            let retry_cid = cid.clone();
            Some(Either::Right(view! {
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
            }))
        }
    };

    let actions = change.map(|change| view! { <MessageActions change may_edit /> });
    let problem = change.map(|change| view! { <ChangeProblem change /> });

    view! {
        <li
            class="message"
            class:mine=mine
            class:editing=editing
            data-state=state
            data-id=id.map(|i| i.to_string())
        >
            <div class="meta">
                <span class="author">{username}</span>
                {time}
                {edited}
                {actions}
            </div>
            {body}
            {editor}
            {status}
            {problem}
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
    let alt = caption.clone().unwrap_or_else(|| "Shared image".into());
    let described = alt.clone();
    let open = move |ev: leptos::ev::MouseEvent| {
        if let Some(Lightbox(shown)) = lightbox {
            ev.prevent_default();
            shown.set(Some(Shown {
                src: full.clone(),
                alt: described.clone(),
            }));
        }
    };
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
    // Not `format("%H:%M")`: chrono's format-string parser would add to
    // the browser bundle.
    format!("{:02}:{:02}", t.hour(), t.minute())
}
