//! What abuse costs everyone else, on the embedded SQLite default:
//!
//! - a login flood (8 clients logging in to new rooms as fast as they can)
//!   against a normal user's send latency, with the login and room limits
//!   on (the defaults) and lifted (as before they existed);
//! - the server process's peak memory while 30 sign-ins upload a
//!   decompression bomb each at once (a 6324×6324 PNG of a few hundred KB,
//!   160 MB decoded), within the decode budget and without one.
//!
//! The bomb run measures the whole process's high-water mark, so each
//! configuration runs in a process of its own (`--decode-budget`).

use crate::report;
use crate::running::Running;
use crate::stats::Samples;
use clap::{Args, ValueEnum};
use futures::FutureExt;
use rust_socketio::Payload;
use rust_socketio::asynchronous::ClientBuilder;
use serde_json::{Value, json};
use server::config::Config;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

#[derive(Debug, Clone, Args)]
pub struct Options {
    #[command(subcommand)]
    what: What,
}

#[derive(Debug, Clone, clap::Subcommand)]
enum What {
    /// Send latency of one user while others flood the login endpoint.
    Flood {
        /// Messages the normal user sends per configuration.
        #[arg(long, default_value_t = 300)]
        sends: usize,
    },
    /// Peak memory while 30 bombs are uploaded at once.
    Bombs {
        #[arg(long, value_enum)]
        decode_budget: Budget,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Budget {
    /// The defaults: 80 MP in flight on one thread per core.
    Default,
    /// No budget: every upload decoded at once, as before there was one.
    Unbounded,
}

pub async fn run(options: Options) -> Result<(), Box<dyn std::error::Error>> {
    match options.what {
        What::Flood { sends } => flood(sends).await,
        What::Bombs { decode_budget } => bombs(decode_budget).await,
    }
}

/// A server on a fresh SQLite database in `dir`, sends unlimited.
async fn start(
    dir: &Path,
    adjust: impl FnOnce(&mut Config),
) -> Result<Running, Box<dyn std::error::Error>> {
    let mut config = Config::for_data_dir(dir);
    config.send_burst = 1e9;
    config.send_rate = 1e9;
    adjust(&mut config);
    Running::start(config).await
}

async fn flood(sends: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut rows = Vec::new();
    for (label, flooders, limited) in [
        ("no flood", 0, true),
        ("flood, limits on (defaults)", 8, true),
        ("flood, limits lifted", 8, false),
    ] {
        let dir = tempfile::tempdir()?;
        let server = start(dir.path(), |config| {
            if !limited {
                config.logins_per_minute = 1_000_000_000;
                config.rooms_per_hour = 1_000_000_000;
            }
        })
        .await?;
        let http = reqwest::Client::new();
        let token = server.login(&http, "Alice", "general").await?;

        let stop = Arc::new(AtomicBool::new(false));
        let (answered, refused) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let mut tasks = Vec::new();
        for f in 0..flooders {
            let (http, base, stop) = (http.clone(), server.base.clone(), stop.clone());
            let (answered, refused) = (answered.clone(), refused.clone());
            tasks.push(tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let body =
                        json!({"username": format!("flood{f}"), "room": format!("r{f}x{n}")});
                    match http
                        .post(format!("{base}/api/login"))
                        .json(&body)
                        .send()
                        .await
                    {
                        Ok(r) if r.status() == 429 => refused.fetch_add(1, Ordering::Relaxed),
                        Ok(_) => answered.fetch_add(1, Ordering::Relaxed),
                        Err(_) => 0,
                    };
                }
            }));
        }
        let started = Instant::now();
        let latencies = send_many(&server.base, &token, sends).await?;
        let elapsed = started.elapsed().as_secs_f64();
        stop.store(true, Ordering::Relaxed);
        for task in tasks {
            let _ = task.await;
        }
        let samples = Samples::new(latencies);
        let (ok, no) = (
            answered.load(Ordering::Relaxed),
            refused.load(Ordering::Relaxed),
        );
        println!(
            "{label:<30} send p50 {:.2} ms  p99 {:.2} ms; flood logins {:.0}/s stored, {:.0}/s refused",
            samples.percentile_ms(50.0),
            samples.percentile_ms(99.0),
            ok as f64 / elapsed,
            no as f64 / elapsed
        );
        rows.push(format!(
            "| {label} | {:.2} | {:.2} | {} | {} |",
            samples.percentile_ms(50.0),
            samples.percentile_ms(99.0),
            (ok as f64 / elapsed).round(),
            (no as f64 / elapsed).round()
        ));
        server.stop().await?;
    }
    let body = format!(
        "## Login flood against a normal user's sends (SQLite)\n\n\
         One user sends {sends} messages one after another (latency to the ack) while 8 \
         clients log in to new rooms as fast as they can from the same address.\n\n\
         | run | send p50 ms | send p99 ms | flood logins stored /s | flood logins refused (429) /s |\n\
         |---|---|---|---|---|\n{}\n\n\
         Machine: {}. Reproduce: `cargo run -p bench --release -- abuse flood`.",
        rows.join("\n"),
        report::machine()
    );
    report::write_section(Path::new("BENCHMARKS.md"), "abuse-flood", &body)?;
    Ok(())
}

