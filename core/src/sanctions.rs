//! Mutes (in one room) and bans (everywhere), imposed by staff until a
//! time. Every check reads this node's copy of the sanctions in force,
//! reloaded from the database at most every [`RELOAD_EVERY`]: a sanction
//! imposed here applies at once, one imposed on another node within that.

use crate::chat::Chat;
use crate::reserved::name_key;
use crate::store::{Sanction, SanctionKind, StoreError};
use chrono::{DateTime, Utc};
use protocol::names::{RoomName, Username};
use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How stale this node's copy of the sanctions may get.
pub const RELOAD_EVERY: Duration = Duration::from_secs(2);
/// The longest mute or ban, in minutes (a year).
pub const MAX_MINUTES: u32 = 525_600;

/// Why a sanction was not imposed.
#[derive(Debug, thiserror::Error)]
pub enum SanctionError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// This node's copy of the sanctions in force.
#[derive(Default)]
pub struct Sanctions {
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

impl Chat {
    /// Mutes `username` in `room` (`Some`) or bans them everywhere
    /// (`None`) for `minutes`; 0 lifts it. Returns when it ends.
    pub async fn impose(
        &self,
        by: &Username,
        room: Option<&RoomName>,
        username: &str,
        minutes: u32,
    ) -> Result<Option<DateTime<Utc>>, SanctionError> {
        let target = Username::parse(username)
            .map_err(|e| SanctionError::Invalid(format!("username {e}")))?;
        if minutes > MAX_MINUTES {
            return Err(SanctionError::Invalid(format!(
                "minutes must be at most {MAX_MINUTES} (a year)"
            )));
        }
        if crate::staff::is_staff_name(self.store(), target.as_str()).await? {
            return Err(SanctionError::Forbidden("staff cannot be muted or banned"));
        }
        let (kind, room) = match room {
            Some(room) => (SanctionKind::Mute, room.as_str()),
            None => (SanctionKind::Ban, ""),
        };
        let key = name_key(target.as_str());
        let until = (minutes > 0)
            .then(|| crate::store::now_millis() + chrono::Duration::minutes(i64::from(minutes)));
        // Held while storing: a reload under way cannot put back what was
        // there before.
        let _reloads_wait = self.sanctions().reloading.lock().await;
        match until {
            Some(until) => {
                let sanction = Sanction {
                    kind,
                    room: room.to_owned(),
                    username: target.to_string(),
                    name_key: key.clone(),
                    until,
                    issued_by: by.to_string(),
                };
                self.store().impose(&sanction).await?;
            }
            None => {
                self.store().lift(kind, room, &key).await?;
            }
        }
        self.sanctions()
            .in_force
            .write()
            .expect("not poisoned")
            .put(kind, room, key, until);
        drop(_reloads_wait);
        match kind {
            SanctionKind::Ban if until.is_some() => self.fanout().banned(&target).await,
            SanctionKind::Mute => self.fanout().muted(room, &target, until).await,
            SanctionKind::Ban => {}
        }
        Ok(until)
    }

    /// Until when `username` is banned, if they are.
    pub async fn banned_until(&self, username: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.reload_sanctions().await?;
        let in_force = self.sanctions().in_force.read().expect("not poisoned");
        Ok(still(in_force.bans.get(&name_key(username))))
    }

    /// Until when `username` is muted in `room`, if they are.
    pub async fn muted_until(
        &self,
        room: &RoomName,
        username: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.reload_sanctions().await?;
        let in_force = self.sanctions().in_force.read().expect("not poisoned");
        let key = (room.to_string(), name_key(username));
        Ok(still(in_force.mutes.get(&key)))
    }

    /// Every sanction in force, for the admin pages.
    pub async fn sanctions_in_force(&self) -> Result<Vec<Sanction>, StoreError> {
        self.store().sanctions_in_force(Utc::now()).await
    }

    /// Reads the sanctions in force again if this node's copy is stale
    /// (one caller reads; the others wait for it).
    async fn reload_sanctions(&self) -> Result<(), StoreError> {
        let sanctions = self.sanctions();
        if sanctions.in_force.read().expect("not poisoned").is_fresh() {
            return Ok(());
        }
        let _one_at_a_time = sanctions.reloading.lock().await;
        if sanctions.in_force.read().expect("not poisoned").is_fresh() {
            return Ok(());
        }
        let rows = self.store().sanctions_in_force(Utc::now()).await?;
        let mut fresh = InForce {
            loaded_at: Some(Instant::now()),
            ..InForce::default()
        };
        for row in rows {
            fresh.put(row.kind, &row.room, row.name_key, Some(row.until));
        }
        *sanctions.in_force.write().expect("not poisoned") = fresh;
        Ok(())
    }
}
