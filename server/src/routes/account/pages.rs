//! `/account` and its forms: the page lists what the JSON routes return,
//! and each form does what its JSON twin does, then comes back to the page
//! saying what happened.

use crate::error::ApiError;
use crate::net::ClientIp;
use crate::routes::admin::pages::{context, html};
use crate::routes::login::signed_out;
use crate::routes::pages::to_login_page;
use crate::routes::reader::SessionUser;
use crate::state::AppState;
use crate::throttles::Throttles;
use app::account::{AccountPage, AccountView, SessionView, outcome_of};
use app::admin;
use app::location::room_path;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chat_core::session::Session;
use leptos::prelude::*;
use protocol::events::ErrorCode;
use protocol::message::format_timestamp;
use protocol::names::RoomName;
use serde::Deserialize;
use std::collections::HashMap;

use super::sign_in::counting_failures;

/// The room a form came from, if it names one.
fn room_of(raw: Option<&String>) -> Option<RoomName> {
    raw.and_then(|raw| RoomName::parse(raw).ok())
}

/// Back to the account page, saying `key=value` (and keeping the room).
fn back(key: &str, value: &str, room: Option<&RoomName>) -> Response {
    let mut query = vec![(key, value)];
    if let Some(room) = room {
        query.push(("room", room.as_str()));
    }
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    Redirect::to(&format!("/account?{query}")).into_response()
}

/// The code of a refusal, for the page to say; a failure it cannot act on
/// is the server's error page.
fn refused(e: ApiError, room: Option<&RoomName>) -> Response {
    match e.code() {
        code @ (ErrorCode::WeakPassword
        | ErrorCode::BadCredentials
        | ErrorCode::Taken
        | ErrorCode::Forbidden
        | ErrorCode::RateLimited
        | ErrorCode::Invalid
        | ErrorCode::NotFound) => {
            let code = serde_json::to_value(code).unwrap_or_default();
            back("error", code.as_str().unwrap_or_default(), room)
        }
        _ => e.into_response(),
    }
}

/// The reader, or where they should go instead: the login page without a
/// session, saying why once it ended or while banned.
async fn reader(
    state: &AppState,
    reader: Result<Option<SessionUser>, ApiError>,
) -> Result<Session, Response> {
    match reader {
        Ok(Some(SessionUser(me))) => Ok(me),
        Ok(None) => Err(Redirect::to("/").into_response()),
        Err(e) => Err(to_login_page(e, None, &state.network)),
    }
}

/// `GET /account`.
pub async fn page(
    State(state): State<AppState>,
    me: Result<Option<SessionUser>, ApiError>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let me = match reader(&state, me).await {
        Ok(me) => me,
        Err(elsewhere) => return elsewhere,
    };
    let sessions = match state.chat.sessions_of(&me).await {
        Ok(sessions) => sessions,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let account = AccountView {
        username: me.username.to_string(),
        guest: me.guest,
        staff: me.staff,
        sessions: sessions
            .into_iter()
            .map(|s| SessionView {
                current: s.id == me.id,
                created_at: format_timestamp(&s.created_at),
                last_seen: format_timestamp(&s.last_seen),
                user_agent: s.user_agent,
                id: s.id,
            })
            .collect(),
        room: room_of(query.get("room")).map(|room| room.to_string()),
    };
    let (notice, error) = outcome_of(
        query.get("done").map(String::as_str),
        query.get("error").map(String::as_str),
    );
    let context = context(&state, None);
    html(
        StatusCode::OK,
        admin::render(view! { <AccountPage context account notice error /> }),
    )
}

#[derive(Debug, Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    password: String,
    room: Option<String>,
}

/// `POST /account/claim`: back to the room it came from once protected.
pub async fn claim(
    State(state): State<AppState>,
    me: Result<Option<SessionUser>, ApiError>,
    Form(form): Form<ClaimForm>,
) -> Response {
    let room = room_of(form.room.as_ref());
    let me = match reader(&state, me).await {
        Ok(me) => me,
        Err(elsewhere) => return elsewhere,
    };
    match state.chat.claim(&me, &form.password).await {
        Ok(_) => match &room {
            Some(room) => Redirect::to(&room_path(room.as_str())).into_response(),
            None => back("done", "claimed", None),
        },
        Err(e) => refused(e.into(), room.as_ref()),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// `POST /account/password`.
pub async fn change_password(
    State(state): State<AppState>,
    State(throttles): State<Throttles>,
    client: ClientIp,
    me: Result<Option<SessionUser>, ApiError>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let me = match reader(&state, me).await {
        Ok(me) => me,
        Err(elsewhere) => return elsewhere,
    };
    let change = state.chat.change_password(&me, &form.current, &form.new);
    let changed = if me.guest {
        change.await.map_err(ApiError::from)
    } else {
        counting_failures(&throttles, client, me.username.as_str(), change).await
    };
    match changed {
        Ok(()) => back("done", "password", None),
        Err(e) => refused(e, None),
    }
}

/// `POST /account/sessions/{id}/end`.
pub async fn end_session(
    State(state): State<AppState>,
    me: Result<Option<SessionUser>, ApiError>,
    Path(id): Path<String>,
) -> Response {
    let me = match reader(&state, me).await {
        Ok(me) => me,
        Err(elsewhere) => return elsewhere,
    };
    match state.chat.end_session(&me, &id).await {
        Ok(()) if id == me.id => signed_out("/", &state.network),
        Ok(()) => back("done", "ended", None),
        Err(e) => refused(e.into(), None),
    }
}

/// `POST /account/sessions/end-others`.
pub async fn end_other_sessions(
    State(state): State<AppState>,
    me: Result<Option<SessionUser>, ApiError>,
) -> Response {
    let me = match reader(&state, me).await {
        Ok(me) => me,
        Err(elsewhere) => return elsewhere,
    };
    match state.chat.end_other_sessions(&me).await {
        Ok(_) => back("done", "ended_others", None),
        Err(e) => refused(e.into(), None),
    }
}
