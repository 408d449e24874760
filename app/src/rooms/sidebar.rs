//! The sidebar: my rooms and direct messages, most recent activity first,
//! each with its unread count and the count of those that mention me; a
//! drawer on narrow screens.

use super::browse::BrowseRooms;
use super::list::RoomList;
use super::new_room::{NewRoom, OpenDirect};
use crate::location::room_path;
use leptos::prelude::*;
use protocol::rooms::MyRoom;

#[component]
pub fn Sidebar(
    list: RoomList,
    /// Whether the drawer is open (narrow screens).
    open: RwSignal<bool>,
    /// Guests make public rooms only, and have no direct messages.
    guest: bool,
) -> impl IntoView {
    let rooms = move || {
        list.rooms.with(|r| {
            r.iter()
                .filter(|r| r.direct_with.is_none())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let directs = move || {
        list.rooms.with(|r| {
            r.iter()
                .filter(|r| r.direct_with.is_some())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <nav class="sidebar" class:open=move || open.get() aria-label="Your rooms">
            <div class="sidebar-head">
                <h2>"Rooms"</h2>
                <button type="button" class="drawer-close" aria-label="Close the room list"
                    on:click=move |_| open.set(false)>"×"</button>
            </div>
            <ul class="room-links">
                <For each=rooms key=|r| r.name.clone() children=move |room| view! { <RoomLink room list /> } />
            </ul>
            <BrowseRooms list />
            <NewRoom list guest />
            {(!guest).then(|| view! {
                <h2>"Direct messages"</h2>
                <ul class="room-links">
                    <For each=directs key=|r| r.name.clone() children=move |room| view! { <RoomLink room list /> } />
                </ul>
                <OpenDirect list />
            })}
        </nav>
        <div class="drawer-scrim" class:open=move || open.get() on:click=move |_| open.set(false)></div>
    }
}

/// One room of mine: its name (or the other person's, for a direct
/// message), and what is unread in it. It reads its counts from the list,
/// so a count changing redraws the badge, not the row.
#[component]
fn RoomLink(room: MyRoom, list: RoomList) -> impl IntoView {
    let name = room.name.clone();
    let current = {
        let name = name.clone();
        move || (list.current.get() == name).then_some("page")
    };
    let counts = {
        let name = name.clone();
        Memo::new(move |_| {
            list.rooms.with(|rooms| {
                rooms
                    .iter()
                    .find(|r| r.name == name)
                    .map_or((0, 0), |r| (r.unread, r.mentions))
            })
        })
    };
    let unread = move || counts.get().0;
    let mentions = move || counts.get().1;
    let (label, mark) = match &room.direct_with {
        Some(person) => (person.clone(), "@"),
        None if room.private => (room.name.clone(), "🔒"),
        None => (room.name.clone(), "#"),
    };
    let title = if room.private && room.direct_with.is_none() {
        format!("#{} (private)", room.name)
    } else {
        label.clone()
    };
    view! {
        <li>
            <a class="room-link" href=room_path(&name) title=title
                class:unread=move || { unread() > 0 }
                aria-current=current
                on:click=move |ev| list.open_on_click(ev, &name)>
                <span class="room-mark" aria-hidden="true">{mark}</span>
                <span class="room-name">{label}</span>
                {move || (mentions() > 0).then(|| view! {
                    <span class="badge mention" title="Mentions of you">"@" {mentions()}</span>
                })}
                {move || (unread() > 0).then(|| view! {
                    <span class="badge" title="Unread messages">{unread()}</span>
                })}
            </a>
        </li>
    }
}
