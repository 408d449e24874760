//! Mutes (in one room) and bans (everywhere), imposed by staff until a
//! time. Every check reads this node's copy of the sanctions in force
//! ([`in_force`]).

pub mod in_force;

use crate::Error;
use crate::chat::Chat;
use crate::reserved::name_key;
use crate::store::{Sanction, SanctionKind, StoreError};
use chrono::{DateTime, Utc};
use protocol::names::{RoomName, Username};

pub use in_force::{RELOAD_EVERY, Sanctions};

/// The longest mute or ban, in minutes (a year).
pub const MAX_MINUTES: u32 = 525_600;

impl Chat {
    /// Mutes `username` in `room` (`Some`) or bans them everywhere
    /// (`None`) for `minutes`; 0 lifts it. Returns when it ends.
    pub async fn impose(
        &self,
        by: &Username,
        room: Option<&RoomName>,
        username: &str,
        minutes: u32,
    ) -> Result<Option<DateTime<Utc>>, Error> {
        let target =
            Username::parse(username).map_err(|e| Error::invalid(format!("username {e}")))?;
        if minutes > MAX_MINUTES {
            return Err(Error::invalid(format!(
                "minutes must be at most {MAX_MINUTES} (a year)"
            )));
        }
        if crate::staff::is_staff_name(self.store(), target.as_str()).await? {
            return Err(Error::forbidden("staff cannot be muted or banned"));
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
        let _reloads_wait = self.sanctions().hold_reloads().await;
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
        self.sanctions().put(kind, room, key, until);
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
        self.sanctions().banned_until(username).await
    }

    /// Until when `username` is muted in `room`, if they are.
    pub async fn muted_until(
        &self,
        room: &RoomName,
        username: &str,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.sanctions().muted_until(room, username).await
    }

    /// Every sanction in force, for the admin pages.
    pub async fn sanctions_in_force(&self) -> Result<Vec<Sanction>, StoreError> {
        self.store().sanctions_in_force(Utc::now()).await
    }
}
