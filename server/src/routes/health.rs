use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_core::Chat;
use serde_json::{Value, json};

/// Liveness and readiness: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(chat): State<Chat>) -> (StatusCode, Json<Value>) {
    match chat.store().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({"status": "ok"}))),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
        }
    }
}
