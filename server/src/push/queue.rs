//! From a stored message to pushes waiting in the outbox: one for each
//! saved device of the room's members who are not its sender, are not
//! banned and have no live connection in the room (on any node).

use chat_core::Fanout;
use chat_core::sanctions::Sanctions;
use chat_core::store::push::DeviceKind;
use chat_core::store::{Store, StoreError};
use protocol::message::ChatMessage;
use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Notify, mpsc};

/// Most devices one message is pushed to.
const MAX_RECIPIENTS: i64 = 10_000;
/// Stored messages taken from the hand-over at once.
const BATCH: usize = 64;
/// How long "no device is saved anywhere" is believed before it is asked
/// again (a device saved on another node is seen within this).
const RECHECK: Duration = Duration::from_secs(5);

/// Whether any device is saved: until one is, messages cost no query.
#[derive(Default)]
pub(super) struct AnyDevices {
    seen: AtomicBool,
    checked: Mutex<Option<Instant>>,
}

impl AnyDevices {
    /// A device was saved on this node.
    pub(super) fn saw_one(&self) {
        self.seen.store(true, Ordering::Relaxed);
    }

    async fn any(&self, store: &dyn Store) -> Result<bool, StoreError> {
        if self.seen.load(Ordering::Relaxed) {
            return Ok(true);
        }
        let mut checked = self.checked.lock().await;
        if checked.is_some_and(|at| at.elapsed() < RECHECK) {
            return Ok(false);
        }
        let any = store.has_devices().await?;
        *checked = Some(Instant::now());
        if any {
            self.saw_one();
        }
        Ok(any)
    }
}

pub(super) struct Queue {
    pub(super) store: Arc<dyn Store>,
    pub(super) fanout: Arc<dyn Fanout>,
    pub(super) sanctions: Arc<Sanctions>,
    pub(super) fcm_enabled: bool,
    pub(super) devices: Arc<AnyDevices>,
    /// Tells the sender there is something new to send.
    pub(super) wake: Arc<Notify>,
}

impl Queue {
    /// Queues pushes for each message handed over, until the hand-over
    /// closes (the server is gone).
    pub(super) async fn run(self, mut messages: mpsc::Receiver<ChatMessage>) {
        let mut batch = Vec::with_capacity(BATCH);
        while messages.recv_many(&mut batch, BATCH).await > 0 {
            for message in batch.drain(..) {
                if let Err(e) = self.queue(&message).await {
                    tracing::warn!(error = %e, room = message.room, id = message.id, "could not queue pushes for a message");
                }
            }
        }
    }

    async fn queue(&self, message: &ChatMessage) -> Result<(), StoreError> {
        if !self.devices.any(self.store.as_ref()).await? {
            return Ok(());
        }
        let mut recipients = self
            .store
            .member_devices(&message.room, &message.username, MAX_RECIPIENTS)
            .await?;
        // FCM tokens wait for no one when FCM is not configured.
        recipients.retain(|r| r.kind == DeviceKind::WebPush || self.fcm_enabled);
        if recipients.is_empty() {
            return Ok(());
        }
        let here: HashSet<String> = self
            .fanout
            .online(&message.room)
            .await
            .into_iter()
            .collect();
        let mut devices = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            if here.contains(&recipient.username)
                || self
                    .sanctions
                    .banned_until(&recipient.username)
                    .await?
                    .is_some()
            {
                continue;
            }
            devices.push(recipient.device_id);
        }
        if devices.is_empty() {
            return Ok(());
        }
        self.store
            .queue_pushes(&message.room, message.id, &devices, super::sender::now_ms())
            .await?;
        self.wake.notify_one();
        Ok(())
    }
}
