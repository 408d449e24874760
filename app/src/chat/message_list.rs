use super::feed::Entry;
use super::history::load_older;
use super::live::Live;
use super::message_row::MessageRow;
use leptos::either::{Either, EitherOf4};
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
pub fn MessageList(live: Live) -> impl IntoView {
    let scroller = NodeRef::<Div>::new();
    let older = RwSignal::new(if live.has_more.get_value() {
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
    // The first message of others after the marker the page opened with:
    // the *New* divider stands above it.
    let first_unread = {
        let me = me.clone();
        Memo::new(move |_| {
            let from = live.unread_from.get()?;
            live.feed.with(|f| {
                f.entries()
                    .iter()
                    .filter(|e| e.notice.is_none() && e.username != me)
                    .find_map(|e| e.id.filter(|id| *id > from))
            })
        })
    };
    // *Jump to first unread* stays until used, or until the reader scrolls
    // back themselves.
    let jumped = RwSignal::new(false);
    let last_top = StoredValue::new(i32::MAX);

    // Once the divider has been on screen there is nothing to jump to.
    let note_divider = move || {
        #[cfg(feature = "hydrate")]
        if let (Some(el), Some(divider)) = (
            scroller.get_untracked(),
            document().get_element_by_id("first-unread"),
        ) {
            let (list, line) = (
                el.get_bounding_client_rect(),
                divider.get_bounding_client_rect(),
            );
            if line.top() >= list.top() && line.bottom() <= list.bottom() {
                jumped.set(true);
            }
        }
    };
    let scroll_to_bottom = move || {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        note_divider();
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
        let room = live.room();
        leptos::task::spawn_local(async move {
            match load_older(&room, before).await {
                Ok(page) => {
                    // The reader moved to another room meanwhile (this list
                    // is gone): the room's next list asks again.
                    let (true, Some(Some(el))) = (live.shows(&room), scroller.try_get_untracked())
                    else {
                        return;
                    };
                    live.has_more.set_value(page.has_more);
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
                Err(reason) => {
                    older.try_set(Older::Failed(reason));
                }
            }
        });
    };

    Effect::new(move |_| {
        local_time.set(true);
    });
    // After a long outage the list restarts from the newest page: there is
    // history above it again.
    Effect::new(move |previous: Option<u32>| {
        let resets = live.history_resets.get();
        if previous.is_some_and(|p| p != resets) {
            live.has_more.set_value(true);
            older.set(Older::Available);
        }
        resets
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
        if live.at_newest.get_untracked() != (gap < STICKY_PX) {
            live.at_newest.set(gap < STICKY_PX);
        }
        if el.scroll_top() < last_top.get_value() && last_top.get_value() != i32::MAX {
            jumped.set(true);
        }
        last_top.set_value(el.scroll_top());
        if gap < STICKY_PX {
            unseen.set(false);
        }
        if !jumped.get_untracked() {
            note_divider();
        }
        if el.scroll_top() < PRELOAD_PX {
            load_older_page();
        }
    };
    let jump_to_first_unread = move |_| {
        jumped.set(true);
        if let Some(divider) = document().get_element_by_id("first-unread") {
            divider.scroll_into_view();
        }
    };
    let jump_to_newest = move |_| {
        unseen.set(false);
        stick_to_bottom.set_value(true);
        scroll_to_bottom();
    };

    view! {
        <div class="messages-frame">
            // A log: new lines are read out as they come (politely), and
            // the list can take the focus to be scrolled with the keyboard.
            <div
                class="messages"
                role="log"
                aria-label=move || format!("Messages in {}", live.heading())
                tabindex="0"
                node_ref=scroller
                on:scroll=on_scroll
            >
                <HistoryEdge older retry=move || {
                    older.set(Older::Available);
                    load_older_page();
                } />
                <ol class="message-list">
                    <For
                        each=move || live.feed.with(|f| f.entries().to_vec())
                        key=Entry::key
                        children=move |entry| {
                            if entry.notice.is_some() {
                                return Either::Left(view! { <li class="notice">{entry.content}</li> });
                            }
                            let mine = entry.username == me;
                            let id = entry.id;
                            let divider = move || {
                                (id.is_some() && first_unread.get() == id).then(|| view! {
                                    <li class="unread-divider" id="first-unread" role="separator"
                                        aria-label="New messages">
                                        <span>"New"</span>
                                    </li>
                                })
                            };
                            Either::Right(view! { {divider} <MessageRow entry mine local_time live /> })
                        }
                    />
                </ol>
            </div>
            <Show when=move || first_unread.get().is_some() && !jumped.get()>
                <button type="button" class="jump-to-unread" on:click=jump_to_first_unread>
                    "Jump to first unread ↑"
                </button>
            </Show>
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
    move || match older.get() {
        Older::Available => EitherOf4::A(view! { <p class="history-edge" data-edge="more"></p> }),
        Older::Loading => EitherOf4::B(view! {
            <p class="history-edge" data-edge="loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                "Loading older messages…"
            </p>
        }),
        Older::Failed(reason) => EitherOf4::C(view! {
            <p class="history-edge error" data-edge="failed" role="alert">
                "Couldn't load older messages (" {reason} "). "
                <button type="button" class="link" on:click=move |_| retry()>"Retry"</button>
            </p>
        }),
        Older::Exhausted => EitherOf4::D(view! {
            <p class="history-edge room-start" data-edge="start">"This is the beginning of the room."</p>
        }),
    }
}
