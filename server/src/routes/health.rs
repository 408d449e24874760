//! Health checks for load balancers and orchestrators.
//!
//! - `GET /healthz/live`: the process is up and serving (restart it if not);
//! - `GET /healthz/ready`: it can also reach its database (send it traffic);
//! - `GET /healthz`: both in one body, with the readiness status code, and
//!   whether Redis is reachable when there is one.

use crate::cluster::Cluster;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_core::Chat;
use serde_json::{Value, json};
use std::time::Duration;

/// A database that has not answered by then counts as unreachable.
const PING_LIMIT: Duration = Duration::from_secs(2);

pub async fn live() -> Json<Value> {
    Json(json!({"status": "live"}))
}

pub async fn ready(State(chat): State<Chat>) -> (StatusCode, Json<Value>) {
    if database_answers(&chat).await {
        (StatusCode::OK, Json(json!({"status": "ready"})))
    } else {
        unavailable(json!({"status": "unavailable", "database": "unreachable"}))
    }
}

/// With Redis unreachable the node still serves its own clients (200),
/// but says `degraded`: the other nodes' people neither see nor reach them
/// until Redis is back.
pub async fn healthz(
    State(chat): State<Chat>,
    State(cluster): State<Option<Cluster>>,
) -> (StatusCode, Json<Value>) {
    if !database_answers(&chat).await {
        return unavailable(json!({"status": "unavailable", "live": true, "ready": false}));
    }
    let mut body = json!({"status": "ok", "live": true, "ready": true});
    if let Some(cluster) = cluster {
        let redis = if cluster.is_reachable() {
            "ok"
        } else {
            "unreachable"
        };
        body["redis"] = json!(redis);
        body["node"] = json!(cluster.node());
        if !cluster.is_reachable() {
            body["status"] = json!("degraded");
        }
    }
    (StatusCode::OK, Json(body))
}

async fn database_answers(chat: &Chat) -> bool {
    match tokio::time::timeout(PING_LIMIT, chat.store().ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database unreachable");
            false
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer in time");
            false
        }
    }
}

fn unavailable(body: Value) -> (StatusCode, Json<Value>) {
    (StatusCode::SERVICE_UNAVAILABLE, Json(body))
}
