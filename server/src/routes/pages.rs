//! Server-rendered pages and the server-function endpoint.

use super::login::signed_out;
use super::reader::SessionUser;
use crate::error::ApiError;
use crate::net::Network;
use crate::state::AppState;
use app::location::room_path;
use app::shell;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
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
        Err(e) if e.code() == ErrorCode::Banned => {
            return signed_out_banned(&e.to_string(), &state.network);
        }
        Err(e) if e.code() == ErrorCode::SessionEnded => {
            let query = serde_urlencoded::to_string([("room", raw.as_str()), ("ended", "1")])
                .unwrap_or_default();
            return signed_out(&format!("/?{query}"), &state.network);
        }
        Err(e) => return e.into_response(),
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
    render(state, req).await
}

/// A banned reader's session is ended, and the login page says until when.
fn signed_out_banned(reason: &str, network: &Network) -> Response {
    let query = serde_urlencoded::to_string([("banned", reason)]).unwrap_or_default();
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
