//! Server-rendered pages and the server-function endpoint.

use super::login::{setting_cookie, signed_out};
use super::reader::SessionUser;
use crate::error::ApiError;
use crate::net::Network;
use crate::state::AppState;
use app::location::room_path;
use app::shell;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use chat_core::session::{session_cookie, token_from_headers};
use leptos::prelude::provide_context;
use protocol::events::ErrorCode;
use protocol::names::RoomName;

/// `GET /`: the login form.
pub async fn login(State(state): State<AppState>, req: Request<Body>) -> Response {
    render(state, req).await
}

/// `GET /chat/<room>/`: sends visitors without a session to log in first,
/// and mixed-case room names to their canonical lower-case page.
pub async fn room(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    reader: Result<Option<SessionUser>, ApiError>,
    req: Request<Body>,
) -> Response {
    let reader = match reader {
        Ok(reader) => reader,
        Err(e) => return to_login_page(e, Some(&raw), &state.network),
    };
    let Ok(room) = RoomName::parse(&raw) else {
        return render(state, req).await;
    };
    if reader.is_none() {
        let query = serde_urlencoded::to_string([("room", room.as_str())]).unwrap_or_default();
        return Redirect::to(&format!("/?{query}")).into_response();
    }
    if room.as_str() != raw {
        return Redirect::permanent(&room_path(room.as_str())).into_response();
    }
    let cookie = session_cookie_again(req.headers(), &state.network);
    let page = render(state, req).await;
    match cookie {
        Some(cookie) => setting_cookie(page, &cookie),
        None => page,
    }
}

/// The session cookie a request carries, set again for another full
/// lifetime: the browser keeps a session that is in use as long as the
/// server does (which lets it idle for 30 days), instead of dropping it 30
/// days after sign-in. `None` for a bearer token, which is not a cookie.
fn session_cookie_again(headers: &HeaderMap, network: &Network) -> Option<String> {
    if headers.contains_key(header::AUTHORIZATION) {
        return None;
    }
    let token = token_from_headers(headers)?;
    Some(session_cookie(token, network.secure_cookies()))
}

/// Where a page sends a reader it cannot serve, signed out: a banned one to
/// the login page saying until when, one whose session ended to the login
/// page saying so (with the `room` they were in, to sign in to again); any
/// other refusal is answered as it is.
pub fn to_login_page(e: ApiError, room: Option<&str>, network: &Network) -> Response {
    let query = match e.code() {
        ErrorCode::Banned => vec![("banned", e.to_string())],
        ErrorCode::SessionEnded => room
            .map(|room| ("room", room.to_owned()))
            .into_iter()
            .chain([("ended", "1".to_owned())])
            .collect(),
        _ => return e.into_response(),
    };
    let query = serde_urlencoded::to_string(query).unwrap_or_default();
    signed_out(&format!("/?{query}"), network)
}

/// `GET /chat/<room>`: the page lives at the path with a trailing slash.
pub async fn add_trailing_slash(Path(raw): Path<String>) -> Response {
    match RoomName::parse(&raw) {
        Ok(room) => Redirect::permanent(&room_path(room.as_str())).into_response(),
        Err(_) => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// Renders the app for `req`, waiting for its data so the HTML is complete
/// (readable without JavaScript). Pages are never cached: they hold the
/// reader's own view, and they name the current bundle.
async fn render(state: AppState, req: Request<Body>) -> Response {
    let options = state.leptos_options.clone();
    let stylesheet = state.stylesheet.clone();
    let chat = state.chat;
    let handler = leptos_axum::render_app_async_with_context(
        move || provide_context(chat.clone()),
        move || shell(options.clone(), stylesheet.clone()),
    );
    let mut response = handler(req).await.into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}
