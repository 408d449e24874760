//! The nodes' own channel, beside the Socket.IO adapter's: what each node
//! must hear of to keep its people's room lists (messages stored, markers
//! moved, memberships changed), published once per event for every node.

use super::health::ClusterError;
use super::link::Cluster;
use socketioxide_redis::drivers::{ChanItem, Driver, MessageStream};

/// How many notices may wait for this node before newer ones are dropped
/// (counts are absolute, so the next notice of a room makes good a lost
/// one).
const BACKLOG: usize = 4096;

impl Cluster {
    fn notice_channel(&self) -> String {
        format!("{}:notices", self.prefix())
    }

    /// Sends `payload` to every node (this one too: it skips its own).
    pub async fn publish_notice(&self, payload: Vec<u8>) -> Result<(), ClusterError> {
        self.pubsub().publish(self.notice_channel(), payload).await
    }

    /// The notices every node publishes, from now on.
    pub async fn notices(&self) -> Result<MessageStream<ChanItem>, ClusterError> {
        self.pubsub()
            .subscribe(self.notice_channel(), BACKLOG)
            .await
    }
}
