use super::composer::{Composer, caption};
use super::lightbox::{Lightbox, LightboxView};
use super::live::Live;
use super::message_list::MessageList;
use super::push_toggle::PushToggle;
use super::snapshot::{RoomSnapshot, load_room};
use crate::rooms::{LeaveButton, Sidebar};
use crate::sio::{Status, Transport};
use leptos::either::Either;
use leptos::ev::DragEvent;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/chat/<room>/`: the newest messages are in the HTML, then the page goes live.
#[component]
pub fn RoomPage(
    /// The room as the address names it.
    room: String,
) -> impl IntoView {
    let snapshot = Resource::new(move || room.clone(), load_room);

    view! {
        <Suspense fallback=|| view! { <p class="page-note">"Loading the room…"</p> }>
            {move || Suspend::new(async move {
                match snapshot.await {
                    Ok(snapshot) => Either::Left(view! { <ChatRoom snapshot /> }),
                    Err(message) => Either::Right(view! { <RoomError message /> }),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ChatRoom(snapshot: RoomSnapshot) -> impl IntoView {
    let guest = snapshot.guest;
    let me = snapshot.me.clone();
    let message_max_chars = snapshot.message_max_chars;
    let live = Live::new(snapshot);
    let list = live.rooms;
    // What the list says of the room shown.
    let shown = Memo::new(move |_| {
        list.shown()
            .map_or((false, false), |r| (r.private, r.direct_with.is_some()))
    });
    let private = move || {
        let (private, direct) = shown.get();
        private && !direct
    };
    let direct = Signal::derive(move || shown.get().1);
    let drawer = RwSignal::new(false);
    // A room chosen from the drawer closes it.
    Effect::new(move |_| {
        live.room.track();
        drawer.set(false);
    });
    let account = move || {
        let room = live.room.get();
        format!(
            "/account?room={}",
            percent_encoding::utf8_percent_encode(&room, percent_encoding::NON_ALPHANUMERIC)
        )
    };
    let dragging = RwSignal::new(false);
    let lightbox = Lightbox(RwSignal::new(None));
    provide_context(lightbox);
    let on_dragover = move |ev: DragEvent| {
        ev.prevent_default();
        dragging.set(true);
    };
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if live.attach_files(&ev, caption(live.draft)) {
            live.draft.set(String::new());
        }
    };
    let title = live.alerts.title(list);
    let status = live.status;
    let connection = move || match status.get() {
        Status::Connecting => "connecting",
        Status::Connected => "connected",
        Status::Offline => "offline",
        Status::Refused(_) => "refused",
        Status::Banned(_) => "banned",
        Status::SignedOut => "signed-out",
        Status::TurnedAway(_) => "turned-away",
    };

    view! {
        <Title text=title />
        <div class="chat-window">
        <Sidebar list open=drawer guest />
        <div
            class="chat"
            data-room=move || live.room.get()
            data-connection=connection
            data-transport=move || live.transport.get().map(Transport::as_str)
            on:dragover=on_dragover on:drop=on_drop>
            <header class="chat-header">
                <button type="button" class="drawer-open" aria-label="Your rooms"
                    title="Your rooms" on:click=move |_| drawer.set(true)>
                    <span aria-hidden="true">"☰"</span>
                    {move || {
                        let others = list.unread_total() - list.shown().map_or(0, |r| r.unread);
                        (others > 0).then(|| view! { <span class="badge">{others}</span> })
                    }}
                </button>
                <div class="chat-title">
                    <h1>{move || live.heading()}
                        {move || private().then(|| view! { <span class="private-mark" title="Private: only its members see it">"private"</span> })}
                    </h1>
                    <OnlineList
                        online=live.online
                        live=Signal::derive(move || matches!(status.get(), Status::Connected))
                    />
                </div>
                <div class="chat-me">
                    <LeaveButton list direct />
                    <PushToggle />
                    {guest.then(|| view! {
                        <a class="protect" href=account>"Protect this name"</a>
                    })}
                    <a class="me-name" href=account title="Your account and sessions">{me}</a>
                    // A form, not a link: logging out changes state, so it
                    // is a POST (which the server checks comes from here).
                    <form class="logout" method="post" action="/logout">
                        <button type="submit">"Log out"</button>
                    </form>
                </div>
            </header>
            <main class="chat-main">
                <ConnectionBanner live />
                <SwitchBanner live />
                // Each room gets a list of its own: where it is scrolled,
                // its older pages, its divider.
                {move || {
                    live.room.track();
                    view! { <MessageList live /> }
                }}
                <Composer live max_chars=message_max_chars />
                <Show when=move || dragging.get()>
                    <div class="drop-overlay" on:dragleave=move |_| dragging.set(false)>
                        <p>"Drop images to share them in " {move || live.heading()}</p>
                    </div>
                </Show>
                <LightboxView lightbox />
            </main>
        </div>
        </div>
    }
}

/// A room being opened in place, or why it could not be.
#[component]
fn SwitchBanner(live: Live) -> impl IntoView {
    move || {
        if let Some(room) = live.opening.get() {
            return Some(Either::Left(view! {
                <div class="banner opening" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    "Opening #" {room} "…"
                </div>
            }));
        }
        live.open_error.get().map(|reason| {
            Either::Right(view! {
                <div class="banner refused" role="alert">
                    {reason} " "
                    <button type="button" class="link" on:click=move |_| live.open_error.set(None)>
                        "Dismiss"
                    </button>
                </div>
            })
        })
    }
}

/// Who is here; nothing while the connection is down, since it cannot
/// be known then.
#[component]
fn OnlineList(online: RwSignal<Vec<String>>, live: Signal<bool>) -> impl IntoView {
    let summary = move || {
        online.with(|names| match names.len() {
            _ if !live.get() => String::new(),
            0 => String::new(),
            1 => "1 online".to_owned(),
            n => format!("{n} online"),
        })
    };
    let names = move || online.with(|names| names.join(", "));
    view! { <p class="online" title=names>{summary}</p> }
}

/// Tells the reader when live delivery is interrupted, why, and when it is
/// back.
#[component]
fn ConnectionBanner(live: Live) -> impl IntoView {
    move || {
        let (class, text) = match live.status.get() {
            Status::Connected if live.back_online.get() => (
                "banner back",
                "Back online. Everything you missed is here.".to_owned(),
            ),
            Status::Connected | Status::Connecting => return None,
            Status::Offline => (
                "banner offline",
                "Connection lost. Reconnecting… Messages you send now go out once you are back."
                    .to_owned(),
            ),
            Status::Refused(reason) => (
                "banner refused",
                format!("The server refused the connection ({reason}). Please log in again."),
            ),
            Status::Banned(reason) => (
                "banner refused",
                format!("You are {reason}. You have been signed out."),
            ),
            Status::SignedOut => (
                "banner refused",
                "You were signed out (from another device, or your password changed). Taking you to sign in…"
                    .to_owned(),
            ),
            Status::TurnedAway(reason) => (
                "banner offline",
                format!("The server turned the connection away: {reason}. Trying again shortly…"),
            ),
        };
        Some(view! {
            <div class=class role="status">
                {text}
            </div>
        })
    }
}

#[component]
fn RoomError(message: String) -> impl IntoView {
    view! {
        <main class="page-note">
            <p class="error" role="alert">{message}</p>
            <p><a href="/">"Back to the login page"</a></p>
        </main>
    }
}
