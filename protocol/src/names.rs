//! Validated names and message text: parsed once at the edge, trusted inside.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest user or room name, in characters.
pub const NAME_MAX_CHARS: usize = 32;

/// Default upper bound of a message's text, in characters after trimming.
pub const DEFAULT_MESSAGE_MAX_CHARS: usize = 4_000;

/// Names no person may take: they would pass for the system or its staff.
/// (The server also refuses their look-alikes in other scripts.)
pub const RESERVED_NAMES: &[&str] = &[
    "system",
    "admin",
    "administrator",
    "moderator",
    "root",
    "server",
    "bot",
    "null",
    "undefined",
];

/// Why a user or room name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("is required")]
    Empty,
    #[error("must be at most {NAME_MAX_CHARS} characters")]
    TooLong,
    #[error("may only contain letters, digits, '_', '-' and '.'")]
    BadCharacters,
    #[error("must contain a letter or digit")]
    NoLetters,
    #[error("is reserved")]
    Reserved,
}

impl NameError {
    /// A stable code for URLs and machine clients.
    pub fn code(self) -> &'static str {
        match self {
            NameError::Empty => "empty",
            NameError::TooLong => "too_long",
            NameError::BadCharacters => "bad_characters",
            NameError::NoLetters => "no_letters",
            NameError::Reserved => "reserved",
        }
    }

    /// The inverse of [`NameError::code`].
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Empty,
            Self::TooLong,
            Self::BadCharacters,
            Self::NoLetters,
            Self::Reserved,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }
}

fn check_name(raw: &str) -> Result<&str, NameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(NameError::TooLong);
    }
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    if !name.chars().all(allowed) {
        return Err(NameError::BadCharacters);
    }
    // `.` and `..` would be path segments in the room's URL.
    if !name.chars().any(char::is_alphanumeric) {
        return Err(NameError::NoLetters);
    }
    if RESERVED_NAMES.iter().any(|r| r.eq_ignore_ascii_case(name)) {
        return Err(NameError::Reserved);
    }
    Ok(name)
}

/// A person's display name: 1–32 letters, digits, `_`, `-` or `.`, case kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Username(String);

impl Username {
    /// Validates a name typed by a person or sent by a client.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        check_name(raw).map(|name| Self(name.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A room name: the same alphabet as usernames, case-insensitive, kept lower-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RoomName(String);

impl RoomName {
    /// Validates a room name and folds it to lower case.
    pub fn parse(raw: &str) -> Result<Self, NameError> {
        // Checked after folding: lower-casing can lengthen a name or add
        // marks ('İ' becomes 'i' and a combining dot).
        let folded = raw.trim().to_lowercase();
        check_name(&folded).map(|name| Self(name.to_owned()))
    }

    /// The canonical (lower-case) name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $t {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}
display_as_str!(Username, RoomName, MessageBody);

/// Why a message's text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("message is empty")]
    Empty,
    #[error("message is longer than {max} characters")]
    TooLong { max: usize },
    #[error("message contains control characters")]
    ControlCharacters,
}

/// A message's text: trimmed, non-empty and at most the configured length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

impl MessageBody {
    /// Trims the text and checks it against `max_chars`.
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, BodyError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(BodyError::Empty);
        }
        if text.chars().count() > max_chars {
            return Err(BodyError::TooLong { max: max_chars });
        }
        // Line breaks and tabs are text; NUL and the like are not (and
        // PostgreSQL refuses to store NUL).
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
        {
            return Err(BodyError::ControlCharacters);
        }
        Ok(Self(text.to_owned()))
    }

    /// The trimmed text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Longest accepted `client_id`, in bytes.
pub const CLIENT_ID_MAX: usize = 64;

/// Why a `client_id` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("client_id must be at most {CLIENT_ID_MAX} bytes, without control characters")]
pub struct ClientIdError;

/// A sender's idempotency key: non-empty, at most 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientId(String);

impl ClientId {
    /// `None` for an absent or blank key (the send is then not deduplicated).
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, ClientIdError> {
        match raw.map(str::trim) {
            None | Some("") => Ok(None),
            Some(id) if id.len() > CLIENT_ID_MAX || id.chars().any(char::is_control) => {
                Err(ClientIdError)
            }
            Some(id) => Ok(Some(Self(id.to_owned()))),
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_keep_case_and_rooms_fold_it() {
        assert_eq!(Username::parse(" Alice ").unwrap().as_str(), "Alice");
        assert_eq!(RoomName::parse("General").unwrap().as_str(), "general");
    }

    #[test]
    fn names_outside_the_alphabet_or_length_are_refused() {
        assert_eq!(Username::parse(""), Err(NameError::Empty));
        assert_eq!(Username::parse("a b"), Err(NameError::BadCharacters));
        assert_eq!(Username::parse("<script>"), Err(NameError::BadCharacters));
        assert_eq!(RoomName::parse(&"x".repeat(33)), Err(NameError::TooLong));
        assert!(RoomName::parse(&"x".repeat(32)).is_ok());
        assert_eq!(Username::parse("SYSTEM"), Err(NameError::Reserved));
    }

    #[test]
    fn message_text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(MessageBody::parse("  hi \n", 10).unwrap().as_str(), "hi");
        assert_eq!(MessageBody::parse(" \n\t", 10), Err(BodyError::Empty));
        assert!(MessageBody::parse(&"é".repeat(10), 10).is_ok());
        assert_eq!(
            MessageBody::parse(&"é".repeat(11), 10),
            Err(BodyError::TooLong { max: 10 })
        );
    }

    #[test]
    fn client_ids_are_optional_and_bounded() {
        assert_eq!(ClientId::parse(None), Ok(None));
        assert_eq!(ClientId::parse(Some("  ")), Ok(None));
        assert_eq!(
            ClientId::parse(Some(" c1 ")).unwrap().unwrap().as_str(),
            "c1"
        );
        assert_eq!(ClientId::parse(Some(&"x".repeat(65))), Err(ClientIdError));
        assert_eq!(ClientId::parse(Some("a\0b")), Err(ClientIdError));
    }

    #[test]
    fn error_codes_round_trip() {
        for e in [
            NameError::Empty,
            NameError::TooLong,
            NameError::BadCharacters,
            NameError::Reserved,
        ] {
            assert_eq!(NameError::from_code(e.code()), Some(e));
        }
    }

    #[test]
    fn room_names_are_checked_as_folded_and_need_a_letter() {
        // 'İ' folds to 'i' plus a combining dot, which is not a letter.
        assert_eq!(RoomName::parse("İzmir"), Err(NameError::BadCharacters));
        assert_eq!(RoomName::parse("Zürich").unwrap().as_str(), "zürich");
        for dots in [".", "..", "-_-"] {
            assert_eq!(RoomName::parse(dots), Err(NameError::NoLetters), "{dots}");
            assert_eq!(Username::parse(dots), Err(NameError::NoLetters), "{dots}");
        }
    }

    #[test]
    fn message_text_keeps_line_breaks_but_not_control_characters() {
        assert!(MessageBody::parse("two\nlines\tand a tab", 100).is_ok());
        assert_eq!(
            MessageBody::parse("nul\0inside", 100),
            Err(BodyError::ControlCharacters)
        );
        assert_eq!(
            MessageBody::parse("bell\u{7}", 100),
            Err(BodyError::ControlCharacters)
        );
    }
}
