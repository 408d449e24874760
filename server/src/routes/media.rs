//! Stored images, served only under the names the server generates, as
//! images, never sniffed or rendered as anything else:
//! `GET /media/chat_images/<file>` (public rooms', to anyone with the link)
//! and `GET /media/private_images/<room>/<file>` (private rooms', only to
//! whoever may read the room).

use super::reader::{SessionUser, readable_room};
use crate::error::ApiError;
use crate::images::{IMAGE_DIR, Shelf, is_stored_name};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chat_core::Chat;
use std::path::PathBuf;
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// A file name never changes content, so the reader's browser may keep it
/// for a year; shared caches (proxies, CDNs) may not, so an image whose
/// message is deleted stops being served when its file is removed.
const CACHE_FOREVER: &str = "private, max-age=31536000, immutable";

/// A private room's image is asked for again each time it is shown (a
/// conditional request, answered 304 while the file is unchanged), so one
/// who leaves the room stops seeing it, even from their own cache.
const CACHE_CHECKED: &str = "private, no-cache";

pub async fn image(
    State(state): State<AppState>,
    Path(file): Path<String>,
    req: Request,
) -> Response {
    if !is_stored_name(&file) {
        return no_such_image();
    }
    serve(
        state.media_dir.join(IMAGE_DIR).join(&file),
        CACHE_FOREVER,
        req,
    )
    .await
}

/// A private room's image, to a reader of the room; to anyone else, the
/// same 404 as for an image that does not exist.
pub async fn private_image(
    State(state): State<AppState>,
    State(chat): State<Chat>,
    SessionUser(reader): SessionUser,
    Path((segment, file)): Path<(String, String)>,
    req: Request,
) -> Response {
    let Some(room) = Shelf::room_of(&segment).filter(|_| is_stored_name(&file)) else {
        return no_such_image();
    };
    match readable_room(&chat, &reader, room.as_str()).await {
        Ok((room, access)) if access.private => {
            let path = Shelf::of(&room, true).file(&state.media_dir, &file);
            serve(path, CACHE_CHECKED, req).await
        }
        Ok(_) => no_such_image(),
        Err(e) if e.status() == StatusCode::NOT_FOUND => no_such_image(),
        Err(e) => e.into_response(),
    }
}

fn no_such_image() -> Response {
    ApiError::not_found("no such image").into_response()
}

async fn serve(path: PathBuf, cache: &'static str, req: Request) -> Response {
    let Ok(response) = ServeFile::new(path).oneshot(req).await;
    if response.status() == StatusCode::NOT_FOUND {
        return no_such_image();
    }
    let mut response = response.map(Body::new);
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}
