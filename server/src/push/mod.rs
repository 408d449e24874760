//! Push notifications for people who are away: each stored message is
//! queued, in the database, for every saved device of the room's members
//! who are not the sender and have no live connection in the room
//! ([`queue`]); a sender task on every node sends what is due through FCM
//! or Web Push, retries with backoff, removes devices their service calls
//! gone, and holds each device to a few pushes a minute ([`sender`]).
//!
//! Nothing here is on the sender's path: the post hands the message over
//! and returns, and a full hand-over queue drops pushes rather than wait.

mod address;
mod fcm;
mod payload;
mod queue;
mod sender;
mod vapid;
mod web_push;

pub use address::DeviceBody;
pub use fcm::FcmError;
pub use vapid::VapidError;

use crate::config::Config;
use chat_core::sanctions::Sanctions;
use chat_core::store::Store;
use chat_core::{Fanout, Notifier};
use protocol::message::ChatMessage;
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::sync::{Notify, mpsc};
use tokio::task::{AbortHandle, JoinHandle};

/// Stored messages waiting to be turned into pushes; past this, pushes
/// are dropped (and counted) rather than held in memory.
const HAND_OVER: usize = 4096;
/// Longest a push request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Why push notifications cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Vapid(#[from] VapidError),
    #[error(transparent)]
    Fcm(#[from] FcmError),
    #[error("cannot build the HTTP client for pushes: {0}")]
    Http(#[from] reqwest::Error),
}

/// What `GET /api/push/config` tells clients.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PushConfig {
    pub webpush: Option<WebPushConfig>,
    pub fcm: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct WebPushConfig {
    /// The VAPID public key, base64url: the `applicationServerKey`.
    pub public_key: String,
}

/// Push notifications, running: hands stored messages to the queue task;
/// [`Push::stop`] ends both tasks, and dropping it aborts them.
pub struct Push {
    hand_over: mpsc::Sender<ChatMessage>,
    config: PushConfig,
    allow_insecure: bool,
    devices: Arc<queue::AnyDevices>,
    metrics: Arc<chat_core::metrics::Metrics>,
    queue_task: AbortHandle,
    /// Tells the sender to finish the pushes under way and end.
    stopping: watch::Sender<bool>,
    /// The sender task, until it is stopped.
    send_task: std::sync::Mutex<Option<JoinHandle<()>>>,
}

/// Longest the sender may take to finish the pushes under way at shutdown.
const STOP_LIMIT: Duration = Duration::from_secs(20);

impl Push {
    /// Loads the keys and credentials `config` names and starts queueing
    /// and sending.
    pub fn start(
        config: &Config,
        store: Arc<dyn Store>,
        sanctions: Arc<Sanctions>,
        fanout: Arc<dyn Fanout>,
        metrics: Arc<chat_core::metrics::Metrics>,
    ) -> Result<Arc<Self>, PushError> {
        let allow_insecure = config.push_allow_insecure_endpoints;
        let key = vapid::VapidKey::load_or_create(
            crate::config::exposed(&config.vapid_private_key),
            &config.data_dir,
        )?;
        let fcm = match &config.fcm_credentials {
            Some(path) => Some(fcm::Fcm::load(
                path,
                &config.fcm_api_url,
                http_client(true)?,
            )?),
            None => None,
        };
        let push_config = PushConfig {
            webpush: Some(WebPushConfig {
                public_key: key.public_key().to_owned(),
            }),
            fcm: fcm.is_some(),
        };
        let web_push = web_push::WebPush::new(
            http_client(allow_insecure)?,
            key,
            config.vapid_subject(),
            allow_insecure,
        );
        let wake = Arc::new(Notify::new());
        let devices = Arc::new(queue::AnyDevices::default());
        let (hand_over, messages) = mpsc::channel(HAND_OVER);
        let queue = queue::Queue {
            store: store.clone(),
            fanout,
            sanctions: sanctions.clone(),
            fcm_enabled: fcm.is_some(),
            devices: devices.clone(),
            wake: wake.clone(),
        };
        let (stopping, stop) = watch::channel(false);
        let sender = sender::Sender {
            store,
            sanctions,
            public_url: config.public_url.clone(),
            fcm,
            web_push,
            wake,
            metrics: metrics.clone(),
        };
        let send_task = tokio::spawn(sender.run(stop));
        let queue_task = tokio::spawn(queue.run(messages)).abort_handle();
        if push_config.fcm {
            tracing::info!("push notifications: Web Push and FCM");
        } else {
            tracing::info!("push notifications: Web Push (FCM_CREDENTIALS not set)");
        }
        Ok(Arc::new(Push {
            hand_over,
            config: push_config,
            allow_insecure,
            devices,
            metrics,
            queue_task,
            stopping,
            send_task: std::sync::Mutex::new(Some(send_task)),
        }))
    }

    /// What clients need to subscribe.
    pub fn config(&self) -> &PushConfig {
        &self.config
    }

    /// Whether endpoints on private addresses and plain http are allowed.
    pub fn allows_insecure_endpoints(&self) -> bool {
        self.allow_insecure
    }

    /// Stops queueing and sending, before the database closes: pushes
    /// under way are finished (and their outcome stored), within a limit.
    /// What is still queued stays in the outbox for the next start.
    pub async fn stop(&self) {
        self.queue_task.abort();
        let _ = self.stopping.send(true);
        let send_task = self.send_task.lock().expect("not poisoned").take();
        if let Some(mut send_task) = send_task
            && tokio::time::timeout(STOP_LIMIT, &mut send_task)
                .await
                .is_err()
        {
            tracing::warn!(
                "pushes still under way at shutdown; they are sent again after their lease"
            );
            send_task.abort();
        }
    }

    /// A device was saved: messages are queued for devices from now on.
    pub fn device_saved(&self) {
        self.devices.saw_one();
    }
}

impl Notifier for Push {
    fn message_stored(&self, message: &ChatMessage) {
        if self.hand_over.try_send(message.clone()).is_err() {
            chat_core::metrics::Metrics::bump(&self.metrics.pushes_dropped);
            tracing::warn!(
                room = message.room,
                id = message.id,
                "push queue full: no push for this message"
            );
        }
    }
}

impl Drop for Push {
    fn drop(&mut self) {
        self.queue_task.abort();
        if let Some(send_task) = self.send_task.lock().expect("not poisoned").take() {
            send_task.abort();
        }
    }
}

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The service took it.
    Sent,
    /// Try again later (after `after`, when the service said).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The device is no longer registered: forget it.
    Gone,
    /// The service refused this push for good.
    Rejected(String),
}

