//! What abuse costs everyone else, on the embedded SQLite default:
//!
//! - a login flood (8 clients logging in to new rooms as fast as they can)
//!   against a normal user's send latency, with the login and room limits
//!   on (the defaults) and lifted (as before they existed);
//! - the server process's peak memory while 30 sign-ins upload a
//!   decompression bomb each at once (a 6324×6324 PNG of a few hundred KB,
//!   160 MB decoded), within the decode budget and without one.
//!
//! - a flood of wrong-password sign-ins (500, from 8 clients) against a
//!   normal user's send latency, with the password hashing pool at its
//!   default size and as if it had none (a thread per sign-in).
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
    /// Send latency of one user while others guess passwords.
    Passwords {
        /// Wrong-password sign-ins in the flood.
        #[arg(long, default_value_t = 500)]
        sign_ins: usize,
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
        What::Passwords { sign_ins } => passwords(sign_ins).await,
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

/// How the flood of wrong passwords went.
#[derive(Default)]
struct Guesses {
    checked: AtomicU64,
    refused: AtomicU64,
}

/// The account whose password the flood guesses.
const VICTIM: &str = "Bob";

async fn passwords(sign_ins: usize) -> Result<(), Box<dyn std::error::Error>> {
    const SENDS: usize = 1_000;
    let mut rows = Vec::new();
    // Unbounded last: memory it takes is not given back to the next run.
    for (label, flood, threads) in [
        ("no flood", false, 0),
        ("flood, hashing pool (default: a thread per core)", true, 0),
        // Not a thread per sign-in: on this machine that ran out of its
        // 24 GB (each hash holds 19 MiB, and each thread's allocator keeps
        // what it freed).
        ("flood, 64 hashing threads", true, 64),
    ] {
        let dir = tempfile::tempdir()?;
        let server = start(dir.path(), |config| {
            config.password_hashing_threads = threads;
            // Only the hashing pool stands in the flood's way.
            config.logins_per_minute = 1_000_000_000;
            config.login_failures_per_minute = 1_000_000_000;
            config.max_connections_per_ip = 10_000;
        })
        .await?;
        let http = reqwest::Client::new();
        let token = server.login(&http, "Alice", "general").await?;
        // The account the flood guesses at.
        let registered = http
            .post(format!("{}/api/register", server.base))
            .json(&json!({"username": VICTIM, "password": "a long and quiet river"}))
            .send()
            .await?;
        if !registered.status().is_success() {
            return Err(format!("registering {VICTIM}: {}", registered.status()).into());
        }
        let guesses = Arc::new(Guesses::default());
        let done = Arc::new(AtomicBool::new(false));
        let peak_rss = Arc::new(AtomicU64::new(0));
        let sampler = {
            let (done, peak_rss) = (done.clone(), peak_rss.clone());
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    peak_rss.fetch_max(resident_mb(), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        };
        let cpu_before = process_cpu_seconds();
        let started = Instant::now();
        let flooders = flood.then(|| {
            let (base, guesses, done) = (server.base.clone(), guesses.clone(), done.clone());
            std::thread::spawn(move || guess_from_elsewhere(&base, sign_ins, &guesses, &done))
        });
        // Without a bound, the user may not get through at all.
        let sent = send_many(&server.base, &token, SENDS).await;
        let elapsed = started.elapsed().as_secs_f64();
        let cores = (process_cpu_seconds() - cpu_before) / elapsed;
        done.store(true, Ordering::Relaxed);
        if let Some(flooders) = flooders {
            let _ = flooders.join();
        }
        let _ = sampler.await;
        let (p50, p99) = match sent {
            Ok(latencies) => {
                let samples = Samples::new(latencies);
                let (p50, p99) = (samples.percentile_ms(50.0), samples.percentile_ms(99.0));
                (format!("{p50:.2}"), format!("{p99:.2}"))
            }
            Err(e) => (format!("failed ({e})"), "—".to_owned()),
        };
        let (checked, refused) = (
            guesses.checked.load(Ordering::Relaxed),
            guesses.refused.load(Ordering::Relaxed),
        );
        let peak = peak_rss.load(Ordering::Relaxed);
        println!(
            "{label:<50} send p50 {p50} ms  p99 {p99} ms; sign-ins checked {checked}, refused {refused}; peak RSS {peak} MB; {cores:.2} cores over {elapsed:.1} s"
        );
        rows.push(format!(
            "| {label} | {p50} | {p99} | {checked} | {refused} | {peak} | {cores:.2} | {elapsed:.1} |"
        ));
        server.stop().await?;
    }
    let body = format!(
        "## Password guessing against a normal user's sends (SQLite)\n\n\
         One user sends {SENDS} messages one after another (latency to the ack) while 8 \
         clients keep {sign_ins} sign-ins to one account with wrong passwords in flight between them \
         (each sends its share at once, and again as soon as it is answered). The flood runs \
         on a thread of its own at the lowest priority, standing in for the attacker's own \
         machine. Peak RSS and CPU are the whole benchmark process (server and clients), \
         sampled every 20 ms; a user who cannot connect within 10 s, or waits 30 s for an \
         ack, is a failed run.\n\n\
         | run | send p50 ms | send p99 ms | sign-ins checked (401) | refused (429) | peak RSS MB | CPU cores | seconds |\n\
         |---|---|---|---|---|---|---|---|\n{}\n\n\
         Machine: {}. Reproduce: `cargo run -p bench --release -- abuse passwords`.",
        rows.join("\n"),
        report::machine()
    );
    report::write_section(Path::new("BENCHMARKS.md"), "abuse-passwords", &body)?;
    Ok(())
}

/// The flood: `FLOODERS` clients keeping `sign_ins` wrong-password
/// sign-ins to `VICTIM`'s account in flight between them until `done`. They run on a thread and
/// runtime of their own at the lowest priority, standing in for an
/// attacker's own machine: the CPU measured against the user is the
/// server's, answering them.
fn guess_from_elsewhere(base: &str, sign_ins: usize, guesses: &Guesses, done: &AtomicBool) {
    const FLOODERS: usize = 8;
    // SAFETY: setpriority only reads its integer arguments; `0` names the
    // calling thread (Linux keeps a nice value per thread).
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 19);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the flood");
    let http = reqwest::Client::new();
    let clients = (0..FLOODERS).map(|f| {
        let http = http.clone();
        let share = sign_ins / FLOODERS + usize::from(f < sign_ins % FLOODERS);
        async move {
            // A script's way: all of its share at once, and again as soon
            // as they are answered.
            let mut round = 0;
            while !done.load(Ordering::Relaxed) {
                round += 1;
                let attempts = (0..share).map(|n| {
                    let guess = format!("guess{f}x{round}x{n}");
                    let body = json!({"username": VICTIM, "password": guess, "room": "general"});
                    http.post(format!("{base}/api/login")).json(&body).send()
                });
                for answer in futures::future::join_all(attempts).await {
                    match answer.map(|r| r.status().as_u16()) {
                        Ok(429) => guesses.refused.fetch_add(1, Ordering::Relaxed),
                        Ok(_) => guesses.checked.fetch_add(1, Ordering::Relaxed),
                        Err(_) => 0,
                    };
                }
            }
        }
    });
    runtime.block_on(futures::future::join_all(clients));
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
    proc_status_kb("VmHWM:").map_or(0, |kb| kb / 1024)
}

/// A `kB` figure of `/proc/self/status`.
fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
}

/// The process's resident memory now (`VmRSS`), in MB.
fn resident_mb() -> u64 {
    proc_status_kb("VmRSS:").map_or(0, |kb| kb / 1024)
}

/// CPU time the process has used (user and system), in seconds.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and
    // stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: f64 = fields
        .get(11..13)
        .map(|t| t.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    // Linux reports CPU time in clock ticks of 1/100 s.
    ticks / 100.0
}
