//! What the socket handlers share beyond the core: rate limits, connections
//! per address, and the rooms' live delivery (messages, presence, typing).

use super::live::LiveRooms;
use crate::net::{Network, PerAddress};
use chat_core::allowance::{Allowance, SharedBuckets};
use chat_core::metrics::Metrics;
use chat_core::rate::{Limiter, Rate};
use socketioxide::adapter::Adapter;
use socketioxide::socket::Sid;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Other events (join, leave, typing) one connection may send.
const EVENTS_PER_CONNECTION: Rate = Rate {
    burst: 20.0,
    per_second: 5.0,
};

pub struct SocketState<A: Adapter> {
    pub sends_per_connection: Arc<Limiter<Sid>>,
    /// Keyed by sign-in ([`SessionId`](super::auth::SessionId)), not by
    /// name: a stranger signed in under the same name has their own.
    pub sends_per_session: Arc<Allowance<String>>,
    pub events_per_connection: Arc<Limiter<Sid>>,
    /// Socket.IO sessions per client address.
    pub connections: Arc<PerAddress>,
    pub network: Network,
    pub live: Arc<LiveRooms<A>>,
    pub metrics: Arc<Metrics>,
    /// Where uploaded images are, to remove a deleted message's.
    pub media_dir: PathBuf,
}

// Not derived: that would ask for `A: Clone`, which adapters are not.
impl<A: Adapter> Clone for SocketState<A> {
    fn clone(&self) -> Self {
        SocketState {
            sends_per_connection: self.sends_per_connection.clone(),
            sends_per_session: self.sends_per_session.clone(),
            events_per_connection: self.events_per_connection.clone(),
            connections: self.connections.clone(),
            network: self.network.clone(),
            live: self.live.clone(),
            metrics: self.metrics.clone(),
            media_dir: self.media_dir.clone(),
        }
    }
}

impl<A: Adapter> SocketState<A> {
    /// `sends` is one connection's allowance; one sign-in over all its
    /// connections (on every node) gets half as much again.
    pub fn new(
        sends: Rate,
        max_connections_per_ip: usize,
        network: Network,
        live: Arc<LiveRooms<A>>,
        metrics: Arc<Metrics>,
        shared: Option<Arc<dyn SharedBuckets>>,
        media_dir: PathBuf,
    ) -> Self {
        let per_user = Rate {
            burst: sends.burst * 1.5,
            per_second: sends.per_second * 1.5,
        };
        SocketState {
            sends_per_connection: Limiter::new(sends),
            sends_per_session: Allowance::new("sends", per_user, shared),
            events_per_connection: Limiter::new(EVENTS_PER_CONNECTION),
            connections: PerAddress::new(max_connections_per_ip),
            network,
            live,
            metrics,
            media_dir,
        }
    }

    /// Forgets what was kept about a closed connection.
    pub fn forget_connection(&self, sid: Sid, ip: Option<IpAddr>) {
        self.sends_per_connection.forget(&sid);
        self.events_per_connection.forget(&sid);
        if let Some(ip) = ip {
            self.connections.release(ip);
        }
    }
}
