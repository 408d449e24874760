//! *Browse rooms*: the directory of public rooms, found by the beginning
//! of their name, with how many people are in each.

use super::list::RoomList;
use crate::location::room_path;
use leptos::prelude::*;
use protocol::rooms::DirectoryRoom;

/// Where the directory stands (answers arrive in the browser only).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq)]
enum Found {
    Idle,
    Loading,
    Rooms(Vec<DirectoryRoom>),
    Failed(String),
}

#[component]
pub fn BrowseRooms(list: RoomList) -> impl IntoView {
    let found = RwSignal::new(Found::Idle);
    let query = RwSignal::new(String::new());
    // Each search is numbered, so a slow answer to an older one never
    // replaces a newer one's.
    let asked = StoredValue::new(0u32);
    let search = move || {
        let turn = asked.get_value() + 1;
        asked.set_value(turn);
        found.set(Found::Loading);
        #[cfg(feature = "hydrate")]
        {
            let q = query.get_untracked();
            leptos::task::spawn_local(async move {
                let q = String::from(js_sys::encode_uri_component(q.trim()));
                let path = format!("/api/rooms/directory?q={q}");
                let answer = crate::xhr::get_json::<protocol::rooms::Directory>(&path).await;
                if asked.get_value() == turn {
                    found.set(match answer {
                        Ok(directory) => Found::Rooms(directory.rooms),
                        Err(reason) => Found::Failed(reason),
                    });
                }
            });
        }
    };
    let open = RwSignal::new(false);
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        if open.get_untracked() && found.get_untracked() == Found::Idle {
            search();
        }
    };
    let results = move || {
        match found.get() {
        Found::Idle => ().into_any(),
        Found::Loading => view! {
            <p class="panel-note" role="status"><span class="spinner" aria-hidden="true"></span>"Looking…"</p>
        }
        .into_any(),
        Found::Failed(reason) => view! {
            <p class="panel-note error" role="alert">{reason} " "
                <button type="button" class="link" on:click=move |_| search()>"Retry"</button>
            </p>
        }
        .into_any(),
        Found::Rooms(rooms) if rooms.is_empty() => view! {
            <p class="panel-note">"No public room starts with that. Make it below."</p>
        }
        .into_any(),
        Found::Rooms(rooms) => view! {
            <ul class="directory">
                {rooms.into_iter().map(|room| {
                    let members = match room.members {
                        1 => "1 member".to_owned(),
                        n => format!("{n} members"),
                    };
                    let name = room.name.clone();
                    view! {
                        <li>
                            <a href=room_path(&room.name)
                                on:click=move |ev| list.open_on_click(ev, &name)>"#" {room.name.clone()}</a>
                            <span class="members">{members}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
        .into_any(),
    }
    };
    view! {
        <div class="sidebar-panel browse">
            <button type="button" class="panel-toggle" aria-expanded=move || open.get().to_string()
                on:click=toggle>"Browse rooms"</button>
            <Show when=move || open.get()>
            <input type="search" class="directory-search" placeholder="Room name starts with…"
                aria-label="Find public rooms" maxlength="32"
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    search();
                } />
            {results}
            </Show>
        </div>
    }
}
