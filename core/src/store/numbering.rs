//! Numbering a batch of messages in their rooms, and the `VALUES` lists
//! that store it, for every backend: each room's count is raised by its
//! messages in the batch at once, and the messages take the numbers just
//! below the new count, in batch order.

use super::group_commit::Numbered;
use chrono::{DateTime, Utc};
use protocol::message::ChatMessage;
use sqlx::query_builder::Separated;
use sqlx::{Database, Encode, QueryBuilder, Transaction, Type};
use std::collections::{BTreeMap, HashMap};

/// Raises rooms' counts, with the columns in [`push_room_counts`]'s order.
pub(super) const INSERT_ROOM_COUNTS: &str =
    "INSERT INTO rooms (name, message_count, created_at, last_activity) ";

/// Stores messages, with the columns in [`push_messages`]'s order.
pub(super) const INSERT_MESSAGES: &str = "INSERT INTO messages (room, seq, username, content, image, content_type, client_id, created_at) ";

/// Ends the transaction that stored a whole batch at once: commits it when
/// every message was stored (`ids`), or, when one was not (a retried
/// `client_id`), rolls it back and stores the batch through `one_by_one`.
pub(super) async fn commit_or_one_by_one<DB: Database>(
    tx: Transaction<'static, DB>,
    stored: Option<Vec<Numbered>>,
    one_by_one: impl Future<Output = Result<Vec<Option<Numbered>>, sqlx::Error>>,
) -> Result<Vec<Option<Numbered>>, sqlx::Error> {
    if let Some(stored) = stored {
        tx.commit().await?;
        return Ok(stored.into_iter().map(Some).collect());
    }
    tx.rollback().await?;
    one_by_one.await
}

/// How many messages of each room a batch holds.
pub(super) struct Rooms<'b>(BTreeMap<&'b str, i64>);

impl<'b> Rooms<'b> {
    pub(super) fn of(batch: &'b [ChatMessage]) -> Self {
        let mut rooms = BTreeMap::new();
        for message in batch {
            *rooms.entry(message.room.as_str()).or_insert(0) += 1;
        }
        Rooms(rooms)
    }

    /// Each room and its messages in the batch, in name order: the order
    /// their rows are locked in, so two batches never wait on each other
    /// in a circle.
    pub(super) fn counts(&self) -> impl Iterator<Item = (&'b str, i64)> + '_ {
        self.0.iter().map(|(&room, &count)| (room, count))
    }

    /// Each message's number in its room, given every room's count with
    /// the batch counted in.
    pub(super) fn numbers(
        &self,
        batch: &[ChatMessage],
        totals: &HashMap<String, i64>,
    ) -> Result<Vec<i64>, sqlx::Error> {
        let mut next: HashMap<&str, i64> = HashMap::with_capacity(self.0.len());
        for (room, count) in self.counts() {
            let total = totals
                .get(room)
                .ok_or_else(|| sqlx::Error::Protocol(format!("room {room:?} was not counted")))?;
            next.insert(room, total - count + 1);
        }
        Ok(batch
            .iter()
            .map(|message| {
                let seq = next.get_mut(message.room.as_str()).expect("counted above");
                *seq += 1;
                *seq - 1
            })
            .collect())
    }
}

/// Appends `VALUES (name, message_count, created_at, last_activity), …`:
/// rooms of a batch with their messages in it (from [`Rooms::counts`], in
/// name order), active at `at`.
pub(super) fn push_room_counts<'r, DB>(
    query: &mut QueryBuilder<DB>,
    rooms: impl IntoIterator<Item = (&'r str, i64)>,
    at: DateTime<Utc>,
) where
    DB: Database,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    query.push_values(rooms, |mut row, (room, messages)| {
        row.push_bind(room)
            .push_bind(messages)
            .push_bind(at)
            .push_bind(at);
    });
}

/// Appends `VALUES (room, seq, username, content, image, content_type,
/// client_id, created_at), …` for a batch; `seq` pushes the `n`th
/// message's number (a value or an expression).
pub(super) fn push_messages<DB>(
    query: &mut QueryBuilder<DB>,
    batch: &[ChatMessage],
    mut seq: impl FnMut(&mut Separated<'_, DB, &'static str>, usize),
) where
    DB: Database,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    query.push_values(batch.iter().enumerate(), |mut row, (n, message)| {
        row.push_bind(message.room.as_str());
        seq(&mut row, n);
        row.push_bind(message.username.as_str())
            .push_bind(message.content.as_deref())
            .push_bind(message.image.as_deref())
            .push_bind(message.content_type.as_str())
            .push_bind(message.client_id.as_deref())
            .push_bind(message.timestamp);
    });
}

