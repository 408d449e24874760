//! The node's connection to Redis, and whether Redis can be reached.

use super::connection::Link;
use super::health::{ClusterError, Health};
use super::pubsub::{PubSub, Pushes};
use redis::RedisError;
use std::future::Future;
use std::sync::Arc;

/// This node's place in the cluster: its id, and its Redis connection.
/// Cheap to clone; every clone is the same node.
#[derive(Clone)]
pub struct Cluster {
    inner: Arc<Inner>,
}

struct Inner {
    redis: Link,
    /// The node's own channels (beside the adapter's).
    pubsub: PubSub,
    health: Arc<Health>,
    prefix: String,
    node: String,
}

impl Cluster {
    /// Connects to Redis at `urls` (with `sharded`, nodes of a Redis
    /// Cluster). Keys and channels start with `prefix`, so several sites
    /// can share one Redis; it is a hash tag, so that a site's keys share
    /// one cluster slot and its scripts can use them together.
    pub async fn connect(
        urls: &str,
        sharded: bool,
        prefix: &str,
    ) -> Result<(Cluster, PubSub), ClusterError> {
        let health = Arc::new(Health::default());
        let pushes = Pushes::default();
        let on_push = {
            let (pushes, health) = (pushes.clone(), health.clone());
            move |push| {
                pushes.receive(push, &health);
                Ok::<(), std::convert::Infallible>(())
            }
        };
        let redis = Link::open(urls, sharded, on_push).await?;
        let pubsub = PubSub::new(redis.clone(), pushes, health.clone());
        let cluster = Cluster {
            inner: Arc::new(Inner {
                redis,
                pubsub: pubsub.clone(),
                health,
                prefix: format!("{{{prefix}}}"),
                node: new_node_id(),
            }),
        };
        Ok((cluster, pubsub))
    }

    /// This node's id: new on every start, so a restarted node is a new
    /// node and never mistaken for the one that died.
    pub fn node(&self) -> &str {
        &self.inner.node
    }

    /// False from the first failed command until the heartbeat reaches
    /// Redis again.
    pub fn is_reachable(&self) -> bool {
        self.inner.health.is_reachable()
    }

    /// Completes when Redis is found unreachable.
    pub async fn lost(&self) {
        self.inner.health.until_lost().await;
    }

    pub(super) fn prefix(&self) -> &str {
        &self.inner.prefix
    }

    /// A key under the site's prefix.
    pub(super) fn key(&self, name: std::fmt::Arguments<'_>) -> String {
        format!("{}:{name}", self.inner.prefix)
    }

    pub(super) fn pubsub(&self) -> &PubSub {
        &self.inner.pubsub
    }

    pub(super) fn redis(&self) -> Link {
        self.inner.redis.clone()
    }

    pub(super) async fn call<T>(
        &self,
        command: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, ClusterError> {
        self.inner.health.call(command).await
    }

    /// Runs the heartbeat's command even while Redis is thought down: it
    /// is how the node finds out Redis is back.
    pub(super) async fn probe<T>(
        &self,
        command: impl Future<Output = Result<T, RedisError>>,
    ) -> Result<T, ClusterError> {
        let value = self.inner.health.try_call(command).await?;
        self.inner.health.regained();
        Ok(value)
    }

    /// The prefix of the Socket.IO adapter's channels.
    pub fn adapter_prefix(&self) -> String {
        format!("{}:socket.io", self.inner.prefix)
    }

    /// The adapter's channel for broadcasts in the `/` namespace, which
    /// every node subscribes to.
    pub(super) fn broadcast_channel(&self) -> String {
        format!("{}-request#/#", self.adapter_prefix())
    }
}

fn new_node_id() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex::encode(bytes)
}
