//! `cargo run -p bench --release -- history`: fills a room with a million
//! messages and measures page latency at its newest, middle and oldest pages
//! through every read path, then writes the figures to `BENCHMARKS.md`.

mod history;
mod report;
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
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match Cli::parse().bench {
        Bench::History(options) => history::run(options).await,
    }
}
