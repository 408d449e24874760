//! This server beside Node's socket.io and beside socketioxide alone, under
//! the same load from the same generator: fan-out at a fixed rate and in a
//! closed loop, acked messages a second, idle connections, cold start; and
//! what only this server has (the server-rendered room page, the first
//! visit's bundle).
//!
//! Each server runs as its own process, started fresh for the idle
//! connections; its CPU time and memory come from `/proc`. Ours runs its
//! release binary on SQLite with durable commits; the two references
//! (`bench/reference/`) keep messages in memory only. Socketioxide alone
//! separates what the library costs (against Node) from what this server
//! adds on top of it (storing, checking, limiting).

pub(crate) mod clock;
pub(crate) mod crowd;
pub(crate) mod load;
mod page;
pub(crate) mod target;
pub(crate) mod wire;

use crate::report;
use load::{Delivery, Idle, Layout, Pace};
use std::path::PathBuf;
use std::time::Duration;
use target::{Kind, Programs, Target};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(clap::Args)]
pub struct Options {
    /// Seconds each measurement lasts (after two seconds of warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Deliveries a second offered in the fixed-rate run.
    #[arg(long, default_value_t = 20_000.0)]
    deliveries: f64,
    /// Rooms in the fan-out runs.
    #[arg(long, default_value_t = 10)]
    rooms: usize,
    /// Members of each room.
    #[arg(long, default_value_t = 50)]
    members: usize,
    /// Members of each room who send.
    #[arg(long, default_value_t = 2)]
    senders_per_room: usize,
    /// Senders, each alone in a room, in the acked-messages run.
    #[arg(long, default_value_t = 256)]
    acked_senders: usize,
    /// Idle connections held.
    #[arg(long, default_value_t = 100_000)]
    idle: usize,
    /// Only measure memory per idle connection, print it and write nothing
    /// (for trying out memory settings).
    #[arg(long)]
    idle_only: bool,
    /// The release server binary (by default the one beside this program).
    #[arg(long)]
    server: Option<PathBuf>,
    /// The built site.
    #[arg(long, default_value = "target/site")]
    site: PathBuf,
    /// The Node reference server.
    #[arg(long, default_value = "bench/reference/server.mjs")]
    reference: PathBuf,
    /// Where to write the figures.
    #[arg(long, default_value = "BENCHMARKS.md")]
    report: PathBuf,
    /// Where to write them as JSON.
    #[arg(long, default_value = "bench/compare.json")]
    json: PathBuf,
}

/// Everything one server measured.
#[derive(Debug, serde::Serialize)]
struct Run {
    server: Kind,
    cold_start_ms: f64,
    fixed_rate: Delivery,
    closed_loop: Delivery,
    acked: Delivery,
    idle: Idle,
    room_page: Option<page::Page>,
}

#[derive(Debug, serde::Serialize)]
struct Results {
    date: String,
    machine: String,
    versions: Versions,
    offered_deliveries_per_s: f64,
    fan_out: Layout,
    acked_senders: usize,
    /// Open files a process may have here: bounds the idle connections.
    fd_limit: u64,
    seconds: u64,
    runs: Vec<Run>,
    bundle: page::Bundle,
}

#[derive(Debug, serde::Serialize)]
struct Versions {
    chat: &'static str,
    socketioxide: String,
    node: String,
    socket_io: String,
}

pub async fn run(options: Options) -> std::result::Result<(), Box<dyn std::error::Error>> {
    compare(options)
        .await
        .map_err(|e| e as Box<dyn std::error::Error>)
}

