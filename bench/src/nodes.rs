//! Deliveries per second and delivery latency on 1, 2 and 3 nodes sharing
//! PostgreSQL and Redis (and one node without Redis, for the baseline).
//!
//! `--rooms` rooms of `--members` people each, spread over the nodes one
//! after another (so most rooms span every node); in each room one member
//! sends `--rate` messages a second and every other member receives them.
//! Latency is from the send to each delivery; everything runs in this
//! process, on this machine's cores.

use crate::report;
use crate::running::Running;
use crate::stats::Samples;
use chat_core::store::Backend;
use chat_core::testing::ScratchDb;
use futures::FutureExt;
use rust_socketio::Payload;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use serde_json::{Value, json};
use server::config::Config;
use std::error::Error;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// The benchmark's clock: messages carry their send time on it.
static START: LazyLock<Instant> = LazyLock::new(Instant::now);

#[derive(clap::Args)]
pub struct Options {
    /// Seconds each measurement lasts (after two seconds of warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Rooms, each with its own sender.
    #[arg(long, default_value_t = 20)]
    rooms: usize,
    /// People per room (one sends, the others receive).
    #[arg(long, default_value_t = 10)]
    members: usize,
    /// Messages per second sent in each room.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Where to write the figures.
    #[arg(long, default_value = "BENCHMARKS.md")]
    report: PathBuf,
}

/// One measured layout.
struct Layout {
    nodes: usize,
    redis: bool,
}

/// What receivers saw while measuring.
#[derive(Default)]
struct Seen {
    measuring: AtomicBool,
    latencies: Mutex<Vec<Duration>>,
}

pub async fn run(options: Options) -> Result<()> {
    let redis = std::env::var("TEST_REDIS_URL").map_err(|_| "set TEST_REDIS_URL to a Redis")?;
    let layouts = [
        Layout {
            nodes: 1,
            redis: false,
        },
        Layout {
            nodes: 1,
            redis: true,
        },
        Layout {
            nodes: 2,
            redis: true,
        },
        Layout {
            nodes: 3,
            redis: true,
        },
    ];
    let mut rows = Vec::new();
    for layout in layouts {
        let (delivered, samples) = measure(&options, &layout, &redis).await?;
        let rate = delivered as f64 / options.seconds as f64;
        let name = match (layout.nodes, layout.redis) {
            (1, false) => "1 node, no Redis".to_owned(),
            (1, true) => "1 node + Redis".to_owned(),
            (n, _) => format!("{n} nodes + Redis"),
        };
        println!(
            "{name:<18} {rate:>8.0} deliveries/s  p50 {:.2} ms  p99 {:.2} ms",
            samples.percentile_ms(50.0),
            samples.percentile_ms(99.0)
        );
        rows.push(format!(
            "| {name} | {} | {:.2} | {:.2} |",
            report::thousands(rate.round() as i64),
            samples.percentile_ms(50.0),
            samples.percentile_ms(99.0)
        ));
    }
    let offered = options.rooms as f64 * options.rate * (options.members - 1) as f64;
    let body = format!(
        "## Several nodes: deliveries and latency (PostgreSQL + Redis)\n\n\
         Measured {date} on {machine}, release build, every node and every client in one \
         process on this machine (so more nodes share the same cores: the figures show what \
         the fan-out through Redis costs, not what more machines add). {rooms} rooms of \
         {members} people, spread over the nodes one after another; in each room one person \
         sends {rate} messages a second and the {receivers} others receive them: \
         {offered} deliveries a second offered. Latency is from the send to each delivery, \
         p50 / p99 over {seconds} s after 2 s of warm-up.\n\n\
         | layout | deliveries/s | p50 ms | p99 ms |\n\
         |---|---|---|---|\n\
         {rows}\n\n\
         Reproduce: `cargo run -p bench --release -- nodes` with `TEST_POSTGRES_URL` (a \
         user that may create databases) and `TEST_REDIS_URL` set (`--rooms`, `--members`, \
         `--rate`, `--seconds` to vary).",
        date = chrono::Utc::now().format("%Y-%m-%d"),
        machine = report::machine(),
        rooms = options.rooms,
        members = options.members,
        rate = options.rate,
        receivers = options.members - 1,
        offered = report::thousands(offered.round() as i64),
        seconds = options.seconds,
        rows = rows.join("\n"),
    );
    report::write_section(&options.report, "nodes", &body)?;
    println!("wrote {}", options.report.display());
    Ok(())
}

