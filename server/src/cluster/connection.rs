//! The node's Redis connection: to one Redis server, or to a Redis Cluster
//! (`REDIS_CLUSTER=true`). Either reconnects and subscribes again by
//! itself; both carry commands and subscriptions on RESP3.

use super::health::COMMAND_LIMIT;
use redis::aio::{AsyncPushSender, ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, ProtocolVersion, RedisFuture, RedisResult, Value};
use std::time::Duration;

/// One server, or a cluster (whose pub/sub is sharded).
#[derive(Clone)]
pub(super) enum Link {
    Single(ConnectionManager),
    Sharded(ClusterConnection),
}

impl Link {
    /// Connects to `urls`: one server, or with `sharded` any nodes of a
    /// Redis Cluster (comma-separated). `pushes` receives what Redis sends
    /// unasked: channel messages, and the news of a lost connection.
    pub(super) async fn open(
        urls: &str,
        sharded: bool,
        pushes: impl AsyncPushSender,
    ) -> RedisResult<Link> {
        if sharded {
            let seeds: Vec<&str> = urls.split(',').map(str::trim).collect();
            let cluster = ClusterClientBuilder::new(seeds)
                .use_protocol(ProtocolVersion::RESP3)
                .push_sender(pushes)
                .connection_timeout(COMMAND_LIMIT)
                .response_timeout(COMMAND_LIMIT)
                .build()?;
            return Ok(Link::Sharded(cluster.get_async_connection().await?));
        }
        let client = redis::Client::open(urls.trim())?;
        let info = client.get_connection_info().clone();
        let settings = info
            .redis_settings()
            .clone()
            .set_protocol(ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings))?;
        let config = ConnectionManagerConfig::new()
            .set_push_sender(pushes)
            .set_automatic_resubscription()
            .set_connection_timeout(Some(COMMAND_LIMIT))
            .set_response_timeout(Some(COMMAND_LIMIT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        Ok(Link::Single(
            ConnectionManager::new_with_config(client, config).await?,
        ))
    }

    pub(super) async fn publish(&mut self, channel: String, payload: Vec<u8>) -> RedisResult<()> {
        use redis::AsyncCommands;
        match self {
            Link::Single(redis) => redis.publish(channel, payload).await,
            Link::Sharded(redis) => redis.spublish(channel, payload).await,
        }
    }

    pub(super) async fn subscribe(&mut self, channel: String) -> RedisResult<()> {
        match self {
            Link::Single(redis) => redis.subscribe(channel).await,
            Link::Sharded(redis) => redis.ssubscribe(channel).await,
        }
    }

    pub(super) async fn unsubscribe(&mut self, channel: String) -> RedisResult<()> {
        match self {
            Link::Single(redis) => redis.unsubscribe(channel).await,
            Link::Sharded(redis) => redis.sunsubscribe(channel).await,
        }
    }

    /// How many subscribers `channel` has (sharded: on its shard).
    pub(super) async fn subscribers(&mut self, channel: &str) -> RedisResult<usize> {
        let command = match self {
            Link::Single(_) => "NUMSUB",
            Link::Sharded(_) => "SHARDNUMSUB",
        };
        let (_, count): (String, usize) = redis::cmd("PUBSUB")
            .arg(command)
            .arg(channel)
            .query_async(self)
            .await?;
        Ok(count)
    }
}

impl ConnectionLike for Link {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Link::Single(redis) => redis.req_packed_command(cmd),
            Link::Sharded(redis) => redis.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Link::Single(redis) => redis.req_packed_commands(pipeline, offset, count),
            Link::Sharded(redis) => redis.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Link::Single(redis) => redis.get_db(),
            Link::Sharded(redis) => redis.get_db(),
        }
    }
}
