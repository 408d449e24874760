//! Whether Redis can be reached, and the limit every command is held to.

use redis::RedisError;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// How long one Redis command may take before Redis counts as unreachable.
/// A send never waits on Redis longer than this.
pub const COMMAND_LIMIT: Duration = Duration::from_secs(1);

/// Why Redis could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("redis: {0}")]
    Redis(#[from] RedisError),
    #[error("redis did not answer within {} ms", COMMAND_LIMIT.as_millis())]
    TimedOut,
    #[error("cannot subscribe to the other nodes' broadcasts: {0}")]
    Subscribe(String),
    /// Known to be down: not even tried (the heartbeat finds out when it
    /// is back).
    #[error("redis is unreachable")]
    Unreachable,
}

/// Whether Redis answers. A failed command marks it unreachable; only the
/// heartbeat, which keeps trying, marks it reachable again. Meanwhile
/// every other command fails at once instead of waiting.
pub(super) struct Health {
    reachable: AtomicBool,
    /// Wakes the heartbeat when Redis is lost.
    lost: Notify,
}

impl Default for Health {
    /// Reachable until a command fails.
    fn default() -> Self {
        Health {
            reachable: AtomicBool::new(true),
            lost: Notify::new(),
        }
    }
}

impl Health {
    /// Completes when Redis is found unreachable.
    pub(super) async fn until_lost(&self) {
        self.lost.notified().await;
    }

    pub(super) fn lost(&self, why: &str) {
        if self.reachable.swap(false, Ordering::AcqRel) {
            tracing::warn!(why, "redis unreachable: serving this node's clients only");
            self.lost.notify_one();
        }
    }

    pub(super) fn regained(&self) {
        if !self.reachable.swap(true, Ordering::AcqRel) {
            tracing::info!("redis reachable again: delivering across nodes");
        }
    }

    pub(super) fn is_reachable(&self) -> bool {
        self.reachable.load(Ordering::Acquire)
    }

    /// Runs a command unless Redis is known to be down, within
    /// [`COMMAND_LIMIT`].
    pub(super) async fn call<T>(
        &self,
        command: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, ClusterError> {
        if !self.is_reachable() {
            return Err(ClusterError::Unreachable);
        }
        self.try_call(command).await
    }

    /// Runs a command whether or not Redis is known to be down.
    pub(super) async fn try_call<T>(
        &self,
        command: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, ClusterError> {
        let outcome = match tokio::time::timeout(COMMAND_LIMIT, command).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => ClusterError::Redis(e),
            Err(_) => ClusterError::TimedOut,
        };
        self.lost(&outcome.to_string());
        Err(outcome)
    }
}
