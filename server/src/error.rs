//! The HTTP API's one error type: a stable code and a message for people,
//! with internal detail kept in the logs.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chat_core::store::StoreError;
use chat_core::{ChangeError, OpenRoomError, PostError};
use serde::de::DeserializeOwned;
use serde_json::json;

/// A refused or failed API request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Invalid(String),
    /// A name no one may sign in with.
    #[error("{0}")]
    Reserved(String),
    #[error("log in first: send the session cookie or an Authorization: Bearer token")]
    Unauthorized,
    /// A staff sign-in with a wrong name or password (which one is not said).
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("{0}")]
    Forbidden(String),
    /// The sender is muted in the room.
    #[error("{0}")]
    Muted(String),
    /// The user is banned.
    #[error("{0}")]
    Banned(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Unsupported(String),
    /// Too many requests; the client may try again after the wait.
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_after: std::time::Duration,
    },
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file storage: {0}")]
    Files(#[from] std::io::Error),
}

impl ApiError {
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status_and_code().0
    }

    /// What to tell people: the error itself, except for storage failures,
    /// whose detail goes to the log only.
    pub fn public_message(&self) -> String {
        match self {
            ApiError::Store(_) | ApiError::Files(_) => {
                tracing::error!(error = %self, "storage failure");
                "The service is temporarily unavailable; try again shortly.".to_owned()
            }
            other => other.to_string(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid"),
            ApiError::Reserved(_) => (StatusCode::BAD_REQUEST, "reserved"),
            ApiError::Unauthorized | ApiError::WrongCredentials => {
                (StatusCode::UNAUTHORIZED, "unauthorized")
            }
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Muted(_) => (StatusCode::FORBIDDEN, "muted"),
            ApiError::Banned(_) => (StatusCode::FORBIDDEN, "banned"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Unsupported(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Unavailable(_) | ApiError::Store(_) | ApiError::Files(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
        }
    }
}

impl ApiError {
    /// A 403 for a banned user, saying until when.
    pub fn banned(until: chrono::DateTime<chrono::Utc>) -> Self {
        ApiError::Banned(format!(
            "you are banned until {}",
            protocol::message::format_timestamp(&until)
        ))
    }

    /// A 429 for an allowance that refills in `retry_after`.
    pub fn rate_limited(what: &str, retry_after: std::time::Duration) -> Self {
        let seconds = retry_after_secs(retry_after);
        ApiError::RateLimited {
            message: format!("too many {what}; try again in {seconds} s"),
            retry_after,
        }
    }
}

/// Whole seconds, rounded up, as `Retry-After` counts them.
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = self.public_message();
        let mut error = json!({"code": code, "message": message});
        if let ApiError::RateLimited { retry_after, .. } = &self {
            let seconds = retry_after_secs(*retry_after);
            error["retry_after"] = seconds.into();
            (
                status,
                [(header::RETRY_AFTER, seconds.to_string())],
                Json(json!({ "error": error })),
            )
                .into_response()
        } else {
            (status, Json(json!({ "error": error }))).into_response()
        }
    }
}

impl From<OpenRoomError> for ApiError {
    fn from(error: OpenRoomError) -> Self {
        match error {
            OpenRoomError::RateLimited(wait) => ApiError::rate_limited("new rooms", wait),
            OpenRoomError::Store(e) => ApiError::Store(e),
        }
    }
}

impl From<ChangeError> for ApiError {
    fn from(error: ChangeError) -> Self {
        match error {
            ChangeError::NotFound(_) => ApiError::NotFound(error.to_string()),
            ChangeError::Forbidden(message) => ApiError::Forbidden(message.into()),
            ChangeError::Invalid(message) | ChangeError::TooLong(message) => {
                ApiError::Invalid(message)
            }
            ChangeError::Muted(_) => ApiError::Muted(error.to_string()),
            ChangeError::ShuttingDown => ApiError::Unavailable(error.to_string()),
            ChangeError::Store(e) => ApiError::Store(e),
        }
    }
}

impl From<PostError> for ApiError {
    fn from(error: PostError) -> Self {
        match error {
            PostError::Invalid(message) | PostError::TooLong(message) => ApiError::Invalid(message),
            PostError::Muted(_) => ApiError::Muted(error.to_string()),
            PostError::ShuttingDown => ApiError::Unavailable(error.to_string()),
            PostError::Store(e) => ApiError::Store(e),
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
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(rejection.body_text()),
                _ => ApiError::Invalid(rejection.body_text()),
            })
    }
}
