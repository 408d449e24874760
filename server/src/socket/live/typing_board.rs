//! Who is typing where. A user's typing is relayed at most once per
//! [`RELAY_EVERY`] however many tabs they type in, and it ends by itself
//! [`EXPIRES_AFTER`] after the last sign of it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The least time between two "started typing" relays of one user.
pub const RELAY_EVERY: Duration = Duration::from_secs(3);
/// How long typing lasts without a fresh signal.
pub const EXPIRES_AFTER: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
struct Typing {
    relayed_at: Instant,
    last_seen: Instant,
    /// Tells this spell of typing from a later one of the same user, so a
    /// watcher of an ended spell does not watch the next one too.
    spell: u64,
    /// Whether a watcher waits to expire this spell.
    watched: bool,
}

/// What a watcher expires: one spell of one user's typing in one room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spell(u64);

/// Whether a typing signal is news for the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relay {
    Start,
    Stop,
    Quiet,
}

/// What an expiry check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Typing ran out now: tell the room it stopped.
    Stop,
    /// It already ended some other way.
    Gone,
    /// Still fresh: look again then.
    CheckAt(Instant),
}

type Key = (String, String);

#[derive(Default)]
pub struct TypingBoard {
    typing: Mutex<HashMap<Key, Typing>>,
    spells: std::sync::atomic::AtomicU64,
}

impl TypingBoard {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Typing>> {
        self.typing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `user` started (or is still) typing in `room`.
    pub fn started(&self, room: &str, user: &str, now: Instant) -> Relay {
        let mut typing = self.lock();
        let entry = typing
            .entry((room.to_owned(), user.to_owned()))
            .or_insert_with(|| Typing {
                relayed_at: now - RELAY_EVERY,
                last_seen: now,
                spell: self
                    .spells
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                watched: false,
            });
        entry.last_seen = now;
        if now.duration_since(entry.relayed_at) < RELAY_EVERY {
            return Relay::Quiet;
        }
        entry.relayed_at = now;
        Relay::Start
    }

    /// `user` stopped typing in `room` (sent, cleared the box, left).
    pub fn stopped(&self, room: &str, user: &str) -> Relay {
        match self.lock().remove(&(room.to_owned(), user.to_owned())) {
            Some(_) => Relay::Stop,
            None => Relay::Quiet,
        }
    }

    /// The spell of typing to watch, unless it has a watcher already: one
    /// watcher per spell, however long the typing goes on.
    pub fn watch(&self, room: &str, user: &str) -> Option<Spell> {
        let mut typing = self.lock();
        let entry = typing.get_mut(&(room.to_owned(), user.to_owned()))?;
        if entry.watched {
            return None;
        }
        entry.watched = true;
        Some(Spell(entry.spell))
    }

    /// Ends typing that has had no signal for [`EXPIRES_AFTER`].
    pub fn expire(&self, room: &str, user: &str, spell: Spell, now: Instant) -> Expiry {
        let mut typing = self.lock();
        let key = (room.to_owned(), user.to_owned());
        let Some(t) = typing.get(&key).filter(|t| Spell(t.spell) == spell) else {
            return Expiry::Gone;
        };
        let ends = t.last_seen + EXPIRES_AFTER;
        if now < ends {
            return Expiry::CheckAt(ends);
        }
        typing.remove(&key);
        Expiry::Stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_are_relayed_at_most_every_three_seconds() {
        let board = TypingBoard::default();
        let t0 = Instant::now();
        assert_eq!(board.started("r", "a", t0), Relay::Start);
        assert_eq!(
            board.started("r", "a", t0 + Duration::from_secs(1)),
            Relay::Quiet
        );
        assert_eq!(
            board.started("r", "b", t0 + Duration::from_secs(1)),
            Relay::Start
        );
        assert_eq!(board.started("r", "a", t0 + RELAY_EVERY), Relay::Start);
    }

    #[test]
    fn typing_expires_five_seconds_after_the_last_signal() {
        let board = TypingBoard::default();
        let t0 = Instant::now();
        board.started("r", "a", t0);
        let spell = board.watch("r", "a").unwrap();
        board.started("r", "a", t0 + Duration::from_secs(2));
        let refreshed_end = t0 + Duration::from_secs(2) + EXPIRES_AFTER;
        assert_eq!(
            board.expire("r", "a", spell, t0 + EXPIRES_AFTER),
            Expiry::CheckAt(refreshed_end)
        );
        assert_eq!(board.expire("r", "a", spell, refreshed_end), Expiry::Stop);
        assert_eq!(board.expire("r", "a", spell, refreshed_end), Expiry::Gone);
        assert_eq!(board.stopped("r", "a"), Relay::Quiet);
    }

    #[test]
    fn each_spell_of_typing_has_one_watcher() {
        let board = TypingBoard::default();
        let t0 = Instant::now();
        board.started("r", "a", t0);
        let first = board.watch("r", "a").unwrap();
        // Typing on (relayed again every three seconds) needs no new watcher.
        board.started("r", "a", t0 + RELAY_EVERY);
        assert_eq!(board.watch("r", "a"), None);
        // A new spell after a stop gets its own, and the old one lets go.
        board.stopped("r", "a");
        board.started("r", "a", t0 + RELAY_EVERY * 2);
        let second = board.watch("r", "a").unwrap();
        assert_ne!(first, second);
        assert_eq!(board.expire("r", "a", first, t0), Expiry::Gone);
    }
}
