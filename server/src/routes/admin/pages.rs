//! The admin pages: plain HTML forms. A change answers with a redirect to
//! the page it was made from (so reloading does not repeat it); a refused
//! one shows that page again with what was wrong.

use super::sign_in::{StaffLoginRequest, sign_in};
use super::{
    MAX_ROOMS, delete_message_as, impose, room_messages, room_summaries, sanction_summaries,
};
use crate::error::ApiError;
use crate::net::{ClientIp, Network};
use crate::routes::login::signed_in_to;
use crate::routes::reader::{StaffUser, int_param};
use crate::state::AppState;
use crate::throttles::Throttles;
use app::admin::{self, OverviewPage, PageContext, RoomMessagesPage, StaffLoginPage};
use axum::Form;
use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chat_core::Chat;
use chat_core::session::Session;
use leptos::prelude::*;
use protocol::events::ErrorCode;
use serde::Deserialize;
use std::collections::HashMap;

/// Messages on one page of a room.
const PAGE_SIZE: i64 = 50;
/// Rooms on the overview.
const ROOMS_SHOWN: i64 = MAX_ROOMS;

/// What these pages allow the browser: nothing from elsewhere, no inline
/// script (so a message's text can never run as one), no framing (so no
/// one can trick a moderator into clicking *Delete*).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; \
    frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// A server-only page's HTML (admin and account pages), never cached.
