//! Turning handler outcomes into acks: the socket boundary's error mapping.

use super::state::SocketState;
use chat_core::metrics::Metrics;
use chat_core::store::StoreError;
use protocol::events::{Ack, AckError, ErrorCode};
use protocol::names::RoomName;
use serde::Serialize;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};

/// Sends the outcome as `{"ok": true, ...}` or `{"ok": false, "error": ...}`.
pub fn respond<A: Adapter, T: Serialize>(ack: AckSender<A>, outcome: Result<T, AckError>) {
    // Fails only if the client asked for no ack or is gone; nothing to do then.
    let _ = ack.send(&Ack::from(outcome));
}

/// Turns a rate limiter's verdict into a `rate_limited` refusal (counted).
pub fn limit<A: Adapter>(
    sockets: &SocketState<A>,
    verdict: Result<(), std::time::Duration>,
) -> Result<(), AckError> {
    verdict.map_err(|wait| counted(sockets, AckError::rate_limited(millis(wait))))
}

/// Counts `ack` among the socket refusals for rate, if it is one.
pub fn counted<A: Adapter>(sockets: &SocketState<A>, ack: AckError) -> AckError {
    if ack.code == ErrorCode::RateLimited {
        Metrics::bump(&sockets.metrics.rate_limited);
    }
    ack
}

/// A payload that did not have the event's shape.
pub fn invalid(detail: impl std::fmt::Display) -> AckError {
    AckError::new(ErrorCode::Invalid, format!("invalid payload: {detail}"))
}

/// What the core refused, or could not do, as an ack: its code and message,
/// except that a storage failure's detail goes to the log only.
pub fn refused(error: chat_core::Error) -> AckError {
    if let chat_core::Error::Store(e) = error {
        return unavailable(e);
    }
    AckError {
        code: error.code(),
        retry_after_ms: error.retry_after().map(millis),
        message: error.to_string(),
    }
}

/// Storage failed: logged here, reported to the client without detail.
pub fn unavailable(error: StoreError) -> AckError {
    tracing::error!(%error, "storage failure in a socket handler");
    AckError::new(
        ErrorCode::Unavailable,
        "storage is unavailable; try again shortly",
    )
}

/// A wait in whole milliseconds, at least one.
fn millis(wait: std::time::Duration) -> u64 {
    wait.as_millis().max(1) as u64
}

/// Validates a room name from a payload.
pub fn room_name(raw: &str) -> Result<RoomName, AckError> {
    RoomName::parse(raw).map_err(|e| AckError::new(ErrorCode::Invalid, format!("room name {e}")))
}

/// The room, if this socket has joined it.
pub fn joined_room<A: Adapter>(socket: &SocketRef<A>, raw: &str) -> Result<RoomName, AckError> {
    let room = room_name(raw)?;
    if socket.rooms().iter().any(|r| r == room.as_str()) {
        Ok(room)
    } else {
        Err(AckError::new(
            ErrorCode::NotJoined,
            format!("join room '{room}' first"),
        ))
    }
}
