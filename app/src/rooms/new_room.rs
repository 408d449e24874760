//! *New room* (public or private) and *Message someone* (a direct
//! message): each a small form that takes the page to the room.

use super::list::RoomList;
use leptos::prelude::*;

/// A form's state: what was typed, and why the server said no.
#[derive(Clone, Copy)]
struct Form {
    open: RwSignal<bool>,
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
}

impl Form {
    fn new() -> Self {
        Form {
            open: RwSignal::new(false),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// The toggle that shows the form.
    fn toggle(self, label: &'static str) -> impl IntoView {
        view! {
            <button type="button" class="panel-toggle" aria-expanded=move || self.open.get().to_string()
                on:click=move |_| self.open.update(|o| *o = !*o)>{label}</button>
        }
    }

    /// Sends the form (one submission at a time): `ask` is the request,
    /// whose answer takes the page to the room (the form closing, `clear`
    /// emptying it), or says why not.
    #[cfg(feature = "hydrate")]
    fn submit(
        self,
        list: RoomList,
        ask: impl std::future::Future<Output = Result<protocol::rooms::RoomRef, String>> + 'static,
        clear: impl FnOnce() + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        leptos::task::spawn_local(async move {
            match ask.await {
                Ok(room) => {
                    self.open.set(false);
                    clear();
                    list.open(&room.name);
                }
                Err(reason) => self.error.set(Some(reason)),
            }
            self.busy.set(false);
        });
    }

    fn error_line(self) -> impl IntoView {
        move || {
            self.error
                .get()
                .map(|e| view! { <p class="panel-note error" role="alert">{e}</p> })
        }
    }
}

#[component]
pub fn NewRoom(list: RoomList, guest: bool) -> impl IntoView {
    let form = Form::new();
    let name = RwSignal::new(String::new());
    let private = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let request = protocol::rooms::NewRoom {
                name: name.get_untracked().trim().to_owned(),
                private: private.get_untracked(),
            };
            let ask = async move {
                let body = serde_json::to_string(&request).unwrap_or_default();
                match crate::xhr::send_json("POST", "/api/rooms", &body).await {
                    Some(reply) if reply.status == 201 => serde_json::from_str(&reply.body)
                        .map_err(|e| format!("Unexpected reply from the server: {e}")),
                    Some(reply) => Err(reply.refusal()),
                    None => Err(crate::xhr::unreachable()),
                }
            };
            form.submit(list, ask, move || {
                name.set(String::new());
                private.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = list;
    };
    view! {
        <div class="sidebar-panel new-room">
            {form.toggle("New room")}
            <Show when=move || form.open.get()>
                <form class="panel-form" on:submit=on_submit>
                    <label>"Name"
                        <input type="text" required maxlength="64" autocomplete="off"
                            placeholder="design-review"
                            prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev)) />
                    </label>
                    {if guest {
                        view! { <p class="panel-note">"Protect your name to make private rooms."</p> }.into_any()
                    } else {
                        view! {
                            <label class="check">
                                <input type="checkbox" prop:checked=move || private.get()
                                    on:change=move |ev| private.set(event_target_checked(&ev)) />
                                "Private: only people you add see it"
                            </label>
                        }.into_any()
                    }}
                    <button type="submit" disabled=move || form.busy.get()>"Create"</button>
                    {form.error_line()}
                </form>
            </Show>
        </div>
    }
}

#[component]
pub fn OpenDirect(list: RoomList) -> impl IntoView {
    let form = Form::new();
    let person = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            let who = String::from(js_sys::encode_uri_component(person.get_untracked().trim()));
            let ask = async move { crate::xhr::get_json(&format!("/api/dm/{who}")).await };
            form.submit(list, ask, move || person.set(String::new()));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = list;
    };
    view! {
        <div class="sidebar-panel open-direct">
            {form.toggle("Message someone")}
            <Show when=move || form.open.get()>
                <form class="panel-form" on:submit=on_submit>
                    <label>"Their name"
                        <input type="text" required maxlength="32" autocomplete="off"
                            prop:value=move || person.get()
                            on:input=move |ev| person.set(event_target_value(&ev)) />
                    </label>
                    <button type="submit" disabled=move || form.busy.get()>"Open"</button>
                    {form.error_line()}
                </form>
            </Show>
        </div>
    }
}
