//! Socket.IO event names and payloads, shared by the server handlers and the
//! browser client so the two cannot drift apart.

use crate::message::ChatMessage;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Client → server: enter a room (and catch up).
pub const JOIN: &str = "join";
/// Client → server: post a text message.
pub const SEND_MESSAGE: &str = "send_message";
/// Both ways: typing started or stopped.
pub const TYPING: &str = "typing";
/// Client → server: stop receiving a room's events.
pub const LEAVE: &str = "leave";
/// Server → client: a stored message.
pub const MESSAGE: &str = "message";
/// Server → client: who is in a room.
pub const PRESENCE: &str = "presence";
/// Client → server: edit one's own text message.
pub const EDIT_MESSAGE: &str = "edit_message";
/// Client → server: delete one's own message (staff: any message).
pub const DELETE_MESSAGE: &str = "delete_message";
/// Server → client: a message as it is after an edit or deletion.
pub const MESSAGE_UPDATED: &str = "message_updated";
/// Client → server (staff): mute someone in a room.
pub const MUTE: &str = "mute";
/// Client → server (staff): ban someone everywhere.
pub const BAN: &str = "ban";
/// Server → client: the reader was muted in a room, or is no longer.
pub const MUTED: &str = "muted";

/// How the message of a connect error starts when the connection has no
/// valid session: no retry can succeed without signing in again.
pub const REFUSED_UNAUTHORIZED: &str = "unauthorized";
/// How the message of a connect error starts when the session was signed
/// out (from another device, by a password change, by staff): no retry can
/// succeed without signing in again.
pub const REFUSED_SESSION_ENDED: &str = "session_ended";
/// Server → client: this connection's session was signed out; the server
/// closes the connection next.
pub const SESSION_ENDED: &str = "session_ended";
/// How the message of a connect error starts when the user is banned
/// (`"banned until <RFC 3339>"`): no retry can succeed until it ends.
pub const REFUSED_BANNED: &str = "banned";

/// `join` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub room: String,
    /// The newest message id the client already has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i64>,
}

/// `join` ack body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinReply {
    pub room: String,
    /// Oldest first.
    pub messages: Vec<ChatMessage>,
    /// False when more messages were missed than the catch-up bound.
    pub recovered: bool,
    pub online: Vec<String>,
    /// With `since`: the messages up to it that were edited or deleted
    /// after it was stored, oldest change first, as they are now.
    #[serde(default)]
    pub updated: Vec<ChatMessage>,
    /// The newest message I have read here (absent for staff reading a
    /// private room they are not a member of).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_up_to: Option<i64>,
    /// Until when I am muted here (RFC 3339), if I am: a client that
    /// switches rooms learns it as it joins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub muted_until: Option<String>,
}

/// `edit_message` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditMessageRequest {
    pub room: String,
    pub id: i64,
    pub content: String,
}

/// `delete_message` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeleteMessageRequest {
    pub room: String,
    pub id: i64,
}

/// `mute` payload; `minutes: 0` lifts the mute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MuteRequest {
    pub room: String,
    pub username: String,
    pub minutes: u32,
}

/// `ban` payload; `minutes: 0` lifts the ban.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BanRequest {
    pub username: String,
    pub minutes: u32,
}

/// `mute` and `ban` ack body, and the `muted` notice's end: when it ends
/// (RFC 3339), or `None` once lifted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SanctionReply {
    pub until: Option<String>,
}

/// `muted` notice, to the muted person's connections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutedNotice {
    pub room: String,
    pub until: Option<String>,
}

/// `edit_message` and `delete_message` ack body: the message as it now is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageChanged {
    pub message: ChatMessage,
}

/// `send_message` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMessageRequest {
    pub room: String,
    pub content: String,
    /// The sender's idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}

/// `send_message` ack body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendMessageReply {
    pub message: ChatMessage,
}

/// `typing` payload (client → server).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingRequest {
    pub room: String,
    pub typing: bool,
}

/// `typing` event (server → client).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypingNotice {
    pub room: String,
    pub username: String,
    pub typing: bool,
}

/// `leave` payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveRequest {
    pub room: String,
}

/// `presence` event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Presence {
    pub room: String,
    pub online: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left: Option<String>,
}

/// An ack that carries nothing but `ok: true`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Done {}

