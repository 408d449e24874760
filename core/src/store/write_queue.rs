//! Inserts wait their turn in this process rather than in the database.
//!
//! One room's inserts are serialised by the database anyway (they lock the
//! room's row; SQLite has one writer at all). Waiting for that inside the
//! database holds a pooled connection per waiting sender, so one busy room
//! could take every connection from reads and health checks, and SQLite's
//! busy handler sleeps in steps of up to 100 ms. Here a waiting sender holds
//! nothing but its place in line.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OwnedMutexGuard;

/// Lanes of one-at-a-time inserts, by key (a room, or one lane for all).
pub(super) struct WriteQueue {
    lanes: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// How long an insert waits for its turn before it fails as unavailable.
    wait: Duration,
}

/// The right to insert in a lane, until dropped.
pub(super) struct Turn<'q> {
    queue: &'q WriteQueue,
    lane: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl WriteQueue {
    pub(super) fn new(wait: Duration) -> Self {
        WriteQueue {
            lanes: Mutex::default(),
            wait,
        }
    }

    /// Waits for `lane` to be free (at most the configured wait).
    pub(super) async fn turn(&self, lane: &str) -> Result<Turn<'_>, sqlx::Error> {
        let lock = self.lanes().entry(lane.to_owned()).or_default().clone();
        let guard = tokio::time::timeout(self.wait, lock.lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        Ok(Turn {
            queue: self,
            lane: lane.to_owned(),
            guard: Some(guard),
        })
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        self.lanes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut lanes = self.queue.lanes();
        drop(self.guard.take());
        // Nobody else holds or awaits the lane (only the map has it): forget
        // it, so the map holds only rooms that are busy right now.
        if lanes
            .get(&self.lane)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            lanes.remove(&self.lane);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_turn_at_a_time_per_lane_and_idle_lanes_are_forgotten() {
        let queue = WriteQueue::new(Duration::from_millis(50));
        let first = queue.turn("general").await.unwrap();
        // Another lane is free; the same lane is not, and waiting times out.
        drop(queue.turn("random").await.unwrap());
        assert!(queue.turn("general").await.is_err());
        drop(first);
        assert!(queue.turn("general").await.is_ok());
        assert!(queue.lanes().is_empty());
    }
}