/// Sends `count` messages one at a time, returning each ack's latency.
async fn send_many(
    base: &str,
    token: &str,
    count: usize,
) -> Result<Vec<Duration>, Box<dyn std::error::Error>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Value>();
    let (connected_tx, mut connected) = mpsc::unbounded_channel::<()>();
    let client = ClientBuilder::new(base)
        .auth(json!({"token": token}))
        .on(rust_socketio::Event::Connect, move |_, _| {
            let _ = connected_tx.send(());
            async {}.boxed()
        })
        .connect()
        .await?;
    // Emits sent before the namespace connect is confirmed can be lost.
    tokio::time::timeout(Duration::from_secs(10), connected.recv())
        .await?
        .ok_or("no namespace connect")?;
    let mut latencies = Vec::with_capacity(count);
    for i in 0..=count {
        let (event, data) = if i == 0 {
            ("join", json!({"room": "general"}))
        } else {
            (
                "send_message",
                json!({"room": "general", "content": format!("hello {i}")}),
            )
        };
        let tx = tx.clone();
        let started = Instant::now();
        client
            .emit_with_ack(
                event,
                data,
                Duration::from_secs(30),
                move |payload: Payload, _| {
                    let tx = tx.clone();
                    async move {
                        if let Payload::Text(mut values) = payload {
                            // The ack's first argument, inside the arguments' array.
                            let mut ack = values.pop().unwrap_or(Value::Null);
                            while let Value::Array(mut args) = ack {
                                ack = if args.is_empty() {
                                    Value::Null
                                } else {
                                    args.remove(0)
                                };
                            }
                            let _ = tx.send(ack);
                        }
                    }
                    .boxed()
                },
            )
            .await?;
        let ack = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await?
            .ok_or("no ack")?;
        if ack["ok"] != true {
            return Err(format!("refused: {ack}").into());
        }
        if i > 0 {
            latencies.push(started.elapsed());
        }
    }
    let _ = client.disconnect().await;
    Ok(latencies)
}

/// A 6324×6324 RGBA PNG of one colour: a few hundred KB that decode to
/// 160 MB.
fn bomb() -> Vec<u8> {
    let side = 6_324;
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgba8(image::RgbaImage::new(side, side))
        .write_to(&mut out, image::ImageFormat::Png)
        .expect("encode");
    out.into_inner()
}

async fn bombs(budget: Budget) -> Result<(), Box<dyn std::error::Error>> {
    const UPLOADS: usize = 30;
    let bomb = Arc::new(bomb());
    let before = high_water_mb();
    let dir = tempfile::tempdir()?;
    let server = start(dir.path(), |config| {
        config.logins_per_minute = 1_000;
        if let Budget::Unbounded = budget {
            config.decode_pixels_in_flight = u64::MAX / 2;
            config.decode_threads = UPLOADS;
        }
    })
    .await?;
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for i in 0..UPLOADS {
        tokens.push(server.login(&http, &format!("user{i}"), "bombs").await?);
    }
    let started = Instant::now();
    let uploads = tokens.into_iter().map(|token| {
        let (http, base, bomb) = (http.clone(), server.base.clone(), bomb.clone());
        tokio::spawn(async move {
            let form = reqwest::multipart::Form::new().part(
                "image",
                reqwest::multipart::Part::bytes(bomb.to_vec()).file_name("bomb.png"),
            );
            http.post(format!("{base}/api/chat/bombs/images/"))
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    });
    let mut statuses = std::collections::BTreeMap::new();
    for upload in uploads.collect::<Vec<_>>() {
        *statuses.entry(upload.await?.unwrap_or(0)).or_insert(0) += 1;
    }
    let elapsed = started.elapsed();
    let peak = high_water_mb();
    server.stop().await?;
    let label = match budget {
        Budget::Default => "decode budget (defaults: 80 MP, one thread per core)",
        Budget::Unbounded => "no budget (every upload decoded at once)",
    };
    println!(
        "{label}: {} KB bomb × {UPLOADS}; answers {statuses:?} in {elapsed:.1?}; peak RSS {peak} MB (before: {before} MB)",
        bomb.len() / 1024
    );
    let row = format!(
        "| {label} | {peak} | {:.1} | {statuses:?} |",
        elapsed.as_secs_f64()
    );
    let name = match budget {
        Budget::Default => "abuse-bombs-default",
        Budget::Unbounded => "abuse-bombs-unbounded",
    };
    let body = format!(
        "| {UPLOADS} × {} KB PNG bomb (6324×6324 RGBA, 160 MB decoded), at once | peak RSS MB | seconds | answers (status: count) |\n|---|---|---|---|\n{row}\n\n\
         Machine: {}. Reproduce: `cargo run -p bench --release -- abuse bombs --decode-budget {}`.",
        bomb.len() / 1024,
        report::machine(),
        match budget {
            Budget::Default => "default",
            Budget::Unbounded => "unbounded",
        }
    );
    report::write_section(Path::new("BENCHMARKS.md"), name, &body)?;
    Ok(())
}

/// The process's peak resident memory so far (`VmHWM`), in MB.
fn high_water_mb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}
