use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chat_core::Chat;

/// `GET /metrics`: the counters, for Prometheus.
pub async fn metrics(State(chat): State<Chat>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        chat.metrics().render(),
    )
}
