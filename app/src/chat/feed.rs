//! The room's message list as the reader sees it: stored messages in id
//! order, then the reader's own sends that are still on their way.
//! Pure data, so the merge rules are unit-tested without a browser.

use crate::message::{ChatMessage, ContentType};
use chrono::{DateTime, Utc};

/// Where one of the reader's own messages stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// Stored by the server.
    Sent,
    /// Sent, not yet acknowledged.
    Pending,
    /// Not delivered; the reason is shown with retry / discard.
    Failed(String),
}

/// One line of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Server id, once stored.
    pub id: Option<i64>,
    pub username: String,
    pub content: Option<String>,
    pub image: Option<String>,
    pub content_type: ContentType,
    pub client_id: Option<String>,
    /// Server time, once stored.
    pub timestamp: Option<DateTime<Utc>>,
    pub delivery: Delivery,
    /// For a notice (someone joined or left; never stored): it stands after
    /// message `.0`, as the `.1`-th notice of this page.
    pub notice: Option<(i64, u32)>,
    /// When the text was last edited.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deleted: shown as a tombstone in its place.
    pub deleted: bool,
}

impl Entry {
    /// A key that is unique in the list and changes when the line must be
    /// drawn anew (a pending line turning into a stored one).
    pub fn key(&self) -> String {
        if let Some((after, n)) = self.notice {
            return format!("s{after}-{n}");
        }
        match (&self.id, &self.delivery) {
            // A changed message is drawn anew.
            (Some(id), _) if self.deleted => format!("m{id}-deleted"),
            (Some(id), _) => match self.edited_at {
                Some(at) => format!("m{id}-{}", at.timestamp_millis()),
                None => format!("m{id}"),
            },
            (None, Delivery::Failed(_)) => {
                format!("f{}", self.client_id.as_deref().unwrap_or_default())
            }
            (None, _) => format!("p{}", self.client_id.as_deref().unwrap_or_default()),
        }
    }
}

impl Entry {
    /// Where the line sorts among stored lines; `None` for unsent ones.
    fn order(&self) -> Option<(i64, u32)> {
        self.id.map(|id| (id, 0)).or(self.notice)
    }

    fn unsent(username: &str, client_id: &str, content: Option<&str>) -> Self {
        Entry {
            id: None,
            username: username.to_owned(),
            content: content.map(str::to_owned),
            image: None,
            content_type: ContentType::Text,
            client_id: Some(client_id.to_owned()),
            timestamp: None,
            delivery: Delivery::Pending,
            notice: None,
            edited_at: None,
            deleted: false,
        }
    }
}

impl From<ChatMessage> for Entry {
    fn from(m: ChatMessage) -> Self {
        Entry {
            id: Some(m.id),
            username: m.username,
            content: m.content,
            image: m.image,
            content_type: m.content_type,
            client_id: m.client_id,
            timestamp: Some(m.timestamp),
            delivery: Delivery::Sent,
            notice: None,
            edited_at: m.edited_at,
            deleted: m.deleted,
        }
    }
}

/// The ordered list of a room's lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feed {
    entries: Vec<Entry>,
    notices: u32,
}

impl Feed {
    /// A feed holding a page of history (any order, duplicates dropped).
    pub fn from_history(messages: Vec<ChatMessage>) -> Self {
        let mut feed = Feed::default();
        feed.merge(messages);
        feed
    }

    /// The lines, oldest first, pending sends last.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The newest stored id, to ask the server only for what came after it.
    pub fn last_id(&self) -> Option<i64> {
        self.entries.iter().filter_map(|e| e.id).max()
    }

    /// The oldest stored id, to ask the server for what came before it.
    pub fn first_id(&self) -> Option<i64> {
        self.entries.iter().find_map(|e| e.id)
    }

    /// How many lines lead the list in order (stored messages and notices);
    /// unsent ones follow them.
    fn ordered_len(&self) -> usize {
        self.entries
            .iter()
            .take_while(|e| e.order().is_some())
            .count()
    }

    /// Adds stored messages in id order. A message already present is
    /// ignored; one that confirms a pending send replaces that send.
    pub fn merge(&mut self, messages: impl IntoIterator<Item = ChatMessage>) {
        for message in messages {
            self.insert(message);
        }
    }

    /// Shows a stored message as it now is (edited or deleted), if it is
    /// in the list; one not loaded yet comes as it is with its page.
    pub fn update(&mut self, message: ChatMessage) {
        let ordered = &self.entries[..self.ordered_len()];
        if let Ok(at) = ordered.binary_search_by_key(&Some((message.id, 0)), Entry::order) {
            self.entries[at] = message.into();
        }
    }

    /// Adds one stored message (see [`Feed::merge`]); false when the feed
    /// had it already.
    pub fn insert(&mut self, message: ChatMessage) -> bool {
        if let Some(cid) = &message.client_id {
            self.entries.retain(|e| {
                e.id.is_some()
                    || e.client_id.as_ref() != Some(cid)
                    || e.username != message.username
            });
        }
        let ordered = &self.entries[..self.ordered_len()];
        match ordered.binary_search_by_key(&Some((message.id, 0)), Entry::order) {
            Ok(_) => false,
            Err(at) => {
                self.entries.insert(at, message.into());
                true
            }
        }
    }

