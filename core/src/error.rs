//! The core's one error: a refusal with a code from the table every client
//! reads ([`ErrorCode`]), or a storage failure. Each way in (HTTP, Socket.IO)
//! only turns the code into its own answer: a status, or an `ok: false` ack.

use crate::store::StoreError;
use chrono::{DateTime, Utc};
use protocol::events::ErrorCode;
use protocol::message::format_timestamp;
use std::time::Duration;

/// Why a request was not done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused: asking again the same way gets the same answer (until
    /// `retry_after`, if there is one).
    #[error("{message}")]
    Refused {
        code: ErrorCode,
        message: String,
        /// With `rate_limited`: when the allowance has room again.
        retry_after: Option<Duration>,
    },
    /// The user is banned everywhere until then.
    #[error("you are banned until {}", format_timestamp(.until))]
    Banned { until: DateTime<Utc> },
    /// Storage failed; nothing was changed. The detail is for the log.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Error {
    /// A refusal with `code`, saying why in `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error::Refused {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    /// The session was signed out: its holder must sign in again.
    pub fn session_ended() -> Self {
        Self::new(
            ErrorCode::SessionEnded,
            "you were signed out; sign in again",
        )
    }

    /// The author is muted in the room until then.
    pub fn muted(until: DateTime<Utc>) -> Self {
        Self::new(
            ErrorCode::Muted,
            format!(
                "you are muted in this room until {}",
                format_timestamp(&until)
            ),
        )
    }

    /// The user is banned everywhere until then.
    pub fn banned(until: DateTime<Utc>) -> Self {
        Error::Banned { until }
    }

    /// Too many `what` (plural: "new rooms"); the allowance refills in `wait`.
    pub fn rate_limited(what: &str, wait: Duration) -> Self {
        Error::Refused {
            code: ErrorCode::RateLimited,
            message: format!(
                "too many {what}; try again in {} s",
                whole_seconds(wait).max(1)
            ),
            retry_after: Some(wait),
        }
    }

    /// The server is shutting down; the client should try again (here
    /// after the restart, or on another node).
    pub fn shutting_down() -> Self {
        Self::new(
            ErrorCode::Unavailable,
            "the server is restarting; try again",
        )
    }

    /// The code a client acts on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Refused { code, .. } => *code,
            Error::Banned { .. } => ErrorCode::Banned,
            Error::Store(_) => ErrorCode::Unavailable,
        }
    }

    /// With `rate_limited`: how long to wait before asking again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Refused { retry_after, .. } => *retry_after,
            Error::Banned { .. } | Error::Store(_) => None,
        }
    }
}

/// Whole seconds, rounded up, as `Retry-After` counts them.
pub fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_failures_read_as_unavailable() {
        let error = Error::from(StoreError::Corrupt("a row".into()));
        assert_eq!(error.code(), ErrorCode::Unavailable);
        assert_eq!(error.retry_after(), None);
    }

    #[test]
    fn rate_limits_say_when_in_whole_seconds_rounded_up() {
        let error = Error::rate_limited("new rooms", Duration::from_millis(1_200));
        assert_eq!(error.code(), ErrorCode::RateLimited);
        assert_eq!(error.to_string(), "too many new rooms; try again in 2 s");
        assert_eq!(error.retry_after(), Some(Duration::from_millis(1_200)));
    }
}
