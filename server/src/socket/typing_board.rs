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
}

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
            .or_insert(Typing {
                relayed_at: now - RELAY_EVERY,
                last_seen: now,
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

    /// Ends typing that has had no signal for [`EXPIRES_AFTER`].
    pub fn expire(&self, room: &str, user: &str, now: Instant) -> Expiry {
        let mut typing = self.lock();
        let key = (room.to_owned(), user.to_owned());
        let Some(t) = typing.get(&key) else {
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
        board.started("r", "a", t0 + Duration::from_secs(2));
        let refreshed_end = t0 + Duration::from_secs(2) + EXPIRES_AFTER;
        assert_eq!(
            board.expire("r", "a", t0 + EXPIRES_AFTER),
            Expiry::CheckAt(refreshed_end)
        );
        assert_eq!(board.expire("r", "a", refreshed_end), Expiry::Stop);
        assert_eq!(board.expire("r", "a", refreshed_end), Expiry::Gone);
        assert_eq!(board.stopped("r", "a"), Relay::Quiet);
    }
}