/// Each sender's newest message in each room of a stored batch, as
/// `(room, username, id, seq)`: where their read markers move, since what
/// one sends is read.
pub(super) fn senders_newest<'b>(
    batch: &'b [ChatMessage],
    stored: &[Numbered],
) -> Vec<(&'b str, &'b str, i64, i64)> {
    let mut newest: BTreeMap<(&str, &str), Numbered> = BTreeMap::new();
    for (message, &n) in batch.iter().zip(stored) {
        let key = (message.room.as_str(), message.username.as_str());
        let entry = newest.entry(key).or_insert(n);
        if n.seq > entry.seq {
            *entry = n;
        }
    }
    newest
        .into_iter()
        .map(|((room, username), n)| (room, username, n.id, n.seq))
        .collect()
}

/// `items` in consecutive pieces whose lengths are powers of two, largest
/// first (13 items: 8, 4, 1). A statement with one placeholder list per
/// item then takes one of a few shapes, and its prepared form stays in the
/// connection's statement cache; with one shape per batch length, MySQL
/// connections evict and re-prepare all the time, and each eviction's
/// unanswered close packet holds the next statement back by about 40 ms
/// (Nagle's algorithm against the server's delayed acknowledgement).
pub(super) fn in_cached_sizes<T>(items: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let size = 1 << rest.len().ilog2();
        let (piece, after) = rest.split_at(size);
        rest = after;
        Some(piece)
    })
}

/// The ids and numbers of a batch's messages, in batch order, from the
/// `(id, room, seq)` rows stored; `None` when one is missing (its
/// `client_id` was stored before).
pub(super) fn ids_in_order(
    batch: &[ChatMessage],
    numbers: &[i64],
    stored: Vec<(i64, String, i64)>,
) -> Option<Vec<Numbered>> {
    if stored.len() != batch.len() {
        return None;
    }
    let ids: HashMap<(String, i64), i64> = stored
        .into_iter()
        .map(|(id, room, seq)| ((room, seq), id))
        .collect();
    batch
        .iter()
        .zip(numbers)
        .map(|(message, &seq)| {
            let id = *ids.get(&(message.room.clone(), seq))?;
            Some(Numbered { id, seq })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::message::ContentType;

    fn message(room: &str) -> ChatMessage {
        ChatMessage {
            id: 0,
            room: room.into(),
            username: "alice".into(),
            content: Some("hi".into()),
            image: None,
            content_type: ContentType::Text,
            client_id: None,
            timestamp: chrono::Utc::now(),
            edited_at: None,
            deleted: false,
        }
    }

    #[test]
    fn messages_take_the_numbers_below_their_rooms_new_count_in_batch_order() {
        let batch = [message("b"), message("a"), message("b"), message("b")];
        let rooms = Rooms::of(&batch);
        assert_eq!(rooms.counts().collect::<Vec<_>>(), [("a", 1), ("b", 3)]);
        let totals = HashMap::from([("a".to_owned(), 1), ("b".to_owned(), 10)]);
        let numbers = rooms.numbers(&batch, &totals).unwrap();
        assert_eq!(numbers, [8, 1, 9, 10]);

        let stored = vec![(7, "b".into(), 9), (5, "b".into(), 8), (6, "a".into(), 1)];
        assert_eq!(ids_in_order(&batch, &numbers, stored.clone()), None);
        let mut all = stored;
        all.push((8, "b".into(), 10));
        let stored = ids_in_order(&batch, &numbers, all).unwrap();
        assert_eq!(
            stored.iter().map(|n| (n.id, n.seq)).collect::<Vec<_>>(),
            [(5, 8), (6, 1), (7, 9), (8, 10)]
        );
    }

    #[test]
    fn pieces_are_powers_of_two_in_order_and_cover_every_item() {
        let items: Vec<u32> = (0..13).collect();
        let pieces: Vec<&[u32]> = in_cached_sizes(&items).collect();
        assert_eq!(
            pieces.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 1]
        );
        assert_eq!(pieces.concat(), items);
        assert_eq!(in_cached_sizes::<u32>(&[]).count(), 0);
        // Every length up to a full batch needs only nine shapes.
        let shapes: std::collections::BTreeSet<usize> = (1..=256)
            .flat_map(|n| {
                in_cached_sizes(&items.repeat(20)[..n])
                    .map(<[u32]>::len)
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(shapes.len(), 9);
    }
}
