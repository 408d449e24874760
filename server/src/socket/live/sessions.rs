//! The sessions this node has connections of, so that a session ended
//! where this node was not told (from the command line, or while Redis was
//! away) still has its connections closed: every [`SWEEP_EVERY`] the node
//! asks the database which of them still stand.

use super::LiveRooms;
use chat_core::Chat;
use socketioxide::adapter::Adapter;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the node checks its connections' sessions.
pub const SWEEP_EVERY: Duration = Duration::from_secs(15);

/// Open connections per session id, on this node.
#[derive(Debug, Default)]
pub struct LiveSessions {
    open: Mutex<HashMap<String, usize>>,
}

impl LiveSessions {
    /// A connection of session `id` opened here.
    pub fn opened(&self, id: &str) {
        *self
            .open
            .lock()
            .expect("not poisoned")
            .entry(id.to_owned())
            .or_default() += 1;
    }

    /// A connection of session `id` closed here.
    pub fn closed(&self, id: &str) {
        let mut open = self.open.lock().expect("not poisoned");
        if let Some(count) = open.get_mut(id) {
            *count -= 1;
            if *count == 0 {
                open.remove(id);
            }
        }
    }

    fn ids(&self) -> Vec<String> {
        self.open
            .lock()
            .expect("not poisoned")
            .keys()
            .cloned()
            .collect()
    }
}

/// Closes, every [`SWEEP_EVERY`], this node's connections of sessions that
/// no longer stand; a database that cannot say closes none.
pub async fn sweep<A: Adapter>(chat: Chat, live: Arc<LiveRooms<A>>) {
    let mut every = tokio::time::interval(SWEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let ids = live.sessions().ids();
        if ids.is_empty() {
            continue;
        }
        match chat.store().standing_sessions(&ids).await {
            Ok(standing) => {
                let ended: Vec<String> = ids
                    .into_iter()
                    .filter(|id| !standing.contains(id))
                    .collect();
                if !ended.is_empty() {
                    tracing::info!(
                        sessions = ended.len(),
                        "closing connections of ended sessions"
                    );
                    live.close_sessions(&ended).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not check the connections' sessions"),
        }
    }
}
