//! *Leave room*: the room leaves my list on every device, and the page
//! goes to my next room.

use super::list::RoomList;
use leptos::prelude::*;

#[component]
pub fn LeaveButton(
    list: RoomList,
    /// The room shown is a direct message.
    direct: Signal<bool>,
) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let label = move || {
        if direct.get() {
            "Close conversation"
        } else {
            "Leave room"
        }
    };
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let room = list.current.get_untracked();
            let asked = format!(
                "Leave #{room}? It leaves your list on every device; a private room takes being added again."
            );
            if !direct.get_untracked() && !window().confirm_with_message(&asked).unwrap_or(false) {
                return;
            }
            leptos::task::spawn_local(async move {
                let path = format!(
                    "/api/rooms/{}/membership",
                    String::from(js_sys::encode_uri_component(&room))
                );
                match crate::xhr::send_json("DELETE", &path, "").await {
                    Some(reply) if reply.status == 200 => {
                        list.left(&room);
                        list.open_next();
                    }
                    Some(reply) => error.set(Some(reply.refusal())),
                    None => error.set(Some(crate::xhr::unreachable())),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (list, direct);
    };
    view! {
        <button type="button" class="leave-room" on:click=on_click>{label}</button>
        {move || error.get().map(|e| view! { <p class="leave-error error" role="alert">{e}</p> })}
    }
}