async fn compare(options: Options) -> Result<()> {
    let programs = Programs {
        server: match &options.server {
            Some(server) => server.clone(),
            None => std::env::current_exe()?.with_file_name("server"),
        },
        site: options.site.clone(),
        reference: options.reference.clone(),
        socketioxide: std::env::current_exe()?.with_file_name("socketioxide-reference"),
    };
    let idle = raise_fd_limit(options.idle)?;
    let fd_limit = rlimit::Resource::NOFILE.get()?.1;
    let bundle = page::bundle(&options.site.join("pkg"))?;
    let versions = Versions {
        chat: env!("CARGO_PKG_VERSION"),
        socketioxide: locked_version("socketioxide")?,
        node: command_output("node", &["--version"])?,
        socket_io: reference_version(&options.reference)?,
    };
    let layout = Layout {
        rooms: options.rooms,
        members: options.members,
        senders_per_room: options.senders_per_room,
    };
    if options.idle_only {
        for kind in Kind::ALL {
            println!("== {}", kind.label());
            measure_idle(kind, &programs, idle).await?;
        }
        return Ok(());
    }
    let window = Duration::from_secs(options.seconds.max(1));
    let mut runs = Vec::new();
    for kind in Kind::ALL {
        runs.push(measure(kind, &programs, &options, layout, window, idle).await?);
    }
    let results = Results {
        date: chrono::Utc::now().format("%Y-%m-%d").to_string(),
        machine: report::machine(),
        versions,
        offered_deliveries_per_s: options.deliveries,
        fan_out: layout,
        acked_senders: options.acked_senders,
        fd_limit,
        seconds: window.as_secs(),
        runs,
        bundle,
    };
    std::fs::write(&options.json, serde_json::to_string_pretty(&results)?)?;
    report::write_section(&options.report, "compare", &markdown(&results))?;
    println!(
        "wrote {} and {}",
        options.report.display(),
        options.json.display()
    );
    Ok(())
}

async fn measure(
    kind: Kind,
    programs: &Programs,
    options: &Options,
    layout: Layout,
    window: Duration,
    idle: usize,
) -> Result<Run> {
    println!("== {}", kind.label());
    let target = Target::start(kind, programs).await?;
    let cold_start_ms = target.cold_start.as_secs_f64() * 1000.0;
    println!("  cold start: {cold_start_ms:.0} ms");

    let rate = load::rate_for(layout, options.deliveries);
    println!(
        "  fan-out at {:.0} deliveries/s ({} rooms of {}, {} senders each at {rate:.1} msg/s)…",
        load::offered(layout, rate),
        layout.rooms,
        layout.members,
        layout.senders_per_room
    );
    let fixed_rate = load::deliver(&target, layout, Pace::Rate(rate), window).await?;
    print_delivery(&fixed_rate);
    println!("  fan-out, closed loop…");
    let closed_loop = load::deliver(&target, layout, Pace::ClosedLoop, window).await?;
    print_delivery(&closed_loop);
    println!("  acked messages, {} senders…", options.acked_senders);
    let alone = Layout {
        rooms: options.acked_senders,
        members: 1,
        senders_per_room: 1,
    };
    let acked = load::deliver(&target, alone, Pace::ClosedLoop, window).await?;
    println!(
        "    {:.0} acked/s, server {:.2} cores",
        acked.acks_per_s, acked.server_cores
    );
    let room_page = match kind {
        Kind::Ours => {
            println!("  room page…");
            let page = page::room_page(&target, 1000).await?;
            println!("    p50 {:.2} ms, p99 {:.2} ms", page.p50_ms, page.p99_ms);
            Some(page)
        }
        Kind::Socketioxide | Kind::Node => None,
    };
    target.stop().await?;
    let idle = measure_idle(kind, programs, idle).await?;
    Ok(Run {
        server: kind,
        cold_start_ms,
        fixed_rate,
        closed_loop,
        acked,
        idle,
        room_page,
    })
}

/// Memory per idle connection, on a freshly started server.
async fn measure_idle(kind: Kind, programs: &Programs, count: usize) -> Result<Idle> {
    println!("  {count} idle connections (fresh process)…");
    let target = Target::start(kind, programs).await?;
    let idle = load::idle(&target, count).await?;
    println!(
        "    {:.1} KiB each ({} → {} KiB RSS), connected in {:.0} s",
        idle.kib_per_connection, idle.rss_before_kib, idle.rss_after_kib, idle.seconds_to_connect
    );
    target.stop().await?;
    Ok(idle)
}

