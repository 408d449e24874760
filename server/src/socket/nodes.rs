//! A node's part in the cluster: every [`HEARTBEAT`] it renews itself and
//! its people in Redis, and tells the rooms when another node has died (its
//! people left). Once Redis is back after an outage, it catches its own
//! people up from the database, sends on what the other nodes missed, and
//! tells everyone who is here.

use super::live::{LiveRooms, Marks};
use crate::cluster::Cluster;
use chat_core::Chat;
use protocol::events::Presence;
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
pub async fn keep_in_touch<A: Adapter>(live: Arc<LiveRooms<A>>, cluster: Cluster, chat: Chat) {
    let mut first = true;
    let mut beats_waited = 0;
    // Where this node's rooms stood when it lost Redis, until it is back.
    let mut outage: Option<Marks> = None;
    loop {
        if !cluster.is_reachable() && outage.is_none() {
            outage = Some(live.mark_rooms(&chat).await);
        }
        let here = live.everyone_here();
        match cluster.heartbeat(&here).await {
            Ok(beat) => {
                let back = outage.take();
                if (beat.rejoined && !first) || back.is_some() {
                    say_who_is_here(&live).await;
                }
                if let Some(marks) = back {
                    live.send_stored_since(&chat, marks).await;
                }
                first = false;
                for (room, name) in &beat.departed {
                    live.announce_departure(None, room, name, None).await;
                }
                if live.has_missed() {
                    // A node that is back resubscribes on its own next
                    // heartbeat; what is published before then reaches it
                    // only through its own catch-up.
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
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = cluster.lost() => {}
        }
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
