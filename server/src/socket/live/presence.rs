//! Who is in a room, on this node and on the others, and telling the room
//! when that changes.

use super::{LiveRooms, is_chat_room};
use crate::socket::auth::Identity;
use protocol::events::{self, Presence};
use socketioxide::adapter::Adapter;
use socketioxide::socket::Sid;
use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

impl<A: Adapter> LiveRooms<A> {
    /// The distinct names of this node's sockets in `room` (sorted), the
    /// socket `except` (one on its way out) aside.
    pub fn here(&self, room: &str, except: Option<Sid>) -> Vec<String> {
        let Some(root) = self.root() else {
            return Vec::new();
        };
        let mut names: Vec<String> = root
            .within(room.to_owned())
            .sockets()
            .into_iter()
            .filter(|s| Some(s.id) != except)
            .filter_map(|s| s.extensions.get::<Identity>())
            .map(|Identity(name)| name.to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Everyone in `room` on every node (sorted, distinct), `except` aside.
    /// While Redis cannot be reached, this node's people only.
    pub async fn online(&self, room: &str, except: Option<Sid>) -> Vec<String> {
        let mut names = self.here(room, except);
        if let Some(cluster) = &self.cluster
            && let Ok(elsewhere) = cluster.online_elsewhere(room).await
        {
            names.extend(elsewhere);
            names.sort();
            names.dedup();
        }
        names
    }

    /// Everyone on this node, as `(room, name)`.
    pub fn everyone_here(&self) -> BTreeSet<(String, String)> {
        let Some(root) = self.root() else {
            return BTreeSet::new();
        };
        let mut here = BTreeSet::new();
        for socket in root.sockets() {
            let Some(Identity(name)) = socket.extensions.get() else {
                continue;
            };
            for room in socket.rooms().into_iter().filter(|r| is_chat_room(r)) {
                here.insert((room.to_string(), name.to_string()));
            }
        }
        here
    }

    /// Records in the cluster that `name` is in `room` on this node.
    pub async fn arrived(&self, room: &str, name: &str) {
        // Once this node has said goodbye, nothing new is written for it.
        if let Some(cluster) = &self.cluster
            && !self.gone.load(Ordering::Acquire)
        {
            // Best effort: the next heartbeat writes it if this fails.
            let _ = cluster.arrived(room, name).await;
        }
    }

    /// `name`'s socket `leaving` leaves `room`: unless another of their
    /// tabs is still there (on any node), the room hears that they left.
    pub async fn departed(&self, leaving: Sid, room: &str, name: &str) {
        if self.gone.load(Ordering::Acquire)
            || self.here(room, Some(leaving)).iter().any(|n| n == name)
        {
            return;
        }
        if let Some(cluster) = &self.cluster {
            let _ = cluster.departed(room, name).await;
        }
        self.typing_ended(Some(leaving), room, name).await;
        self.announce_departure(Some(leaving), room, name, Some(leaving))
            .await;
    }

    /// On shutdown, before the sockets close: takes this node out of the
    /// cluster and tells the other nodes that its people left, unless they
    /// are on another node too. (Without a cluster, everyone is here and
    /// sees the connection close.)
    pub async fn say_goodbye(&self) {
        let Some(cluster) = &self.cluster else {
            return;
        };
        self.gone.store(true, Ordering::Release);
        let here = self.everyone_here();
        if let Err(e) = cluster.leave().await {
            tracing::warn!(error = %e, "could not say goodbye to the other nodes");
            return;
        }
        for (room, name) in &here {
            // This node is out of the cluster now: `online` less everyone
            // here is who is on the other nodes.
            let Ok(mut online) = cluster.online_elsewhere(room).await else {
                continue;
            };
            online.sort();
            online.dedup();
            if !online.contains(name) {
                let presence = Presence {
                    room: room.clone(),
                    online,
                    joined: None,
                    left: Some(name.clone()),
                };
                self.emit(None, room, events::PRESENCE, &presence).await;
            }
        }
    }

    /// Tells `room` (less the socket `from`) that `name` left, unless they
    /// are still online there; `except` is a socket already on its way out.
    pub async fn announce_departure(
        &self,
        from: Option<Sid>,
        room: &str,
        name: &str,
        except: Option<Sid>,
    ) {
        let online = self.online(room, except).await;
        if online.iter().any(|n| n == name) {
            return;
        }
        let presence = Presence {
            room: room.to_owned(),
            online,
            joined: None,
            left: Some(name.to_owned()),
        };
        self.emit(from, room, events::PRESENCE, &presence).await;
    }

    /// Sends a presence notice to `room`, less the socket `from`.
    pub async fn announce(&self, from: Option<Sid>, presence: &Presence) {
        self.emit(from, &presence.room, events::PRESENCE, presence)
            .await;
    }
}
