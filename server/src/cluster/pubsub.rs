//! The Redis adapter's publish/subscribe link.
//!
//! Written here rather than taken from `socketioxide-redis`'s own drivers:
//! those hold one `MultiplexedConnection`, which never reconnects, so a
//! Redis restart would cut the nodes apart until every node restarted. This
//! one runs over `redis`'s `ConnectionManager`, which reconnects and
//! subscribes again by itself, and it gives up on a publish after
//! [`COMMAND_LIMIT`](super::health::COMMAND_LIMIT) instead of holding up a
//! send while Redis is away.

use super::connection::Link;
use super::health::{ClusterError, Health};
use redis::{FromRedisValue, PushInfo, PushKind};
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;

type Handlers = Arc<RwLock<HashMap<String, mpsc::Sender<ChanItem>>>>;

/// Publishes and subscribes on the node's Redis connection.
#[derive(Clone)]
pub struct PubSub {
    redis: Link,
    handlers: Handlers,
    health: Arc<Health>,
}

/// Routes what Redis pushes: channel messages to their subscriber, and a
/// lost connection to the node's health.
#[derive(Clone, Default)]
pub(super) struct Pushes {
    handlers: Handlers,
}

impl Pushes {
    pub(super) fn receive(&self, push: PushInfo, health: &Health) {
        match push.kind {
            PushKind::Message | PushKind::SMessage => self.deliver(push),
            PushKind::Disconnection => health.lost("the connection closed"),
            _ => {}
        }
    }

    fn deliver(&self, push: PushInfo) {
        let mut data = push.data.into_iter();
        let (Some(channel), Some(payload)) = (data.next(), data.next()) else {
            return;
        };
        let (Ok(channel), Ok(payload)) = (
            String::from_redis_value(channel),
            Vec::<u8>::from_redis_value(payload),
        ) else {
            tracing::warn!("unreadable message from Redis");
            return;
        };
        let handlers = self.handlers.read().unwrap_or_else(|e| e.into_inner());
        if let Some(subscriber) = handlers.get(&channel)
            && subscriber.try_send((channel, payload)).is_err()
        {
            tracing::warn!("a Redis subscription is not keeping up; a broadcast was dropped");
        }
    }
}

impl PubSub {
    pub(super) fn new(redis: Link, pushes: Pushes, health: Arc<Health>) -> Self {
        PubSub {
            redis,
            handlers: pushes.handlers,
            health,
        }
    }
}

impl Driver for PubSub {
    type Error = ClusterError;

    async fn publish(&self, channel: String, payload: Vec<u8>) -> Result<(), ClusterError> {
        let mut redis = self.redis.clone();
        self.health
            .call(async move { redis.publish(channel, payload).await })
            .await
    }

    async fn subscribe(
        &self,
        channel: String,
        size: usize,
    ) -> Result<MessageStream<ChanItem>, ClusterError> {
        let (sender, receiver) = mpsc::channel(size);
        self.handlers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(channel.clone(), sender);
        let mut redis = self.redis.clone();
        self.health
            .call(async move { redis.subscribe(channel).await })
            .await?;
        Ok(MessageStream::new(receiver))
    }

    async fn unsubscribe(&self, channel: String) -> Result<(), ClusterError> {
        self.handlers
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&channel);
        let mut redis = self.redis.clone();
        self.health
            .call(async move { redis.unsubscribe(channel).await })
            .await
    }

    async fn num_serv(&self, channel: &str) -> Result<u16, ClusterError> {
        let mut redis = self.redis.clone();
        let count = self
            .health
            .call(async move { redis.subscribers(channel).await })
            .await?;
        Ok(u16::try_from(count).unwrap_or(u16::MAX))
    }
}