/// Stable codes of a refused request: the one table for acks and HTTP
/// error bodies alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Malformed or out-of-range input.
    Invalid,
    /// Text over the length limit.
    TooLong,
    /// A body or file over its size limit.
    TooLarge,
    /// A file of a kind the server does not take.
    Unsupported,
    /// A name no one may sign in with.
    Reserved,
    /// A room event from a socket that has not joined the room.
    NotJoined,
    RateLimited,
    /// No session, or a wrong name or password.
    Unauthorized,
    /// Storage is unreachable or the server is restarting: try again.
    Unavailable,
    /// Not this user's to do (another's message, staff only).
    Forbidden,
    /// No such message or room (or it was deleted).
    NotFound,
    /// The sender is muted in the room (the message says until when).
    Muted,
    /// The user is banned (the message says until when).
    Banned,
    /// The name (or a look-alike of it) is an account's already.
    Taken,
    /// A password too short, the name itself, or a very common one.
    WeakPassword,
    /// A guest login under a name protected by a password.
    Claimed,
    /// A guest login while the server lets only accounts in.
    GuestsDisabled,
    /// An account sign-in with an unknown name or a wrong password.
    BadCredentials,
    /// The session was signed out (here or elsewhere): sign in again.
    SessionEnded,
}

/// Why a request was refused, for people (`message`) and programs (`code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AckError {
    pub code: ErrorCode,
    pub message: String,
    /// With `rate_limited`: how long to wait before trying again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

impl AckError {
    /// An error with the given code and human-readable text.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_ms: None,
        }
    }

    /// A `rate_limited` refusal that says when to try again.
    pub fn rate_limited(retry_after_ms: u64) -> Self {
        Self {
            code: ErrorCode::RateLimited,
            message: format!(
                "too many requests; try again in {:.1} s",
                retry_after_ms as f64 / 1000.0
            ),
            retry_after_ms: Some(retry_after_ms),
        }
    }
}

/// An acknowledgement: `{"ok": true, ...body}` or `{"ok": false, "error": {...}}`.
#[derive(Debug, Clone, PartialEq)]
pub enum Ack<T> {
    Ok(T),
    Err(AckError),
}

impl<T> From<Result<T, AckError>> for Ack<T> {
    fn from(result: Result<T, AckError>) -> Self {
        match result {
            Ok(body) => Ack::Ok(body),
            Err(e) => Ack::Err(e),
        }
    }
}

impl<T> Ack<T> {
    /// The body, or the refusal as an error.
    pub fn into_result(self) -> Result<T, AckError> {
        match self {
            Ack::Ok(body) => Ok(body),
            Ack::Err(e) => Err(e),
        }
    }
}

impl<T: Serialize> Serialize for Ack<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Accepted<'a, T> {
            ok: bool,
            #[serde(flatten)]
            body: &'a T,
        }
        #[derive(Serialize)]
        struct Refused<'a> {
            ok: bool,
            error: &'a AckError,
        }
        match self {
            Ack::Ok(body) => Accepted { ok: true, body }.serialize(s),
            Ack::Err(error) => Refused { ok: false, error }.serialize(s),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Ack<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut value = serde_json::Value::deserialize(d)?;
        let ok = value.get("ok").and_then(serde_json::Value::as_bool);
        match ok {
            Some(true) => T::deserialize(value).map(Ack::Ok).map_err(D::Error::custom),
            Some(false) => {
                let error = value.get_mut("error").map(serde_json::Value::take);
                let error = error.ok_or_else(|| D::Error::missing_field("error"))?;
                AckError::deserialize(error)
                    .map(Ack::Err)
                    .map_err(D::Error::custom)
            }
            None => Err(D::Error::missing_field("ok")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn acks_flatten_their_body_next_to_ok() {
        let ack: Ack<Done> = Ack::Ok(Done {});
        assert_eq!(serde_json::to_value(&ack).unwrap(), json!({"ok": true}));
        let ack: Ack<LeaveRequest> = Ack::Ok(LeaveRequest { room: "a".into() });
        assert_eq!(
            serde_json::to_value(&ack).unwrap(),
            json!({"ok": true, "room": "a"})
        );
    }

    #[test]
    fn refusals_carry_a_code_and_message() {
        let ack: Ack<Done> = Ack::Err(AckError::new(ErrorCode::NotJoined, "join first"));
        let json = serde_json::to_value(&ack).unwrap();
        assert_eq!(
            json,
            json!({"ok": false, "error": {"code": "not_joined", "message": "join first"}})
        );
        assert_eq!(serde_json::from_value::<Ack<Done>>(json).unwrap(), ack);
    }

    #[test]
    fn rate_limits_carry_a_retry_hint() {
        let ack: Ack<Done> = Ack::Err(AckError::rate_limited(1500));
        let json = serde_json::to_value(&ack).unwrap();
        assert_eq!(json["error"]["code"], "rate_limited");
        assert_eq!(json["error"]["retry_after_ms"], 1500);
        assert_eq!(serde_json::from_value::<Ack<Done>>(json).unwrap(), ack);
    }

    #[test]
    fn an_ack_without_ok_does_not_parse() {
        assert!(serde_json::from_value::<Ack<Done>>(json!({"room": "a"})).is_err());
    }
}
