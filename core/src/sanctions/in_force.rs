//! This node's copy of the sanctions in force, reloaded from the database
//! at most every [`RELOAD_EVERY`]: a sanction imposed here applies at once,
//! one imposed on another node within that. The posting path, the sockets
//! and the push sender all ask this one copy.

use crate::reserved::name_key;
use crate::store::{SanctionKind, Store, StoreError};
use chrono::{DateTime, Utc};
use protocol::names::RoomName;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How stale this node's copy of the sanctions may get.
pub const RELOAD_EVERY: Duration = Duration::from_secs(2);

/// The sanctions in force, as this node knows them.
pub struct Sanctions {
    store: Arc<dyn Store>,
    in_force: RwLock<InForce>,
    reloading: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct InForce {
    /// By folded name.
    bans: HashMap<String, DateTime<Utc>>,
    /// By room and folded name.
    mutes: HashMap<(String, String), DateTime<Utc>>,
    loaded_at: Option<Instant>,
}

impl InForce {
    fn put(&mut self, kind: SanctionKind, room: &str, key: String, until: Option<DateTime<Utc>>) {
        match (kind, until) {
            (SanctionKind::Ban, Some(until)) => {
                self.bans.insert(key, until);
            }
            (SanctionKind::Ban, None) => {
                self.bans.remove(&key);
            }
            (SanctionKind::Mute, Some(until)) => {
                self.mutes.insert((room.to_owned(), key), until);
            }
            (SanctionKind::Mute, None) => {
                self.mutes.remove(&(room.to_owned(), key));
            }
        }
    }

    fn is_fresh(&self) -> bool {
        self.loaded_at.is_some_and(|at| at.elapsed() < RELOAD_EVERY)
    }
}

/// Until when, if it has not ended yet.
fn still(until: Option<&DateTime<Utc>>) -> Option<DateTime<Utc>> {
    until.copied().filter(|until| *until > Utc::now())
}

impl Sanctions {
    /// Nothing known yet: the first check reads `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Sanctions {
            store,
            in_force: RwLock::default(),
            reloading: tokio::sync::Mutex::default(),
        }
    }

    /// Until when `username` is banned, if they are.
    pub async fn banned_until(&self, username: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.reload().await?;
        let in_force = self.in_force.read().expect("not poisoned");
        Ok(still(in_force.bans.get(&name_key(username))))
    }

    /// Until when `username` is muted in `room`, if they are.
    pub async fn muted_until(
        &self,
        room: &RoomName,
        username: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.reload().await?;
        let in_force = self.in_force.read().expect("not poisoned");
        let key = (room.to_string(), name_key(username));
        Ok(still(in_force.mutes.get(&key)))
    }

    /// Holds reloads off while a sanction is stored, so that a reload
    /// under way cannot put back what was there before; [`Self::put`] it
    /// before letting go.
    pub(super) async fn hold_reloads(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.reloading.lock().await
    }

    /// Records a sanction just stored (`None`: lifted).
    pub(super) fn put(
        &self,
        kind: SanctionKind,
        room: &str,
        key: String,
        until: Option<DateTime<Utc>>,
    ) {
        self.in_force
            .write()
            .expect("not poisoned")
            .put(kind, room, key, until);
    }

    /// Reads the sanctions in force again if this node's copy is stale
    /// (one caller reads; the others wait for it).
    async fn reload(&self) -> Result<(), StoreError> {
        if self.in_force.read().expect("not poisoned").is_fresh() {
            return Ok(());
        }
        let _one_at_a_time = self.reloading.lock().await;
        if self.in_force.read().expect("not poisoned").is_fresh() {
            return Ok(());
        }
        let rows = self.store.sanctions_in_force(Utc::now()).await?;
        let mut fresh = InForce {
            loaded_at: Some(Instant::now()),
            ..InForce::default()
        };
        for row in rows {
            fresh.put(row.kind, &row.room, row.name_key, Some(row.until));
        }
        *self.in_force.write().expect("not poisoned") = fresh;
        Ok(())
    }
}
