//! `POST /api/chat/<room>/images/`: an image message, uploaded over HTTP.
//!
//! Nothing is trusted from the client but the bytes: the type is sniffed,
//! the size counted while streaming, the dimensions bounded before decoding,
//! the name generated. The file is written only once it passed, and the
//! message stored only once the file is on disk.

use super::reader::{SessionUser, readable_room};
use crate::error::ApiError;
use crate::images::{self, Bounds, Busy, Rejection};
use crate::state::AppState;
use axum::Json;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use chat_core::Origin;
use chat_core::metrics::Metrics;
use chat_core::session::Session;
use protocol::events::ErrorCode;
use protocol::message::ChatMessage;
use protocol::names::Username;
use std::time::Duration;

/// Room for the multipart framing, `client_id` and caption beyond the image.
pub const FORM_OVERHEAD: u64 = 64 * 1024;

pub async fn upload(
    State(state): State<AppState>,
    SessionUser(session): SessionUser,
    Path(room): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<ChatMessage>), ApiError> {
    let outcome = store_upload(&state, session, room, headers, multipart).await;
    if let Err(e) = &outcome
        && matches!(e.code(), ErrorCode::TooLarge | ErrorCode::Unsupported)
    {
        Metrics::bump(&state.chat.metrics().uploads_refused);
    }
    outcome
}

async fn store_upload(
    state: &AppState,
    session: Session,
    room: String,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<ChatMessage>), ApiError> {
    let chat = &state.chat;
    let limit = chat.limits().max_upload_bytes;
    // A body declared too large is refused before a byte of it is read.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit + FORM_OVERHEAD) {
        return Err(too_large(limit));
    }
    state
        .throttles
        .uploads
        .check(&session.id)
        .await
        .map_err(|wait| ApiError::rate_limited("uploads", wait))?;
    let (room, access) = readable_room(chat, &session, &room).await?;
    let shelf = images::Shelf::of(&room, access.private);
    let user = session.username;
    // Checked again when posting; here so a muted sender's upload is not
    // even read.
    if let Some(until) = chat.muted_until(&room, user.as_str()).await? {
        return Err(chat_core::Error::muted(until).into());
    }
    let multipart = multipart.map_err(|e| ApiError::invalid(e.body_text()))?;
    let form = UploadForm::read(multipart, limit).await?;

    let bytes = form
        .image
        .ok_or_else(|| ApiError::invalid("the form has no 'image' file"))?;
    let draft = chat.draft(room, form.caption.as_deref(), form.client_id.as_deref())?;
    // A retry of an upload that was stored: answer with it, store nothing.
    if let Some(stored) = chat.find_posted(&user, &draft).await? {
        return Ok((StatusCode::OK, Json(stored)));
    }

    let bounds = Bounds::default();
    let probed = tokio::task::spawn_blocking(move || images::probe(&bytes, bounds))
        .await
        .map_err(std::io::Error::other)??;
    let turn = state.decode.turn(&session.id, probed.pixels()).await?;
    let cleaned = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        images::verify(probed, bounds)
    })
    .await
    .map_err(std::io::Error::other)??;
    // From here on the work runs to its end even if the client goes away:
    // a file written must become a message (or be removed), and a message
    // stored must be delivered.
    let (state, user) = (state.clone(), user.clone());
    tokio::spawn(async move { store_image(&state, &user, draft, &shelf, cleaned).await })
        .await
        .map_err(std::io::Error::other)?
}

/// Writes the cleaned image and posts it.
async fn store_image(
    state: &AppState,
    user: &Username,
    draft: chat_core::Draft,
    shelf: &images::Shelf,
    cleaned: images::Cleaned,
) -> Result<(StatusCode, Json<ChatMessage>), ApiError> {
    let (width, height, size) = (cleaned.width, cleaned.height, cleaned.bytes.len());
    let name = images::save(&state.media_dir, shelf, cleaned).await?;
    let file = shelf.file(&state.media_dir, &name);
    let url = shelf.url(&name);
    let posted = state
        .chat
        .post_message(user, draft.with_image(url), Origin::Request)
        .await;
    match posted {
        Ok(posted) if posted.is_new => {
            tracing::info!(room = %posted.message.room, %user, %name, width, height, size, "stored an image");
            Ok((StatusCode::CREATED, Json(posted.message)))
        }
        // A concurrent retry with the same client_id was stored first, or
        // storing failed: either way this file belongs to no message.
        other => {
            let _ = tokio::fs::remove_file(&file).await;
            Ok((StatusCode::OK, Json(other?.message)))
        }
    }
}

#[derive(Default)]
struct UploadForm {
    image: Option<Vec<u8>>,
    client_id: Option<String>,
    caption: Option<String>,
}

impl UploadForm {
    /// Reads the fields, counting the image's bytes as they stream in.
    async fn read(mut multipart: Multipart, limit: u64) -> Result<Self, ApiError> {
        let mut form = UploadForm::default();
        while let Some(mut field) = multipart.next_field().await.map_err(form_error)? {
            match field.name().unwrap_or_default() {
                "image" => {
                    if let Some(name) = field.file_name() {
                        check_file_name(name)?;
                    }
                    let mut bytes = Vec::new();
                    while let Some(chunk) = field.chunk().await.map_err(form_error)? {
                        if (bytes.len() + chunk.len()) as u64 > limit {
                            return Err(too_large(limit));
                        }
                        bytes.extend_from_slice(&chunk);
                    }
                    form.image = Some(bytes);
                }
                "client_id" => form.client_id = Some(field.text().await.map_err(form_error)?),
                "caption" => form.caption = Some(field.text().await.map_err(form_error)?),
                _ => {}
            }
        }
        Ok(form)
    }
}

/// Browsers send a bare file name; a path in it is a forged request.
fn check_file_name(name: &str) -> Result<(), ApiError> {
    let forged = name.contains(['/', '\\', '\0'])
        || name.contains("..")
        || name.chars().any(char::is_control);
    if forged {
        return Err(ApiError::invalid("the file name must not contain a path"));
    }
    Ok(())
}

fn form_error(e: MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(ErrorCode::TooLarge, e.body_text())
    } else {
        ApiError::invalid(format!("malformed upload: {}", e.body_text()))
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        ErrorCode::TooLarge,
        format!(
            "images may be at most {} MiB",
            limit as f64 / (1024.0 * 1024.0)
        ),
    )
}

impl From<Rejection> for ApiError {
    fn from(rejection: Rejection) -> Self {
        match rejection {
            Rejection::TooManyPixels { .. } | Rejection::TooManyFrames { .. } => {
                ApiError::new(ErrorCode::TooLarge, rejection.to_string())
            }
            _ => ApiError::new(ErrorCode::Unsupported, rejection.to_string()),
        }
    }
}

impl From<Busy> for ApiError {
    fn from(busy: Busy) -> Self {
        match busy {
            Busy::Larger { .. } => ApiError::new(ErrorCode::TooLarge, busy.to_string()),
            Busy::Waited(_) => ApiError::Core(chat_core::Error::Refused {
                code: ErrorCode::RateLimited,
                message: busy.to_string(),
                retry_after: Some(Duration::from_secs(5)),
            }),
        }
    }
}
