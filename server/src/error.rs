//! The HTTP API's one error type: a stable code and a message for people,
//! with internal detail kept in the logs.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chat_core::store::StoreError;
use chat_core::{Error, whole_seconds};
use protocol::events::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::json;
use std::time::Duration;

/// A refused or failed API request: the core's error (refusals carry their
/// code), or a failure of the media files.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Core(#[from] chat_core::Error),
    #[error("file storage: {0}")]
    Files(#[from] std::io::Error),
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::Core(error.into())
    }
}

impl ApiError {
    /// A refusal with `code`, saying why in `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Core(Error::new(code, message))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::Core(Error::invalid(message))
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::Core(Error::not_found(message))
    }

    /// No session: the request needs one.
    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "log in first: send the session cookie or an Authorization: Bearer token",
        )
    }

    /// A 429 for an allowance that refills in `retry_after`.
    pub fn rate_limited(what: &str, retry_after: Duration) -> Self {
        ApiError::Core(Error::rate_limited(what, retry_after))
    }

    /// The code a client acts on.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Core(e) => e.code(),
            ApiError::Files(_) => ErrorCode::Unavailable,
        }
    }

    /// With `rate_limited`: how long to wait before asking again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Core(e) => e.retry_after(),
            ApiError::Files(_) => None,
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        status_of(self.code())
    }

    /// What to tell people: the refusal itself, but for failures only that
    /// the service is unavailable (their detail goes to the log).
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Core(Error::Store(_)) | ApiError::Files(_) => {
                tracing::error!(error = %self, "storage failure");
                "The service is temporarily unavailable; try again shortly.".to_owned()
            }
            ApiError::Core(refusal) => refusal.to_string(),
        }
    }
}

/// The one table from a refusal's code to its HTTP status.
fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::Invalid
        | ErrorCode::TooLong
        | ErrorCode::Reserved
        | ErrorCode::NotJoined
        | ErrorCode::WeakPassword => StatusCode::BAD_REQUEST,
        ErrorCode::Unauthorized | ErrorCode::BadCredentials | ErrorCode::SessionEnded => {
            StatusCode::UNAUTHORIZED
        }
        ErrorCode::Forbidden
        | ErrorCode::Muted
        | ErrorCode::Banned
        | ErrorCode::Claimed
        | ErrorCode::GuestsDisabled => StatusCode::FORBIDDEN,
        ErrorCode::Taken => StatusCode::CONFLICT,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::Unsupported => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut error = json!({"code": self.code(), "message": self.public_message()});
        match self.retry_after().map(whole_seconds) {
            Some(seconds) => {
                error["retry_after"] = seconds.into();
                (
                    status,
                    [(header::RETRY_AFTER, seconds.to_string())],
                    Json(json!({ "error": error })),
                )
                    .into_response()
            }
            None => (status, Json(json!({ "error": error }))).into_response(),
        }
    }
}

/// A JSON body whose rejection is an [`ApiError`] rather than plain text.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(value)| ApiJson(value))
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::new(ErrorCode::TooLarge, rejection.body_text())
                }
                _ => ApiError::invalid(rejection.body_text()),
            })
    }
}
