//! One typing relay per person across nodes: a person typing in tabs on
//! two nodes is announced once per interval, not once per node.

use super::link::Cluster;
use redis::Script;
use std::sync::LazyLock;
use std::time::Duration;

/// KEYS[1] the person's relay key; ARGV: this node, the interval in ms.
/// The node holding the key may renew it (its own clock decides when).
static RELAY_SCRIPT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        "local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1",
    )
});

impl Cluster {
    /// Whether this node may relay that `user` is typing in `room`: no
    /// other node did within `every`. True while Redis cannot be reached
    /// (each node then relays for its own tabs).
    pub async fn may_relay_typing(&self, room: &str, user: &str, every: Duration) -> bool {
        let mut invocation = RELAY_SCRIPT.prepare_invoke();
        invocation
            .key(self.key(format_args!("typing:{room}:{user}")))
            .arg(self.node())
            .arg(every.as_millis() as u64);
        let mut redis = self.redis();
        self.call(async move { invocation.invoke_async::<bool>(&mut redis).await })
            .await
            .unwrap_or(true)
    }
}
