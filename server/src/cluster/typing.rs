//! One typing relay per person across nodes: a person typing in tabs on
//! two nodes is announced once per interval, not once per node.

use super::link::Cluster;
use std::time::Duration;

impl Cluster {
    /// Whether this node may relay that `user` is typing in `room`: no
    /// node did within `every`. True while Redis cannot be reached (each
    /// node then relays for its own tabs).
    pub async fn may_relay_typing(&self, room: &str, user: &str, every: Duration) -> bool {
        let mut set = redis::cmd("SET");
        set.arg(self.key(format_args!("typing:{room}:{user}")))
            .arg(1)
            .arg("PX")
            .arg(every.as_millis() as u64)
            .arg("NX");
        let mut redis = self.redis();
        match self
            .call(async move { set.query_async::<Option<String>>(&mut redis).await })
            .await
        {
            Ok(set) => set.is_some(),
            Err(_) => true,
        }
    }
}
