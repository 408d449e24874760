//! What a push says about a message: the same for FCM and Web Push.

use protocol::message::ChatMessage;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A push: `{title, body, data}`, which is the Web Push payload as JSON
/// and, split into `notification` and `data`, the FCM message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payload {
    /// `#room`.
    pub title: String,
    /// [`ChatMessage::notice`]: `name: text`, or `name sent an image`.
    pub body: String,
    pub data: PayloadData,
}

/// What the app opening the push needs, every value a string (as FCM's
/// `data` requires).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadData {
    pub room: String,
    /// The message's id, in decimal.
    pub message_id: String,
    /// The room page: absolute when the site's public address is known.
    pub url: String,
}

impl Payload {
    /// The push for `message`; `public_url` is the site's address as users
    /// see it, if configured.
    pub fn of(message: &ChatMessage, public_url: Option<&str>) -> Self {
        let path = app::location::room_path(&message.room);
        let url = match public_url {
            Some(base) => format!("{}{path}", base.trim_end_matches('/')),
            None => path,
        };
        Payload {
            title: format!("#{}", message.room),
            body: message.notice(),
            data: PayloadData {
                room: message.room.clone(),
                message_id: message.id.to_string(),
                url,
            },
        }
    }
}

/// The collapse key of a room's pushes (Web Push `Topic`, FCM
/// `collapse_key`): a push service keeps only the newest undelivered push
/// under one key. 32 hex digits, within every service's alphabet and length.
pub fn collapse_key(room: &str) -> String {
    Sha256::digest(room.as_bytes())[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::message::{ContentType, NOTICE_CHARS};

    fn message(content_type: ContentType, content: Option<&str>) -> ChatMessage {
        ChatMessage {
            id: 42,
            room: "général".into(),
            username: "alice".into(),
            content: content.map(str::to_owned),
            image: None,
            content_type,
            client_id: None,
            timestamp: chrono::Utc::now(),
            edited_at: None,
            deleted: false,
        }
    }

    #[test]
    fn a_push_names_the_room_the_sender_and_the_text() {
        let push = Payload::of(&message(ContentType::Text, Some("hi")), None);
        assert_eq!(push.title, "#général");
        assert_eq!(push.body, "alice: hi");
        assert_eq!(push.data.message_id, "42");
        assert_eq!(push.data.url, "/chat/g%C3%A9n%C3%A9ral/");

        let image = Payload::of(
            &message(ContentType::Image, None),
            Some("https://chat.example.com/"),
        );
        assert_eq!(image.body, "alice sent an image");
        assert_eq!(
            image.data.url,
            "https://chat.example.com/chat/g%C3%A9n%C3%A9ral/"
        );
    }

    #[test]
    fn long_text_is_shortened() {
        let long = "é".repeat(NOTICE_CHARS + 50);
        let push = Payload::of(&message(ContentType::Text, Some(&long)), None);
        assert_eq!(
            push.body.chars().count(),
            "alice: ".len() + NOTICE_CHARS + 1
        );
        assert!(push.body.ends_with('…'));
        assert_eq!(collapse_key("general").len(), 32);
    }
}