    /// Replaces the stored history with `messages` (after a gap too long to
    /// fill), keeping the reader's unsent messages.
    pub fn replace_history(&mut self, messages: Vec<ChatMessage>) {
        self.entries.retain(|e| e.order().is_none());
        self.merge(messages);
    }

    /// Adds a notice (someone joined or left) after the newest message.
    pub fn push_notice(&mut self, text: &str) {
        self.notices += 1;
        let at = self.ordered_len();
        self.entries.insert(
            at,
            Entry {
                id: None,
                username: String::new(),
                content: Some(text.to_owned()),
                image: None,
                content_type: ContentType::Text,
                client_id: None,
                timestamp: None,
                delivery: Delivery::Sent,
                notice: Some((self.last_id().unwrap_or(0), self.notices)),
                edited_at: None,
                deleted: false,
            },
        );
    }

    /// Shows the reader's own message at once, before the server has it.
    pub fn push_pending(&mut self, username: &str, content: &str, client_id: &str) {
        self.entries
            .push(Entry::unsent(username, client_id, Some(content)));
    }

    /// The oldest text message still waiting to be sent, as (client_id, text).
    pub fn next_unsent_text(&self) -> Option<(String, String)> {
        self.entries.iter().find_map(|e| {
            let waiting = e.id.is_none()
                && e.delivery == Delivery::Pending
                && e.content_type == ContentType::Text;
            let client_id = e.client_id.clone().filter(|_| waiting)?;
            Some((client_id, e.content.clone().unwrap_or_default()))
        })
    }

    /// The local preview URL of an unsent image.
    pub fn preview_of(&self, client_id: &str) -> Option<String> {
        self.entries
            .iter()
            .find(|e| e.id.is_none() && e.client_id.as_deref() == Some(client_id))
            .and_then(|e| e.image.clone())
    }

