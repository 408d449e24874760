//! Turning handler outcomes into acks: the socket boundary's error mapping.

use super::state::SocketState;
use app::events::{Ack, AckError, ErrorCode};
use app::names::RoomName;
use chat_core::metrics::Metrics;
use chat_core::sanctions::SanctionError;
use chat_core::store::StoreError;
use chat_core::{ChangeError, OpenRoomError, PostError};
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
    verdict.map_err(|wait| {
        Metrics::bump(&sockets.metrics.rate_limited);
        AckError::rate_limited(wait.as_millis().max(1) as u64)
    })
}

/// A room that could not be opened (created too often, or storage failed).
pub fn opening_failed<A: Adapter>(sockets: &SocketState<A>, error: OpenRoomError) -> AckError {
    match error {
        OpenRoomError::RateLimited(wait) => {
            Metrics::bump(&sockets.metrics.rate_limited);
            AckError {
                message: error.to_string(),
                ..AckError::rate_limited(wait.as_millis().max(1) as u64)
            }
        }
        OpenRoomError::Store(e) => unavailable(e),
    }
}

/// A payload that did not have the event's shape.
pub fn invalid(detail: impl std::fmt::Display) -> AckError {
    AckError::new(ErrorCode::Invalid, format!("invalid payload: {detail}"))
}

/// Storage failed: logged here, reported to the client without detail.
pub fn unavailable(error: StoreError) -> AckError {
    tracing::error!(%error, "storage failure in a socket handler");
    AckError::new(
        ErrorCode::Unavailable,
        "storage is unavailable; try again shortly",
    )
}

/// A post the core refused or could not store.
pub fn posting_failed(error: PostError) -> AckError {
    match error {
        PostError::Invalid(message) => AckError::new(ErrorCode::Invalid, message),
        PostError::TooLong(message) => AckError::new(ErrorCode::TooLong, message),
        PostError::Muted(_) => AckError::new(ErrorCode::Muted, error.to_string()),
        PostError::ShuttingDown => AckError::new(ErrorCode::Unavailable, error.to_string()),
        PostError::Store(e) => unavailable(e),
    }
}

/// An edit or deletion that was refused or failed.
pub fn change_failed(error: ChangeError) -> AckError {
    match error {
        ChangeError::NotFound(_) => AckError::new(ErrorCode::NotFound, error.to_string()),
        ChangeError::Forbidden(message) => AckError::new(ErrorCode::Forbidden, message),
        ChangeError::Invalid(message) => AckError::new(ErrorCode::Invalid, message),
        ChangeError::TooLong(message) => AckError::new(ErrorCode::TooLong, message),
        ChangeError::Muted(_) => AckError::new(ErrorCode::Muted, error.to_string()),
        ChangeError::ShuttingDown => AckError::new(ErrorCode::Unavailable, error.to_string()),
        ChangeError::Store(e) => unavailable(e),
    }
}

/// A mute or ban that was refused or failed.
pub fn sanction_failed(error: SanctionError) -> AckError {
    match error {
        SanctionError::Invalid(message) => AckError::new(ErrorCode::Invalid, message),
        SanctionError::Forbidden(message) => AckError::new(ErrorCode::Forbidden, message),
        SanctionError::Store(e) => unavailable(e),
    }
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
