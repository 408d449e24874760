//! Sends what the outbox holds when it is due. Every node runs one; a push
//! is claimed (leased) before it is sent, so only one node sends it, and
//! one whose node stopped mid-send is sent again once the lease runs out.
//! What a push says is read from its message as it is when it goes: a
//! message deleted meanwhile is not pushed, an edited one with its new
//! text, and nothing goes to someone banned meanwhile.

use super::Outcome;
use super::fcm::Fcm;
use super::payload::Payload;
use super::web_push::WebPush;
use chat_core::metrics::Metrics;
use chat_core::sanctions::Sanctions;
use chat_core::store::push::{DeviceAddress, QueuedPush, WINDOW_MS};
use chat_core::store::{Store, StoreError};
use futures::StreamExt;
use protocol::names::RoomName;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Pushes read from the outbox at once.
const BATCH: i64 = 64;
/// Pushes being sent at once.
const IN_FLIGHT: usize = 16;
/// How long a claimed push is this node's to send.
const LEASE_MS: i64 = 60_000;
/// How often the outbox is looked at with nothing new here (pushes queued
/// on other nodes, retries coming due).
const IDLE: Duration = Duration::from_secs(2);
/// Pushes one device takes per minute; the rest of a busy minute waits,
/// each room's newest message replacing the one before.
const PER_DEVICE_PER_MINUTE: i64 = 10;
/// Failed attempts after which a push is given up.
const MAX_ATTEMPTS: i64 = 8;
/// The first retry's wait; each one after waits twice as long as the one
/// before, up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(600);

pub(super) struct Sender {
    pub(super) store: Arc<dyn Store>,
    pub(super) sanctions: Arc<Sanctions>,
    /// The site's address as users see it, for the links pushes carry.
    pub(super) public_url: Option<String>,
    pub(super) fcm: Option<Fcm>,
    pub(super) web_push: WebPush,
    pub(super) wake: Arc<Notify>,
    pub(super) metrics: Arc<Metrics>,
}

/// Now, in Unix milliseconds (the outbox's clock).
pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Sender {
    /// Sends until `stop` says so, finishing the batch under way first.
    pub(super) async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        while !*stop.borrow() {
            let due = match self.store.due_pushes(now_ms(), BATCH).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the push outbox");
                    let _ = tokio::time::timeout(IDLE, stop.changed()).await;
                    continue;
                }
            };
            let full = due.len() as i64 == BATCH;
            futures::stream::iter(due)
                .for_each_concurrent(IN_FLIGHT, |push| self.deliver(push))
                .await;
            if full {
                continue;
            }
            let wait = match self.store.next_push_due().await {
                Ok(Some(at)) => Duration::from_millis((at - now_ms()).max(0) as u64).min(IDLE),
                _ => IDLE,
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.wake.notified() => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }

    async fn deliver(&self, push: QueuedPush) {
        if let Err(e) = self.try_deliver(&push).await {
            tracing::warn!(error = %e, push = push.id, "push outbox update failed; it is tried again later");
        }
    }

    async fn try_deliver(&self, push: &QueuedPush) -> Result<(), StoreError> {
        let now = now_ms();
        if !self.store.claim_push(push, now + LEASE_MS).await? {
            return Ok(());
        }
        let Some(payload) = self.payload(push).await? else {
            return self.store.drop_push(push.id).await;
        };
        let device = push.device.id;
        if !self
            .store
            .take_push_window(device, now, PER_DEVICE_PER_MINUTE)
            .await?
        {
            let window_ends = (push.window_start + WINDOW_MS).max(now + 1_000);
            return self
                .store
                .reschedule_push(push.id, window_ends, push.attempts)
                .await;
        }
        match self.send(&push.device.address, &payload).await {
            Outcome::Sent => {
                Metrics::bump(&self.metrics.pushes_sent);
                self.store.push_sent(push, now_ms()).await?;
            }
            Outcome::Retry { reason, after } => {
                let attempts = push.attempts + 1;
                if attempts >= MAX_ATTEMPTS {
                    tracing::warn!(
                        push = push.id,
                        device,
                        reason,
                        "push given up after {attempts} attempts"
                    );
                    Metrics::bump(&self.metrics.pushes_dropped);
                    self.store.drop_push(push.id).await?;
                } else {
                    let wait = after.unwrap_or_else(|| backoff(attempts)).min(MAX_BACKOFF);
                    tracing::info!(push = push.id, device, reason, retry_in = ?wait, "push failed; retrying");
                    let due = now_ms() + wait.as_millis() as i64;
                    self.store.reschedule_push(push.id, due, attempts).await?;
                }
            }
            Outcome::Gone => {
                tracing::info!(
                    device,
                    user = push.device.username,
                    "push device gone; removed"
                );
                Metrics::bump(&self.metrics.push_devices_removed);
                self.store.forget_device(device).await?;
            }
            Outcome::Rejected(reason) => {
                tracing::warn!(push = push.id, device, reason, "push refused");
                Metrics::bump(&self.metrics.pushes_dropped);
                self.store.drop_push(push.id).await?;
            }
        }
        Ok(())
    }

    /// What `push` says now, or `None` when it is not to be sent at all:
    /// its message was deleted (or is gone), or its reader is banned. A
    /// banned reader's devices are kept: pushes resume when the ban ends.
    async fn payload(&self, push: &QueuedPush) -> Result<Option<Payload>, StoreError> {
        if self
            .sanctions
            .banned_until(&push.device.username)
            .await?
            .is_some()
        {
            return Ok(None);
        }
        let Ok(room) = RoomName::parse(&push.room) else {
            return Ok(None);
        };
        let message = self.store.message(&room, push.message_id).await?;
        Ok(message
            .filter(|message| !message.deleted)
            .map(|message| Payload::of(&message, self.public_url.as_deref())))
    }

    async fn send(&self, address: &DeviceAddress, payload: &Payload) -> Outcome {
        match address {
            DeviceAddress::Fcm { token } => match &self.fcm {
                Some(fcm) => fcm.send(token, payload).await,
                None => Outcome::Rejected("FCM is not configured".into()),
            },
            DeviceAddress::WebPush {
                endpoint,
                p256dh,
                auth,
            } => self.web_push.send(endpoint, p256dh, auth, payload).await,
        }
    }
}

/// The wait before retry number `attempts` (1 for the first).
fn backoff(attempts: i64) -> Duration {
    let doublings = (attempts - 1).clamp(0, 16) as u32;
    FIRST_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_a_bound() {
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(2), Duration::from_secs(2));
        assert_eq!(backoff(4), Duration::from_secs(8));
        assert_eq!(backoff(40), MAX_BACKOFF);
    }
}