fn print_delivery(d: &Delivery) {
    println!(
        "    {:.0} deliveries/s, {:.1} µs server CPU each ({:.2} cores), p50 {:.1} / p99 {:.1} / max {:.1} ms{}",
        d.deliveries_per_s,
        d.cpu_per_delivery_us,
        d.server_cores,
        d.latency_ms.p50,
        d.latency_ms.p99,
        d.latency_ms.max,
        if d.refused > 0 {
            format!(", {} sends REFUSED", d.refused)
        } else {
            String::new()
        }
    );
}

/// Open files each process may have beside its idle connections (the
/// HTTP clients, the database, the reference's own files).
const SPARE_FILES: u64 = 1_000;

/// Raises this process's open-file limit (the servers it starts inherit
/// it) as far as `idle` connections need or the hard limit allows, and
/// returns how many idle connections fit.
fn raise_fd_limit(idle: usize) -> Result<usize> {
    let wanted = idle as u64 + SPARE_FILES;
    let (_, hard) = rlimit::Resource::NOFILE.get()?;
    // Raising the hard limit takes privileges (CAP_SYS_RESOURCE).
    if rlimit::Resource::NOFILE
        .set(wanted, wanted.max(hard))
        .is_ok()
    {
        return Ok(idle);
    }
    rlimit::Resource::NOFILE.set(hard, hard)?;
    let fit = hard.saturating_sub(SPARE_FILES) as usize;
    if fit < idle {
        println!(
            "the open-file limit is {hard} per process and cannot be raised here: \
             holding {fit} idle connections instead of {idle}"
        );
    }
    Ok(fit.min(idle))
}

fn command_output(program: &str, args: &[&str]) -> Result<String> {
    let output = std::process::Command::new(program).args(args).output()?;
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// The version of `package` this workspace builds, from `Cargo.lock`.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string("Cargo.lock")?;
    let name = format!("name = \"{package}\"\n");
    let after = lock
        .split_once(&name)
        .ok_or_else(|| format!("{package} is not in Cargo.lock"))?
        .1;
    Ok(after
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("version = "))
        .unwrap_or("?")
        .trim_matches('"')
        .to_owned())
}

fn reference_version(reference: &std::path::Path) -> Result<String> {
    let manifest = reference.with_file_name("node_modules/socket.io/package.json");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).map_err(|e| {
            format!(
                "{}: {e} (run npm ci in bench/reference)",
                manifest.display()
            )
        })?)?;
    Ok(manifest["version"].as_str().unwrap_or("?").to_owned())
}

