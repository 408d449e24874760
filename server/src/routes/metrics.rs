use crate::metrics::Metrics;
use axum::Extension;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::Arc;

/// `GET /metrics`: the counters, for Prometheus.
pub async fn metrics(Extension(metrics): Extension<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
}
