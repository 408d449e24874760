//! Durable stored messages per second: 1, 16 and 256 senders at once, each
//! storing one message after another (the next only once the last one is
//! committed, as a client waits for its ack), all in one busy room or each
//! in a room of its own. Every message carries a `client_id`, as the
//! browser's do.

use crate::backends::{self, Choice};
use crate::report;
use crate::stats::Samples;
use chat_core::store::{self, Backend, NewMessage, PoolSettings, Store};
use chat_core::testing::ScratchDb;
use protocol::message::ContentType;
use protocol::names::{RoomName, Username};
use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const SENDERS: [usize; 3] = [1, 16, 256];

static NEXT_CLIENT_ID: AtomicU64 = AtomicU64::new(0);

#[derive(clap::Args)]
pub struct Options {
    /// Seconds each measurement lasts (after one second of warm-up).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Backends to measure (repeat the flag); all of them by default.
    #[arg(long, value_enum)]
    backend: Vec<Choice>,
    /// Where to write the figures.
    #[arg(long, default_value = "BENCHMARKS.md")]
    report: PathBuf,
}

type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    OneRoom,
    RoomEach,
}

pub async fn run(options: Options) -> Result<()> {
    backends::on_each(&options.backend, async |backend, db| {
        run_on(&options, backend, db).await
    })
    .await
}

async fn run_on(options: &Options, backend: Backend, db: &ScratchDb) -> Result<()> {
    let pool = PoolSettings::default();
    let store = store::connect(db.url(), &pool).await?;
    let window = Duration::from_secs(options.seconds.max(1));
    let mut rows = Vec::new();
    for layout in [Layout::OneRoom, Layout::RoomEach] {
        for senders in SENDERS {
            let cell = format!("{}-{senders}", layout_slug(layout));
            measure(&store, &cell, senders, layout, Duration::from_secs(1)).await?;
            let (stored, samples) = measure(&store, &cell, senders, layout, window).await?;
            let rate = stored as f64 / window.as_secs_f64();
            println!(
                "{} {:<18} {senders:>3} senders: {rate:>8.0} msg/s  p50 {:.2} ms  p99 {:.2} ms",
                backends::label(backend),
                layout_name(layout),
                samples.percentile_ms(50.0),
                samples.percentile_ms(99.0)
            );
            rows.push(format!(
                "| {} | {senders} | {} | {:.2} / {:.2} |",
                layout_name(layout),
                report::thousands(rate.round() as i64),
                samples.percentile_ms(50.0),
                samples.percentile_ms(99.0)
            ));
        }
    }
    store.close().await;

    let body = format!(
        "## Durable stored messages per second ({label})\n\n\
         Measured {date} on {machine}, release build, through the storage layer every \
         message goes through (group commit: the messages sent while a transaction commits \
         share the next one; each counts only once its transaction committed durably), with the server's default pool of {connections} connections. Each sender \
         stores its next message as soon as the last one is committed; each figure is \
         {seconds} s after 1 s of warm-up. Latency is one message's store, p50 / p99 in \
         milliseconds.\n\n\
         | rooms | senders | messages/s | latency ms |\n\
         |---|---|---|---|\n\
         {rows}\n\n\
         Reproduce: `cargo run -p bench --release -- ingest --backend {flag}` \
         (`--seconds` to vary{env}).",
        label = backends::label(backend),
        date = chrono::Utc::now().format("%Y-%m-%d"),
        machine = report::machine(),
        connections = pool.max_connections,
        seconds = window.as_secs(),
        rows = rows.join("\n"),
        flag = backends::flag(backend),
        env = backends::env_note(backend),
    );
    report::write_section(
        &options.report,
        &backends::section("ingest", backend),
        &body,
    )?;
    println!("wrote {}", options.report.display());
    Ok(())
}

fn layout_slug(layout: Layout) -> &'static str {
    match layout {
        Layout::OneRoom => "one-room",
        Layout::RoomEach => "room-each",
    }
}

fn layout_name(layout: Layout) -> &'static str {
    match layout {
        Layout::OneRoom => "one room",
        Layout::RoomEach => "a room per sender",
    }
}

/// Runs `senders` for `window`; returns how many messages they stored and
/// how long each store took.
async fn measure(
    store: &Arc<dyn Store>,
    cell: &str,
    senders: usize,
    layout: Layout,
    window: Duration,
) -> Result<(usize, Samples)> {
    let deadline = Instant::now() + window;
    let tasks: Vec<_> = (0..senders)
        .map(|s| {
            let store = store.clone();
            let room = match layout {
                Layout::OneRoom => cell.to_owned(),
                Layout::RoomEach => format!("{cell}-{s}"),
            };
            let sender = format!("sender{s}");
            tokio::spawn(send_until(store, room, sender, deadline))
        })
        .collect();
    let mut timings = Vec::new();
    for task in tasks {
        timings.extend(task.await??);
    }
    Ok((timings.len(), Samples::new(timings)))
}

async fn send_until(
    store: Arc<dyn Store>,
    room: String,
    sender: String,
    deadline: Instant,
) -> std::result::Result<Vec<Duration>, String> {
    let room = RoomName::parse(&room).map_err(|e| e.to_string())?;
    let sender = Username::parse(&sender).map_err(|e| e.to_string())?;
    let mut timings = Vec::new();
    while Instant::now() < deadline {
        // Unique over every run, so no send is mistaken for a retry.
        let client_id = NEXT_CLIENT_ID.fetch_add(1, Ordering::Relaxed).to_string();
        let started = Instant::now();
        store
            .insert_message(NewMessage {
                room: &room,
                username: &sender,
                content: Some("a line of ordinary chat text of typical length"),
                image: None,
                content_type: ContentType::Text,
                client_id: Some(&client_id),
            })
            .await
            .map_err(|e| e.to_string())?;
        timings.push(started.elapsed());
    }
    Ok(timings)
}
