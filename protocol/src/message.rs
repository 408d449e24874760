//! The message object, identical over REST and Socket.IO.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentType {
    Text,
    Image,
}

impl ContentType {
    /// The stored and wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Text => "text",
            ContentType::Image => "image",
        }
    }
}

/// A stored chat message. A room's order is `id` order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: i64,
    pub room: String,
    pub username: String,
    pub content: Option<String>,
    pub image: Option<String>,
    pub content_type: ContentType,
    pub client_id: Option<String>,
    #[serde(serialize_with = "rfc3339_millis", deserialize_with = "from_rfc3339")]
    pub timestamp: DateTime<Utc>,
    /// When the text was last edited, or `None`.
    #[serde(
        default,
        serialize_with = "optional_rfc3339_millis",
        deserialize_with = "optional_from_rfc3339"
    )]
    pub edited_at: Option<DateTime<Utc>>,
    /// A deleted message keeps its id and place, with no content or image.
    #[serde(default)]
    pub deleted: bool,
}

/// Most characters of a message's text a notification quotes: enough for
/// a lock screen, and well inside the 4 KB every push service takes.
pub const NOTICE_CHARS: usize = 200;

impl ChatMessage {
    /// How a notification (a push, or the page's own) tells of this
    /// message: `name: text`, the text cut at [`NOTICE_CHARS`], or `name
    /// sent an image`.
    pub fn notice(&self) -> String {
        match (self.content_type, self.content.as_deref()) {
            (ContentType::Text, Some(text)) => match text.char_indices().nth(NOTICE_CHARS) {
                Some((cut, _)) => format!("{}: {}…", self.username, &text[..cut]),
                None => format!("{}: {text}", self.username),
            },
            _ => format!("{} sent an image", self.username),
        }
    }
}

/// A slice of a room's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// Oldest first.
    pub messages: Vec<ChatMessage>,
    /// Whether more messages exist beyond this slice, in the direction it was read.
    pub has_more: bool,
}

/// Formats a time the way the contract spells it: RFC 3339, milliseconds, `Z`.
pub fn format_timestamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn rfc3339_millis<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_timestamp(t))
}

fn from_rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let text = String::deserialize(d)?;
    parse_rfc3339(&text).map_err(serde::de::Error::custom)
}

fn optional_rfc3339_millis<S: Serializer>(
    t: &Option<DateTime<Utc>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339_millis(t, s),
        None => s.serialize_none(),
    }
}

fn optional_from_rfc3339<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|text| parse_rfc3339(&text).map_err(serde::de::Error::custom))
        .transpose()
}

fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn serializes_to_the_contract_shape() {
        let msg = ChatMessage {
            id: 101,
            room: "general".into(),
            username: "Alice".into(),
            content: Some("Hello World".into()),
            image: None,
            content_type: ContentType::Text,
            client_id: Some("c0a8".into()),
            timestamp: Utc.timestamp_millis_opt(1_756_134_612_123).unwrap(),
            edited_at: None,
            deleted: false,
        };
        let json = serde_json::to_value(&msg).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"id": 101, "room": "general", "username": "Alice",
                "content": "Hello World", "image": null, "content_type": "text",
                "client_id": "c0a8", "timestamp": "2025-08-25T15:10:12.123Z",
                "edited_at": null, "deleted": false})
        );
        assert_eq!(serde_json::from_value::<ChatMessage>(json).unwrap(), msg);

        let edited = ChatMessage {
            edited_at: Some(Utc.timestamp_millis_opt(1_756_134_700_001).unwrap()),
            ..msg
        };
        let json = serde_json::to_value(&edited).unwrap();
        assert_eq!(json["edited_at"], "2025-08-25T15:11:40.001Z");
        assert_eq!(serde_json::from_value::<ChatMessage>(json).unwrap(), edited);
    }
}
