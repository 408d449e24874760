//! Benchmarks, each on SQLite, PostgreSQL and MySQL (the latter two when
//! `TEST_POSTGRES_URL` / `TEST_MYSQL_URL` name a server), writing their
//! figures to `BENCHMARKS.md`:
//!
//! - `history`: a room of a million messages; page latency at its newest,
//!   middle and oldest pages through every read path;
//! - `ingest`: durable stored messages per second with 1, 16 and 256
//!   concurrent senders;
//! - `abuse`: what a login flood and a burst of decompression bombs cost
//!   everyone else (SQLite);
//! - `nodes`: deliveries per second and delivery latency on 1, 2 and 3
//!   nodes sharing PostgreSQL and Redis;
//! - `compare`: this server beside Node's socket.io under the same load
//!   (run it with `bench/compare.sh`, which builds what it needs);
//! - `sidebars`: fan-out to people in many rooms each, whose sidebars
//!   hear of the rooms they do not show (`room_activity`).

mod abuse;
mod backends;
mod compare;
mod history;
mod ingest;
mod nodes;
mod report;
mod running;
mod seed;
mod sidebars;
mod stats;

use clap::{Parser, Subcommand};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    bench: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// History page latency at any depth.
    History(history::Options),
    /// Durable stored messages per second.
    Ingest(ingest::Options),
    /// What abuse costs other users.
    Abuse(abuse::Options),
    /// Deliveries and latency on several nodes.
    Nodes(nodes::Options),
    /// This server beside Node's socket.io.
    Compare(compare::Options),
    /// Fan-out with sidebars: `message` and `room_activity`.
    Sidebars(sidebars::Options),
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Cli::parse().bench {
        Bench::History(options) => history::run(options).await,
        Bench::Ingest(options) => ingest::run(options).await,
        Bench::Abuse(options) => abuse::run(options).await,
        Bench::Nodes(options) => nodes::run(options).await,
        Bench::Compare(options) => compare::run(options).await,
        Bench::Sidebars(options) => sidebars::run(options).await,
    }
}