pub(crate) fn html(status: StatusCode, document: String) -> Response {
    let mut response = (status, document).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "private, no-store"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

pub(crate) fn context(state: &AppState, staff: Option<&Session>) -> PageContext {
    PageContext {
        stylesheet: state.stylesheet.clone(),
        staff: staff.map(|s| s.username.to_string()),
    }
}

/// The staff member signed in; anyone else is sent to the sign-in page.
pub struct StaffPage(pub Session);

impl<S> FromRequestParts<S> for StaffPage
where
    S: Send + Sync,
    Chat: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        match StaffUser::from_request_parts(parts, state).await {
            Ok(StaffUser(session)) => Ok(StaffPage(session)),
            Err(e)
                if matches!(
                    e.code(),
                    ErrorCode::Unauthorized | ErrorCode::Forbidden | ErrorCode::Banned
                ) =>
            {
                Err(Redirect::to("/admin/login").into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Optional (`Option<StaffPage>`): whether staff are signed in.
impl<S> OptionalFromRequestParts<S> for StaffPage
where
    S: Send + Sync,
    Chat: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(
            <Self as FromRequestParts<S>>::from_request_parts(parts, state)
                .await
                .ok(),
        )
    }
}

/// `GET /admin/login`: the sign-in form (staff already signed in go on to
/// the rooms).
pub async fn login_form(State(state): State<AppState>, staff: Option<StaffPage>) -> Response {
    if staff.is_some() {
        return Redirect::to("/admin/").into_response();
    }
    let context = context(&state, None);
    html(
        StatusCode::OK,
        admin::render(view! { <StaffLoginPage context username=String::new() error=None /> }),
    )
}

/// `POST /admin/login`: a staff session cookie and on to the rooms, or the
/// form again with why not (401, or 429 after too many failures).
pub async fn login_submit(
    State(state): State<AppState>,
    State(throttles): State<Throttles>,
    State(network): State<Network>,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<StaffLoginRequest>,
) -> Response {
    match sign_in(&state.chat, &throttles, client, &headers, &form).await {
        Ok(signed) => signed_in_to("/admin/", &signed.token, &network),
        Err(e) => {
            let context = context(&state, None);
            let (status, error) = (e.status(), Some(e.public_message()));
            let username = form.username;
            html(
                status,
                admin::render(view! { <StaffLoginPage context username error /> }),
            )
        }
    }
}

/// `GET /admin`: the pages live under `/admin/`.
pub async fn add_trailing_slash() -> Redirect {
    Redirect::permanent("/admin/")
}

/// `GET /admin/?done=`: rooms, mutes and bans.
pub async fn overview(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let notice = query.get("done").and_then(|done| done_notice(done));
    overview_page(&state, &staff, StatusCode::OK, notice, None).await
}

/// What the overview says after a change it redirected from.
fn done_notice(done: &str) -> Option<String> {
    Some(
        match done {
            "mute" => "Muted. They can read the room but not post in it until then.",
            "ban" => "Banned. Their connections were closed, and they cannot sign in until then.",
            "lift" => "Lifted.",
            _ => return None,
        }
        .to_owned(),
    )
}

async fn overview_page(
    state: &AppState,
    staff: &Session,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let loaded = async {
        Ok::<_, ApiError>((
            room_summaries(&state.chat, ROOMS_SHOWN).await?,
            sanction_summaries(&state.chat).await?,
        ))
    };
    let (rooms, sanctions) = match loaded.await {
        Ok(loaded) => loaded,
        Err(e) => return e.into_response(),
    };
    let context = context(state, Some(staff));
    html(
        status,
        admin::render(view! { <OverviewPage context rooms sanctions notice error /> }),
    )
}

/// The mute-or-ban form, and each *Lift* button (`minutes` 0).
#[derive(Debug, Deserialize)]
pub struct SanctionForm {
    kind: String,
    #[serde(default)]
    room: Option<String>,
    username: String,
    minutes: String,
}

/// `POST /admin/sanctions`: as the `mute` and `ban` events.
pub async fn impose_sanction(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(form): Form<SanctionForm>,
) -> Response {
    let imposed = async {
        let minutes = form
            .minutes
            .trim()
            .parse::<u32>()
            .map_err(|_| ApiError::invalid("minutes must be a whole number (0 lifts it)"))?;
        let until = impose(
            &state.chat,
            &staff.username,
            &form.kind,
            form.room.as_deref(),
            &form.username,
            minutes,
        )
        .await?;
        Ok::<_, ApiError>(until.is_some())
    };
    match imposed.await {
        Ok(true) => Redirect::to(&format!("/admin/?done={}", form.kind)).into_response(),
        Ok(false) => Redirect::to("/admin/?done=lift").into_response(),
        Err(e) => {
            let error = Some(format!("Not done: {}.", e.public_message()));
            overview_page(&state, &staff, e.status(), None, error).await
        }
    }
}

/// `GET /admin/rooms/<room>/?before=&deleted=`: a page of the room's
/// messages, newest first.
pub async fn room(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(room): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let before = match int_param(&query, "before", 1, i64::MAX) {
        Ok(before) => before,
        Err(e) => return e.into_response(),
    };
    let notice = query
        .get("deleted")
        .and_then(|id| id.parse::<i64>().ok())
        .map(|id| format!("Message {id} deleted."));
    room_page(&state, &staff, &room, before, StatusCode::OK, notice, None).await
}

async fn room_page(
    state: &AppState,
    staff: &Session,
    room: &str,
    before: Option<i64>,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let (room, page) = match room_messages(&state.chat, room, before, PAGE_SIZE).await {
        Ok(loaded) => loaded,
        Err(e) => return e.into_response(),
    };
    let context = context(state, Some(staff));
    let room = room.to_string();
    let has_more = page.has_more;
    let mut messages = page.messages;
    messages.reverse();
    html(
        status,
        admin::render(view! {
            <RoomMessagesPage context room messages before has_more notice error />
        }),
    )
}

/// The *Delete* button's form: which page it was on.
#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    before: Option<String>,
}

/// `POST /admin/rooms/<room>/messages/<id>/delete`: the same deletion as
/// the socket event (image file included), then back to the page.
pub async fn delete_message(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path((room, id)): Path<(String, i64)>,
    Form(form): Form<DeleteForm>,
) -> Response {
    let before = form
        .before
        .as_deref()
        .and_then(|b| b.trim().parse::<i64>().ok());
    match delete_message_as(&state, &staff, &room, id).await {
        Ok(message) => {
            let back = match before {
                Some(before) => format!("&before={before}"),
                None => String::new(),
            };
            let to = format!("/admin/rooms/{}/?deleted={id}{back}#m{id}", message.room);
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            let error = Some(format!("Not deleted: {}.", e.public_message()));
            room_page(&state, &staff, &room, before, e.status(), None, error).await
        }
    }
}