fn markdown(results: &Results) -> String {
    let [ours, alone, node] = [&results.runs[0], &results.runs[1], &results.runs[2]];
    let n = |x: f64| report::thousands(x.round() as i64);
    let kb = |bytes: u64| format!("{:.0} KB", bytes as f64 / 1000.0);
    let latency = |d: &Delivery| {
        format!(
            "{:.1} / {:.1} / {:.0}",
            d.latency_ms.p50, d.latency_ms.p99, d.latency_ms.max
        )
    };
    // One row: each server's figure, then ours over Node's.
    let row = |label: &str, figure: &dyn Fn(&Run) -> String, of: fn(&Run) -> f64, target: &str| {
        format!(
            "| {label} | {} | {} | {} | {:.2} | {target} |",
            figure(ours),
            figure(alone),
            figure(node),
            of(ours) / of(node)
        )
    };
    let page = ours.room_page.as_ref().map_or("—".into(), |p| {
        format!("{:.2} / {:.2}", p.p50_ms, p.p99_ms)
    });
    let rows = [
        row(
            &format!(
                "server CPU per delivery at {} deliveries/s",
                n(results.offered_deliveries_per_s)
            ),
            &|r| format!("{:.1} µs", r.fixed_rate.cpu_per_delivery_us),
            |r| r.fixed_rate.cpu_per_delivery_us,
            "≤ 0.70",
        ),
        row(
            "delivery p50 / p99 / max at that rate, ms (ratio of p99s)",
            &|r| latency(&r.fixed_rate),
            |r| r.fixed_rate.latency_ms.p99,
            "p99 ≤ 5 ms",
        ),
        row(
            "closed loop (one send in flight per sender), deliveries/s",
            &|r| n(r.closed_loop.deliveries_per_s),
            |r| r.closed_loop.deliveries_per_s,
            "≥ 1.20",
        ),
        row(
            "closed loop delivery p50 / p99 / max, ms (ratio of p99s)",
            &|r| latency(&r.closed_loop),
            |r| r.closed_loop.latency_ms.p99,
            "",
        ),
        row(
            &format!(
                "acked messages/s, {} senders each alone in a room (ours stored durably)",
                results.acked_senders
            ),
            &|r| n(r.acked.acks_per_s),
            |r| r.acked.acks_per_s,
            "",
        ),
        format!(
            "| idle connections held | {} | {} | {} | | 100,000 |",
            n(ours.idle.connections as f64),
            n(alone.idle.connections as f64),
            n(node.idle.connections as f64)
        ),
        row(
            "memory per idle connection (RSS growth / connections)",
            &|r| format!("{:.1} KiB", r.idle.kib_per_connection),
            |r| r.idle.kib_per_connection,
            "≤ 12 KiB",
        ),
        row(
            "cold start (spawn → first healthy answer)",
            &|r| format!("{:.0} ms", r.cold_start_ms),
            |r| r.cold_start_ms,
            "",
        ),
        format!("| server-rendered room page p50 / p99, ms | {page} | — | — | | |"),
        format!(
            "| first visit's WASM + JS + CSS, brotli (gzip; raw) | {} ({}; {}) | — | — | | ≤ 250 KB |",
            kb(results.bundle.brotli_bytes),
            kb(results.bundle.gzip_bytes),
            kb(results.bundle.raw_bytes)
        ),
    ];
    format!(
        "## Side by side with Node's socket.io\n\n\
         Measured {date} on {machine}. This server {chat} (release build, SQLite, every message \
         committed durably before its ack), and two references speaking the same events with \
         **messages kept in memory only**: socketioxide {sioxide} alone \
         (`bench/reference/socketioxide.rs`: what this server is built on, with nothing stored, \
         checked or limited) and Node {node} with socket.io {sio} \
         (`bench/reference/server.mjs`). Each runs as its own process, under the same load \
         from the same generator (raw Engine.IO over WebSocket, from 200 loopback addresses, \
         sharing the machine's cores with the server). Fan-out: {rooms} rooms of {members}, \
         {senders} senders per room, every message delivered to the {fan} others; each \
         figure over {seconds} s after 2 s of warm-up. Server CPU is user + system time from \
         `/proc`. Idle connections are measured on a freshly started server: each signs in, \
         connects and joins a room of 10; this machine allows {fd_limit} open files per \
         process, which bounds how many connections one server (or the generator) can hold \
         here. The ratio is this server's figure over Node's.\n\n\
         | | this server | socketioxide alone | Node socket.io | ratio | target |\n\
         |---|---|---|---|---|---|\n\
         {rows}\n\n\
         Reproduce: `bench/compare.sh` (builds release, installs the Node reference's \
         packages, runs the three servers in turn; figures also in `bench/compare.json`).",
        date = results.date,
        machine = results.machine,
        chat = results.versions.chat,
        sioxide = results.versions.socketioxide,
        node = results.versions.node,
        sio = results.versions.socket_io,
        rooms = results.fan_out.rooms,
        members = results.fan_out.members,
        senders = results.fan_out.senders_per_room,
        fan = results.fan_out.members - 1,
        seconds = results.seconds,
        fd_limit = report::thousands(results.fd_limit as i64),
        rows = rows.join("\n"),
    )
}
