//! What the socket handlers share beyond the core: rate limits, connections
//! per address, and the rooms' live delivery (messages, typing).

use super::fanout::LiveRooms;
use super::rate::{Limiter, Rate};
use chat_core::metrics::Metrics;
use socketioxide::socket::Sid;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Other events (join, leave, typing) one connection may send.
const EVENTS_PER_CONNECTION: Rate = Rate {
    burst: 20.0,
    per_second: 5.0,
};

#[derive(Clone)]
pub struct SocketState {
    pub sends_per_connection: Arc<Limiter<Sid>>,
    /// Keyed by sign-in ([`SessionId`](super::auth::SessionId)), not by
    /// name: a stranger signed in under the same name has their own.
    pub sends_per_session: Arc<Limiter<String>>,
    pub events_per_connection: Arc<Limiter<Sid>>,
    pub connections: Arc<ConnectionCount>,
    pub live: Arc<LiveRooms>,
    pub metrics: Arc<Metrics>,
}

impl SocketState {
    /// `sends` is one connection's allowance; one user over all their
    /// connections gets half as much again.
    pub fn new(
        sends: Rate,
        max_connections_per_ip: usize,
        live: Arc<LiveRooms>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let per_user = Rate {
            burst: sends.burst * 1.5,
            per_second: sends.per_second * 1.5,
        };
        SocketState {
            sends_per_connection: Limiter::new(sends),
            sends_per_session: Limiter::new(per_user),
            events_per_connection: Limiter::new(EVENTS_PER_CONNECTION),
            connections: Arc::new(ConnectionCount::new(max_connections_per_ip)),
            live,
            metrics,
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

/// Open connections per client address, against a maximum.
pub struct ConnectionCount {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl ConnectionCount {
    fn new(max: usize) -> Self {
        ConnectionCount {
            max,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a new connection from `ip`, unless it has too many already.
    pub fn acquire(&self, ip: IpAddr) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.max {
            return false;
        }
        *count += 1;
        true
    }

    fn release(&self, ip: IpAddr) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&ip);
            }
        }
    }
}
