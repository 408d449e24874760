use super::PageContext;
use super::document::{AdminDocument, Moment, Outcome, WideTable};
use crate::message::{ChatMessage, ContentType};
use leptos::either::{Either, EitherOf3};
use leptos::prelude::*;

/// `/admin/rooms/<room>/`: the room's messages, newest first, each with
/// *Delete*; the link at the end opens the next older page (the page's
/// script loads it in place as it scrolls into view).
#[component]
pub fn RoomMessagesPage(
    context: PageContext,
    room: String,
    /// Newest first.
    messages: Vec<ChatMessage>,
    /// The `before` of this page, if it is not the newest one.
    before: Option<i64>,
    /// Whether older messages exist.
    has_more: bool,
    notice: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let older = messages
        .last()
        .filter(|_| has_more)
        .map(|oldest| format!("/admin/rooms/{room}/?before={}", oldest.id));
    let rows = messages
        .into_iter()
        .map(|message| view! { <MessageRow message before /> })
        .collect_view();
    let edge = match older {
        Some(href) => Either::Left(view! {
            <a class="admin-older" href=href data-load-on-view="">"Older messages"</a>
        }),
        None => {
            Either::Right(view! { <p class="admin-empty">"This is the beginning of the room."</p> })
        }
    };
    view! {
        <AdminDocument context title=format!("#{room}")>
            <p><a href="/admin/">"← All rooms"</a></p>
            <Outcome notice error />
            <WideTable label="Messages">
                <table class="admin-table room-log" data-rows="">
                    <thead>
                        <tr>
                            <th scope="col" class="number">"Id"</th>
                            <th scope="col">"Time"</th>
                            <th scope="col">"User"</th>
                            <th scope="col">"Message"</th>
                            <th scope="col"><span class="visually-hidden">"Delete"</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </WideTable>
            {edge}
        </AdminDocument>
    }
}

#[component]
fn MessageRow(message: ChatMessage, before: Option<i64>) -> impl IntoView {
    let ChatMessage {
        id,
        room,
        username,
        content,
        image,
        content_type,
        timestamp,
        edited_at,
        deleted,
        ..
    } = message;
    let src = image.unwrap_or_default();
    let href = src.clone();
    let body = match content_type {
        _ if deleted => EitherOf3::A(view! { <span class="tombstone">"message deleted"</span> }),
        ContentType::Image => EitherOf3::B(view! {
            <a href=href target="_blank" rel="noopener">
                <img class="admin-thumb" src=src alt="Image (opens full size)" loading="lazy" />
            </a>
            {content.map(|caption| view! { <span class="caption">{caption}</span> })}
        }),
        ContentType::Text => EitherOf3::C(view! { <span class="text">{content}</span> }),
    };
    let edited = edited_at
        .filter(|_| !deleted)
        .map(|_| view! { <span class="edited">" (edited)"</span> });
    let delete = (!deleted).then(|| {
        let action = format!("/admin/rooms/{room}/messages/{id}/delete");
        view! {
            <form method="post" action=action data-confirm="Delete this message?">
                <input type="hidden" name="before" value=before.map(|b| b.to_string()) />
                <button type="submit" class="link danger">"Delete"</button>
            </form>
        }
    });
    view! {
        <tr id=format!("m{id}") class:deleted=deleted>
            <td class="number">{id}</td>
            <td><Moment at=Some(crate::message::format_timestamp(&timestamp)) /></td>
            <td>{username}</td>
            <td class="body">{body} {edited}</td>
            <td>{delete}</td>
        </tr>
    }
}