impl Outcome {
    fn retry(reason: String, after: Option<Duration>) -> Self {
        Outcome::Retry { reason, after }
    }

    /// What `service`'s answer means, where every push service means the
    /// same: success is sent; 429 and 5xx are tried again (after
    /// `retry_after` if it said); anything else refuses the push for good,
    /// `detail` saying why.
    fn of_answer(
        service: &str,
        status: StatusCode,
        retry_after: Option<Duration>,
        detail: &str,
    ) -> Self {
        match status {
            status if status.is_success() => Outcome::Sent,
            StatusCode::TOO_MANY_REQUESTS => {
                Outcome::retry(format!("{service}: too many requests"), retry_after)
            }
            status if status.is_server_error() => {
                Outcome::retry(format!("{service} answered {status}"), retry_after)
            }
            status => Outcome::Rejected(format!("{service} answered {status}{detail}")),
        }
    }
}

/// A `Retry-After` in seconds (the form push services use).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

/// The client pushes go out through: no redirects (a push service has no
/// reason to send one, and following it could lead anywhere), bounded
/// times, and for Web Push unless insecure endpoints are allowed, public
/// addresses only.
fn http_client(any_address: bool) -> Result<reqwest::Client, reqwest::Error> {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(4);
    let builder = match any_address {
        true => builder,
        false => builder.dns_resolver(Arc::new(address::PublicOnly)),
    };
    builder.build()
}
