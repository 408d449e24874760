//! Changing a stored message from its line: *Edit* (the author's own text)
//! opens the text in place; *Delete* (the author's own, or any for staff)
//! asks first. Whatever the server refuses is said under the line.

use super::live::Live;
use leptos::ev::KeyboardEvent;
use leptos::html::Textarea;
use leptos::prelude::*;

/// What the reader may do to one stored message, and where that stands.
#[derive(Clone, Copy)]
pub struct Change {
    pub live: Live,
    pub id: i64,
    /// The text is open for editing.
    pub editing: RwSignal<bool>,
    /// Why the last edit or deletion did not go through.
    pub problem: RwSignal<Option<String>>,
}

impl Change {
    pub fn new(live: Live, id: i64) -> Self {
        Change {
            live,
            id,
            editing: RwSignal::new(false),
            problem: RwSignal::new(None),
        }
    }

    fn delete(self) {
        let asked = window().confirm_with_message(
            "Delete this message? Everyone in the room will see that a message was deleted.",
        );
        if asked != Ok(true) {
            return;
        }
        self.problem.set(None);
        leptos::task::spawn_local(async move {
            if let Err(reason) = self.live.delete(self.id).await {
                self.problem.set(Some(reason));
            }
        });
    }

    fn save(self, text: String, original: &str) {
        let text = text.trim().to_owned();
        if text.is_empty() {
            self.problem
                .set(Some("A message can't be empty; delete it instead.".into()));
            return;
        }
        if text == original.trim() {
            self.editing.set(false);
            return;
        }
        self.problem.set(None);
        leptos::task::spawn_local(async move {
            match self.live.edit(self.id, text).await {
                // The line is drawn anew with the new text.
                Ok(()) => self.editing.set(false),
                Err(reason) => self.problem.set(Some(reason)),
            }
        });
    }
}

/// The *Edit* and *Delete* buttons of a line.
#[component]
pub fn MessageActions(change: Change, may_edit: bool) -> impl IntoView {
    let edit = may_edit.then(|| {
        view! {
            <button
                type="button"
                class="link"
                data-action="edit"
                on:click=move |_| {
                    change.problem.set(None);
                    change.editing.set(true);
                }
            >
                "Edit"
            </button>
        }
    });
    view! {
        <span class="message-actions" class:hidden=move || change.editing.get()>
            {edit}
            <button type="button" class="link" data-action="delete" on:click=move |_| change.delete()>
                "Delete"
            </button>
        </span>
    }
}

/// The text of a line, open for editing: Enter saves, Shift+Enter starts a
/// new line, Escape cancels.
#[component]
pub fn EditBox(change: Change, text: String) -> impl IntoView {
    let input = NodeRef::<Textarea>::new();
    let draft = RwSignal::new(text.clone());
    let original = StoredValue::new(text);
    let save = move || change.save(draft.get_untracked(), &original.read_value());
    let cancel = move || {
        change.problem.set(None);
        change.editing.set(false);
    };
    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.shift_key() && !ev.is_composing() => {
            ev.prevent_default();
            save();
        }
        "Escape" => cancel(),
        _ => {}
    };
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    view! {
        <div class="edit-box">
            <textarea
                rows="2"
                aria-label="Edit message"
                node_ref=input
                prop:value=draft
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <div class="edit-buttons">
                <button type="button" class="link" data-action="cancel" on:click=move |_| cancel()>
                    "Cancel"
                </button>
                <button type="button" class="save" data-action="save" on:click=move |_| save()>
                    "Save"
                </button>
            </div>
        </div>
    }
}

/// Why the last change of a line did not go through, if it did not.
#[component]
pub fn ChangeProblem(change: Change) -> impl IntoView {
    move || {
        change.problem.get().map(|reason| {
            view! { <span class="delivery failed" role="alert">{reason}</span> }
        })
    }
}
