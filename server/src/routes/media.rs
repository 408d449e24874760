//! `GET /media/chat_images/<file>`: stored images, served only under the
//! names the server generates, as images, never sniffed or rendered as
//! anything else.

use crate::error::ApiError;
use crate::images::{IMAGE_DIR, is_stored_name};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// A file name never changes content, so the reader's browser may keep it
/// for a year; shared caches (proxies, CDNs) may not, so an image whose
/// message is deleted stops being served when its file is removed.
const CACHE_FOREVER: &str = "private, max-age=31536000, immutable";

pub async fn image(
    State(state): State<AppState>,
    Path(file): Path<String>,
    req: Request,
) -> Response {
    let not_found = || ApiError::not_found("no such image").into_response();
    if !is_stored_name(&file) {
        return not_found();
    }
    let path = state.media_dir.join(IMAGE_DIR).join(&file);
    let Ok(response) = ServeFile::new(path).oneshot(req).await;
    if response.status() == StatusCode::NOT_FOUND {
        return not_found();
    }
    let mut response = response.map(Body::new);
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOREVER),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}
