//! The HTTP API's one error type: a stable code and a message for people,
//! with internal detail kept in the logs.

use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chat_core::PostError;
use chat_core::store::StoreError;
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
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("file storage: {0}")]
    Files(#[from] std::io::Error),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid"),
            ApiError::Reserved(_) => (StatusCode::BAD_REQUEST, "reserved"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Unsupported(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported"),
            ApiError::Unavailable(_) | ApiError::Store(_) | ApiError::Files(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Store(_) | ApiError::Files(_) => {
                tracing::error!(error = %self, "storage failure");
                "The service is temporarily unavailable; try again shortly.".to_owned()
            }
            other => other.to_string(),
        };
        (
            status,
            Json(json!({"error": {"code": code, "message": message}})),
        )
            .into_response()
    }
}

impl From<PostError> for ApiError {
    fn from(error: PostError) -> Self {
        match error {
            PostError::Invalid(message) | PostError::TooLong(message) => ApiError::Invalid(message),
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
            .map_err(|rejection| ApiError::Invalid(rejection.body_text()))
    }
}