    fn unsent_mut(&mut self, client_id: &str) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .find(|e| e.id.is_none() && e.client_id.as_deref() == Some(client_id))
    }

    /// Shows the reader's image at once, from a local preview URL, before
    /// any byte of it has reached the server.
    pub fn push_pending_image(
        &mut self,
        username: &str,
        preview_url: &str,
        caption: Option<&str>,
        client_id: &str,
    ) {
        self.entries.push(Entry {
            image: Some(preview_url.to_owned()),
            content_type: ContentType::Image,
            ..Entry::unsent(username, client_id, caption)
        });
    }

    /// Marks an unsent message as failed, with the reason to show.
    pub fn mark_failed(&mut self, client_id: &str, reason: &str) {
        if let Some(entry) = self.unsent_mut(client_id) {
            entry.delivery = Delivery::Failed(reason.to_owned());
        }
    }

    /// Marks a failed message as being sent again; returns it as it was.
    pub fn mark_retrying(&mut self, client_id: &str) -> Option<Entry> {
        let entry = self.unsent_mut(client_id)?;
        entry.delivery = Delivery::Pending;
        Some(entry.clone())
    }

    /// Drops an unsent message the reader gave up on.
    pub fn discard(&mut self, client_id: &str) {
        self.entries
            .retain(|e| e.id.is_some() || e.client_id.as_deref() != Some(client_id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: i64, user: &str, client_id: Option<&str>) -> ChatMessage {
        ChatMessage {
            id,
            room: "r".into(),
            username: user.into(),
            content: Some(format!("m{id}")),
            image: None,
            content_type: ContentType::Text,
            client_id: client_id.map(Into::into),
            timestamp: DateTime::from_timestamp_millis(id * 1000).unwrap(),
            edited_at: None,
            deleted: false,
        }
    }

    fn ids(feed: &Feed) -> Vec<Option<i64>> {
        feed.entries().iter().map(|e| e.id).collect()
    }

    #[test]
    fn messages_are_kept_in_id_order_without_duplicates() {
        let mut feed = Feed::from_history(vec![msg(3, "a", None), msg(1, "a", None)]);
        feed.merge(vec![
            msg(2, "b", None),
            msg(3, "a", None),
            msg(5, "b", None),
        ]);
        feed.insert(msg(4, "b", None));
        assert_eq!(
            ids(&feed),
            vec![Some(1), Some(2), Some(3), Some(4), Some(5)]
        );
        assert_eq!(feed.last_id(), Some(5));
        assert_eq!(feed.first_id(), Some(1));
    }

    #[test]
    fn a_pending_send_stays_last_until_confirmed_in_place() {
        let mut feed = Feed::from_history(vec![msg(1, "me", None)]);
        feed.push_pending("me", "hello", "c1");
        feed.insert(msg(2, "other", None));
        assert_eq!(ids(&feed), vec![Some(1), Some(2), None]);
        assert_eq!(feed.entries()[2].delivery, Delivery::Pending);

        feed.insert(msg(3, "me", Some("c1")));
        assert_eq!(ids(&feed), vec![Some(1), Some(2), Some(3)]);
        assert_eq!(feed.entries()[2].delivery, Delivery::Sent);
        // The same confirmation arriving twice (ack and broadcast) shows once.
        feed.insert(msg(3, "me", Some("c1")));
        assert_eq!(feed.entries().len(), 3);
    }

    #[test]
    fn a_pending_image_is_replaced_by_the_stored_one() {
        let mut feed = Feed::default();
        feed.push_pending_image("me", "blob:local", Some("cat"), "u1");
        assert_eq!(feed.entries()[0].image.as_deref(), Some("blob:local"));
        let mut stored = msg(7, "me", Some("u1"));
        stored.content_type = ContentType::Image;
        stored.image = Some("/media/chat_images/img_1_ab.png".into());
        feed.insert(stored);
        assert_eq!(feed.entries().len(), 1);
        assert_eq!(
            feed.entries()[0].image.as_deref(),
            Some("/media/chat_images/img_1_ab.png")
        );
        assert_eq!(feed.entries()[0].delivery, Delivery::Sent);
    }

    #[test]
    fn notices_stay_between_the_messages_around_them() {
        let mut feed = Feed::from_history(vec![msg(1, "a", None), msg(2, "a", None)]);
        feed.push_pending("me", "hi", "c1");
        feed.push_notice("Bob joined");
        feed.insert(msg(3, "b", None));
        feed.push_notice("Bob left");
        feed.insert(msg(5, "a", None));
        let lines: Vec<String> = feed.entries().iter().map(Entry::key).collect();
        assert_eq!(lines, ["m1", "m2", "s2-1", "m3", "s3-2", "m5", "pc1"]);
        // Older pages go before them all; a catch-up is merged around them.
        feed.merge(vec![msg(0, "a", None), msg(4, "b", None)]);
        let lines: Vec<String> = feed.entries().iter().map(Entry::key).collect();
        assert_eq!(
            lines,
            ["m0", "m1", "m2", "s2-1", "m3", "s3-2", "m4", "m5", "pc1"]
        );
        assert_eq!(feed.first_id(), Some(0));
    }

    #[test]
    fn another_users_client_id_does_not_confirm_my_send() {
        let mut feed = Feed::default();
        feed.push_pending("me", "hello", "same");
        feed.insert(msg(1, "other", Some("same")));
        assert_eq!(ids(&feed), vec![Some(1), None]);
    }

    #[test]
    fn unsent_texts_go_out_oldest_first_and_skip_failed_ones() {
        let mut feed = Feed::from_history(vec![msg(1, "me", None)]);
        feed.push_pending("me", "first", "c1");
        feed.push_pending("me", "second", "c2");
        feed.push_pending_image("me", "blob:x", None, "i1");
        assert_eq!(feed.next_unsent_text(), Some(("c1".into(), "first".into())));
        feed.mark_failed("c1", "too long");
        assert_eq!(
            feed.next_unsent_text(),
            Some(("c2".into(), "second".into()))
        );
        feed.insert(msg(2, "me", Some("c2")));
        assert_eq!(feed.next_unsent_text(), None);
    }

    #[test]
    fn failed_sends_can_be_retried_or_discarded() {
        let mut feed = Feed::default();
        feed.push_pending("me", "hello", "c1");
        feed.mark_failed("c1", "offline");
        assert_eq!(
            feed.entries()[0].delivery,
            Delivery::Failed("offline".into())
        );
        assert_eq!(feed.entries()[0].key(), "fc1");
        let retried = feed.mark_retrying("c1").unwrap();
        assert_eq!(retried.content.as_deref(), Some("hello"));
        assert_eq!(feed.entries()[0].delivery, Delivery::Pending);
        feed.discard("c1");
        assert!(feed.entries().is_empty());
    }

    #[test]
    fn edits_and_deletions_replace_the_line_in_place_and_redraw_it() {
        let mut feed = Feed::from_history(vec![msg(1, "a", None), msg(2, "b", None)]);
        let before = feed.entries()[0].key();
        let edited = ChatMessage {
            content: Some("m1, fixed".into()),
            edited_at: DateTime::from_timestamp_millis(5_000),
            ..msg(1, "a", None)
        };
        feed.update(edited);
        assert_eq!(ids(&feed), vec![Some(1), Some(2)]);
        assert_eq!(feed.entries()[0].content.as_deref(), Some("m1, fixed"));
        assert_ne!(
            feed.entries()[0].key(),
            before,
            "an edited line is drawn anew"
        );

        let deleted = ChatMessage {
            content: None,
            deleted: true,
            ..msg(2, "b", None)
        };
        feed.update(deleted);
        assert!(feed.entries()[1].deleted);
        assert_eq!(feed.entries()[1].content, None);
        // A message not shown (not loaded yet) is left for its page.
        feed.update(msg(9, "c", None));
        assert_eq!(ids(&feed), vec![Some(1), Some(2)]);
    }
}
