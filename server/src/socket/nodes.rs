//! A node's part in the cluster: every [`HEARTBEAT`] it renews itself and
//! its people in Redis, tells the rooms when another node has died (its
//! people left), and, once Redis is back after an outage, sends on what
//! the other nodes missed and tells them who is here.

use super::live::LiveRooms;
use crate::cluster::Cluster;
use app::events::Presence;
use socketioxide::adapter::Adapter;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use crate::cluster::HEARTBEAT;

/// How often a node that cannot reach Redis tries again.
const RETRY: Duration = Duration::from_secs(1);

/// Heartbeats a node waits, at most, for every other node to listen
/// again before it sends on what they missed.
const MOST_BEATS_TO_WAIT: u32 = 3;

/// Runs until the task is dropped.
pub async fn keep_in_touch<A: Adapter>(live: Arc<LiveRooms<A>>, cluster: Cluster) {
    let mut first = true;
    let mut beats_waited = 0;
    loop {
        let here = live.everyone_here();
        match cluster.heartbeat(&here).await {
            Ok(beat) => {
                if beat.rejoined && !first {
                    say_who_is_here(&live).await;
                }
                first = false;
                for (room, name) in &beat.departed {
                    live.announce_departure(None, room, name, None).await;
                }
                if live.has_missed() {
                    // A node that is back resubscribes on its own next
                    // heartbeat; what is published before then is lost.
                    let listening = cluster.nodes_listening().await.unwrap_or(0);
                    if listening >= beat.nodes || beats_waited >= MOST_BEATS_TO_WAIT {
                        live.send_on_missed().await;
                        beats_waited = 0;
                    } else {
                        beats_waited += 1;
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "heartbeat failed"),
        }
        live.count_redis_health();
        let pause = if cluster.is_reachable() && !live.has_missed() {
            HEARTBEAT
        } else {
            RETRY
        };
        tokio::time::sleep(pause).await;
    }
}

/// The others gave this node up for dead and told their rooms its people
/// left: tells them they are here after all.
async fn say_who_is_here<A: Adapter>(live: &LiveRooms<A>) {
    let rooms: BTreeSet<String> = live
        .everyone_here()
        .into_iter()
        .map(|(room, _)| room)
        .collect();
    for room in rooms {
        let online = live.online(&room, None).await;
        let notice = Presence {
            room,
            online,
            joined: None,
            left: None,
        };
        live.announce(None, &notice).await;
    }
}
