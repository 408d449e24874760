//! [`Chat`]: what every handler shares, and the way messages are posted.

use crate::accounts::Access;
use crate::allowance::{Allowance, SharedBuckets};
use crate::drain::Drain;
use crate::fanout::Fanout;
use crate::limits::Limits;
use crate::metrics::Metrics;
use crate::notify::Notifier;
use crate::passwords::Passwords;
use crate::sanctions::in_force::Sanctions;
use crate::session::SessionKey;
use crate::store::Store;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Where stored messages go: live to the room, and as push notifications
/// to those away.
pub struct Delivery {
    pub fanout: Arc<dyn Fanout>,
    pub notifier: Arc<dyn Notifier>,
}

/// The chat's core services: storage, sessions, limits, live delivery and
/// counters. Cheap to clone; every clone is the same chat.
#[derive(Clone)]
pub struct Chat {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn Store>,
    sessions: SessionKey,
    limits: Limits,
    fanout: Arc<dyn Fanout>,
    notifier: Arc<dyn Notifier>,
    metrics: Arc<Metrics>,
    drain: Drain,
    room_creations: Arc<Allowance<IpAddr>>,
    sanctions: Arc<Sanctions>,
    passwords: Passwords,
    access: Access,
}

impl Chat {
    /// Puts the parts together. `sanctions` reads `store`'s; `shared`
    /// keeps rate limits across nodes when there are several.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Arc<dyn Store>,
        sanctions: Arc<Sanctions>,
        sessions: SessionKey,
        access: Access,
        limits: Limits,
        delivery: Delivery,
        metrics: Arc<Metrics>,
        shared: Option<Arc<dyn SharedBuckets>>,
    ) -> Self {
        let Delivery { fanout, notifier } = delivery;
        Chat {
            inner: Arc::new(Inner {
                store,
                sessions,
                room_creations: Allowance::new("rooms", limits.room_creations, shared),
                passwords: Passwords::new(limits.password_hashing_threads),
                limits,
                fanout,
                notifier,
                metrics,
                drain: Drain::default(),
                sanctions,
                access,
            }),
        }
    }

    /// The bounded pool that hashes and checks passwords.
    pub fn passwords(&self) -> &Passwords {
        &self.inner.passwords
    }

    /// Who may sign in how.
    pub fn access(&self) -> Access {
        self.inner.access
    }

    /// Rooms and messages.
    pub fn store(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// Issues and checks session tokens.
    pub fn sessions(&self) -> &SessionKey {
        &self.inner.sessions
    }

    /// What requests are checked against.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The server's counters.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// Who is in `room` now.
    pub async fn online(&self, room: &str) -> Vec<String> {
        self.fanout().online(room).await
    }

    pub(crate) fn sanctions(&self) -> &Sanctions {
        &self.inner.sanctions
    }

    pub(crate) fn fanout(&self) -> &dyn Fanout {
        self.inner.fanout.as_ref()
    }

    pub(crate) fn notifier(&self) -> &dyn Notifier {
        self.inner.notifier.as_ref()
    }

    pub(crate) fn room_creations(&self) -> &Allowance<IpAddr> {
        &self.inner.room_creations
    }

    pub(crate) fn drain(&self) -> &Drain {
        &self.inner.drain
    }

    /// Refuses new posts (`unavailable`) and waits, up to `limit`, for
    /// those in flight: the first step of a graceful shutdown.
    pub async fn stop_posting(&self, limit: Duration) {
        self.inner.drain.close(limit).await;
    }

    /// Closes the database (SQLite checkpoints its log).
    pub async fn close_store(&self) {
        self.inner.store.close().await;
    }
}