async fn measure(options: &Options, layout: &Layout, redis: &str) -> Result<(usize, Samples)> {
    let db = ScratchDb::create(Backend::Postgres)
        .await
        .ok_or("set TEST_POSTGRES_URL to a PostgreSQL server")?;
    let dir = tempfile::tempdir()?;
    let prefix = format!("chat_bench_{}", START.elapsed().as_nanos());
    let mut nodes = Vec::new();
    for n in 0..layout.nodes {
        let mut config = Config::for_data_dir(dir.path().join(n.to_string()));
        config.database_url = Some(db.url().to_owned().into());
        config.redis_url = layout.redis.then(|| redis.to_owned().into());
        config.redis_prefix = prefix.clone();
        config.secret_key = Some("a benchmark secret shared by every node".into());
        config.send_burst = 1e9;
        config.send_rate = 1e9;
        config.logins_per_minute = 1_000_000;
        config.rooms_per_hour = 1_000_000;
        config.max_connections_per_ip = 100_000;
        config.max_open_connections = 100_000;
        nodes.push(Running::start(config).await?);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let http = reqwest::Client::new();
    let seen = Arc::new(Seen::default());
    let mut senders = Vec::new();
    let mut receivers = Vec::new();
    for room in 0..options.rooms {
        let room_name = format!("room{room}");
        for member in 0..options.members {
            let node = &nodes[(room * options.members + member) % nodes.len()];
            let user = format!("r{room}m{member}");
            let token = node.login(&http, &user, &room_name).await?;
            let client = connect(&node.base, &token, (member > 0).then(|| seen.clone())).await?;
            join(&client, &room_name).await?;
            if member == 0 {
                senders.push((client, room_name.clone()));
            } else {
                receivers.push(client);
            }
        }
    }

    let stop = Arc::new(AtomicBool::new(false));
    let every = Duration::from_secs_f64(1.0 / options.rate);
    let tasks: Vec<_> = senders
        .into_iter()
        .map(|(client, room)| {
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(every);
                while !stop.load(Ordering::Relaxed) {
                    ticks.tick().await;
                    let sent_at = START.elapsed().as_micros().to_string();
                    let _ = client
                        .emit("send_message", json!({"room": room, "content": sent_at}))
                        .await;
                }
                client
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    seen.measuring.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(options.seconds)).await;
    seen.measuring.store(false, Ordering::SeqCst);
    stop.store(true, Ordering::Relaxed);

    for task in tasks {
        let _ = task.await?.disconnect().await;
    }
    for client in receivers {
        let _ = client.disconnect().await;
    }
    for node in nodes {
        node.stop().await?;
    }
    let latencies = std::mem::take(&mut *seen.latencies.lock().unwrap());
    Ok((latencies.len(), Samples::new(latencies)))
}

/// A client that, when `seen` is given, records each message's latency.
async fn connect(base: &str, token: &str, seen: Option<Arc<Seen>>) -> Result<Client> {
    let (connected_tx, mut connected) = mpsc::unbounded_channel::<()>();
    let mut builder = ClientBuilder::new(base).auth(json!({"token": token})).on(
        rust_socketio::Event::Connect,
        move |_, _| {
            let _ = connected_tx.send(());
            async {}.boxed()
        },
    );
    if let Some(seen) = seen {
        builder = builder.on("message", move |payload, _| {
            let now = START.elapsed();
            if seen.measuring.load(Ordering::Relaxed)
                && let Payload::Text(values) = payload
                && let Some(sent_at) = values
                    .first()
                    .and_then(|m| m["content"].as_str())
                    .and_then(|t| t.parse::<u64>().ok())
            {
                let latency = now.saturating_sub(Duration::from_micros(sent_at));
                seen.latencies.lock().unwrap().push(latency);
            }
            async {}.boxed()
        });
    }
    let client = builder.connect().await?;
    // Emits sent before the namespace connect is confirmed can be lost.
    tokio::time::timeout(Duration::from_secs(10), connected.recv())
        .await?
        .ok_or("no namespace connect")?;
    Ok(client)
}

async fn join(client: &Client, room: &str) -> Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    client
        .emit_with_ack(
            "join",
            json!({"room": room}),
            Duration::from_secs(10),
            move |payload: Payload, _| {
                let tx = tx.clone();
                async move {
                    if let Payload::Text(values) = payload {
                        let _ = tx.send(Value::Array(values));
                    }
                }
                .boxed()
            },
        )
        .await?;
    let ack = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await?
        .ok_or("no join ack")?;
    if !ack.to_string().contains("\"ok\":true") {
        return Err(format!("join refused: {ack}").into());
    }
    Ok(())
}
