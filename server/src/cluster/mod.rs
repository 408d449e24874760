//! Running as one of several nodes. Redis carries Socket.IO broadcasts
//! between the nodes (socketioxide's Redis adapter over [`PubSub`]) and
//! holds what they must agree on: which node is alive and who is online on
//! each ([`presence`]).
//!
//! Redis is never needed to serve a node's own clients: while it cannot be
//! reached, each node keeps storing, acknowledging and delivering locally,
//! and [`Cluster::is_reachable`] says so (`/healthz` reports `degraded`).

mod buckets;
mod connection;
mod health;
mod link;
mod notices;
mod presence;
mod pubsub;
mod typing;

pub use health::{COMMAND_LIMIT, ClusterError};
pub use link::Cluster;
pub use presence::HEARTBEAT;
pub use pubsub::PubSub;
