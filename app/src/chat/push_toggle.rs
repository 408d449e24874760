//! "Enable notifications": pushes to this browser while the reader is
//! away, and desktop notifications while the tab is hidden.

use super::push_state::PushState;
use leptos::prelude::*;

#[component]
pub fn PushToggle() -> impl IntoView {
    let state = RwSignal::new(PushState::Unsupported);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            state.set(super::push_flow::current().await);
        });
    });
    let toggle = move |_| {
        let was = state.get_untracked();
        if matches!(was, PushState::Working | PushState::Blocked) {
            return;
        }
        state.set(PushState::Working);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let now = match was {
                PushState::On => super::push_flow::disable().await,
                _ => super::push_flow::enable().await,
            };
            state.set(now);
        });
    };
    let label = move || match state.get() {
        PushState::On => "Turn off notifications",
        PushState::Working => "Notifications…",
        PushState::Blocked => "Notifications blocked",
        _ => "Enable notifications",
    };
    let hint = move || match state.get() {
        PushState::Blocked => {
            "Notifications are blocked for this site: allow them in the browser's site settings."
        }
        PushState::On => "You are notified of new messages while you are away",
        _ => "Be notified of new messages while you are away",
    };
    let failure = move || match state.get() {
        PushState::Failed(message) => Some(view! {
            <span class="push-error" role="alert">{message}</span>
        }),
        _ => None,
    };
    let shown = move || state.get() != PushState::Unsupported;
    let data_state = move || match state.get() {
        PushState::Unsupported => "unsupported",
        PushState::Off => "off",
        PushState::Working => "working",
        PushState::On => "on",
        PushState::Blocked => "blocked",
        PushState::Failed(_) => "failed",
    };

    view! {
        <Show when=shown>
            <span class="push">
                <button
                    type="button"
                    class="push-toggle"
                    data-push=data_state
                    title=hint
                    aria-pressed=move || (state.get() == PushState::On).to_string()
                    disabled=move || matches!(state.get(), PushState::Working | PushState::Blocked)
                    on:click=toggle
                >
                    {label}
                </button>
                {failure}
            </span>
        </Show>
    }
}
