//! Fan-out with sidebars: people each a member of many rooms, each
//! connection showing one of them, while some rooms are busy. Those who show
//! a busy room get its `message`s; every other member connected gets
//! `room_activity` for it (coalesced by the server), which keeps their
//! sidebar's counts. Measured: the server's CPU per delivered event, and
//! send → arrival of both.
//!
//! Beside it, the same people, rooms shown and messages with each person a
//! member of the room they show only: the single-room fan-out of the
//! `compare` bench, so the difference is what the sidebars cost.
//!
//! Layout: person `p` shows room `p % rooms`; their memberships are rooms
//! `(p + j × rooms / per_person) % rooms` for `j < per_person`, so every
//! room has the same number of members. Rooms `0..active` are busy, each
//! with one sender (someone who shows it) at a fixed rate.

use crate::compare::clock::{Latency, Recorder};
use crate::compare::crowd::{Member, Venue};
use crate::compare::load::{self, Pace, Sending, Window};
use crate::compare::target::{Kind, Programs, Target};
use crate::compare::wire::{Conn, Error};
use crate::report;
use futures::{StreamExt, TryStreamExt};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Error>;

const WARM_UP: Duration = Duration::from_secs(3);
/// People signing in and joining at once while the crowd gathers.
const GATHERING: usize = 64;

#[derive(clap::Args)]
pub struct Options {
    /// People, each on one connection.
    #[arg(long, default_value_t = 1_000)]
    people: usize,
    /// Rooms in all.
    #[arg(long, default_value_t = 100)]
    rooms: usize,
    /// Rooms each person is a member of.
    #[arg(long, default_value_t = 20)]
    per_person: usize,
    /// Busy rooms.
    #[arg(long, default_value_t = 50)]
    active: usize,
    /// Messages a second in each busy room.
    #[arg(long, default_value_t = 20.0)]
    rate: f64,
    /// Seconds each measurement lasts (after a warm-up).
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// The release server binary (by default the one beside this program).
    #[arg(long)]
    server: Option<PathBuf>,
    /// The built site.
    #[arg(long, default_value = "target/site")]
    site: PathBuf,
    /// Where to write the figures.
    #[arg(long, default_value = "BENCHMARKS.md")]
    report: PathBuf,
}

/// What one run measured.
#[derive(Debug)]
struct Run {
    members_per_room: usize,
    messages_per_s: f64,
    deliveries_per_s: f64,
    announcements_per_s: f64,
    cpu_per_event_us: f64,
    server_cores: f64,
    /// The load generator's own CPU use, in cores (on the same machine).
    generator_cores: f64,
    delivery_ms: Latency,
    announcement_ms: Latency,
    refused: u64,
}

pub async fn run(options: Options) -> std::result::Result<(), Box<dyn std::error::Error>> {
    measure_both(options)
        .await
        .map_err(|e| e as Box<dyn std::error::Error>)
}

async fn measure_both(options: Options) -> Result<()> {
    if !options.rooms.is_multiple_of(options.per_person) || options.active > options.rooms {
        return Err(
            "--rooms must be a multiple of --per-person, and --active at most --rooms".into(),
        );
    }
    let programs = Programs {
        server: match &options.server {
            Some(server) => server.clone(),
            None => std::env::current_exe()?.with_file_name("server"),
        },
        site: options.site.clone(),
        reference: PathBuf::new(),
        socketioxide: PathBuf::new(),
    };
    let window = Duration::from_secs(options.seconds.max(1));
    println!("== one room each (no sidebars)");
    let single = measure(&programs, &options, 1, window).await?;
    print_run(&single);
    println!("== {} rooms each", options.per_person);
    let sidebars = measure(&programs, &options, options.per_person, window).await?;
    print_run(&sidebars);
    report::write_section(
        &options.report,
        "sidebars",
        &markdown(&options, &single, &sidebars),
    )?;
    println!("wrote {}", options.report.display());
    Ok(())
}

/// One run on a fresh server, each person a member of `per_person` rooms.
async fn measure(
    programs: &Programs,
    options: &Options,
    per_person: usize,
    window: Duration,
) -> Result<Run> {
    let target = Target::start(Kind::Ours, programs).await?;
    let venue = Venue::new(target.addr)?;
    let recorder = Arc::new(Recorder::announcing());
    let started = Instant::now();
    let people: Vec<(usize, Conn)> = futures::stream::iter(0..options.people)
        .map(|p| enrol(&venue, options, per_person, p, recorder.clone()))
        .buffered(GATHERING)
        .try_collect()
        .await?;
    println!(
        "  {} people in {} rooms each, gathered in {:.1} s",
        people.len(),
        per_person,
        started.elapsed().as_secs_f64()
    );

    // One sender per busy room: its first person, who shows it.
    let sending = Arc::new(Sending::default());
    let mut senders = Vec::new();
    let mut listeners = Vec::new();
    for (p, conn) in people {
        let room = p % options.rooms;
        if p < options.rooms && room < options.active {
            let phase = Duration::from_secs_f64(room as f64 / options.active as f64 / options.rate);
            let member = Member {
                room: room_name(room),
                conn,
            };
            senders.push(tokio::spawn(load::send(
                member,
                Pace::Rate(options.rate),
                phase,
                recorder.clone(),
                sending.clone(),
            )));
        } else {
            listeners.push(conn);
        }
    }

    tokio::time::sleep(WARM_UP).await;
    let Window {
        elapsed,
        cpu,
        generator_cpu,
    } = load::measure(&target, &recorder, &sending, window, senders).await?;
    drop(listeners);
    target.stop().await?;

    let deliveries = recorder.deliveries() as f64;
    let announcements = recorder.announcements() as f64;
    Ok(Run {
        members_per_room: options.people * per_person / options.rooms,
        messages_per_s: sending.acked() as f64 / elapsed,
        deliveries_per_s: deliveries / elapsed,
        announcements_per_s: announcements / elapsed,
        cpu_per_event_us: cpu * 1e6 / (deliveries + announcements).max(1.0),
        server_cores: cpu / elapsed,
        generator_cores: generator_cpu / elapsed,
        delivery_ms: recorder.latency_ms(),
        announcement_ms: recorder.announcement_latency_ms(),
        refused: sending.refused(),
    })
}

fn room_name(room: usize) -> String {
    format!("side{room}")
}

/// Person `p` signs in and becomes a member of their rooms (a first
/// connection joins each), then opens the connection they keep, showing
/// one room. Their rooms are loaded as that connection opens, as for
/// anyone coming back.
async fn enrol(
    venue: &Venue,
    options: &Options,
    per_person: usize,
    p: usize,
    recorder: Arc<Recorder>,
) -> Result<(usize, Conn)> {
    let shown = room_name(p % options.rooms);
    let token = venue.sign_in(p, &format!("side{p}"), &shown).await?;
    if per_person > 1 {
        let step = options.rooms / per_person;
        let mut first = venue.connect(p, &token, None).await?;
        for j in 1..per_person {
            let room = room_name((p + j * step) % options.rooms);
            first.call("join", &json!({ "room": room })).await?;
        }
    }
    let mut conn = venue.connect(p, &token, Some(recorder)).await?;
    conn.call("join", &json!({ "room": shown })).await?;
    Ok((p, conn))
}

fn print_run(run: &Run) {
    println!(
        "  {:.0} messages/s → {:.0} message deliveries/s + {:.0} room_activity/s; {:.1} µs CPU per event ({:.2} cores; generator {:.2}); message p99 {:.1} ms, room_activity p99 {:.1} ms; refused {}",
        run.messages_per_s,
        run.deliveries_per_s,
        run.announcements_per_s,
        run.cpu_per_event_us,
        run.server_cores,
        run.generator_cores,
        run.delivery_ms.p99,
        run.announcement_ms.p99,
        run.refused
    );
}

fn markdown(options: &Options, single: &Run, sidebars: &Run) -> String {
    let date = chrono::Utc::now().format("%Y-%m-%d");
    let machine = report::machine();
    let n = |x: f64| report::thousands(x.round() as i64);
    let latency = |l: &Latency| format!("{:.1} / {:.1} / {:.0}", l.p50, l.p99, l.max);
    let row = |label: &str, run: &Run, announcements: bool| {
        let (rate, ms) = if announcements {
            (n(run.announcements_per_s), latency(&run.announcement_ms))
        } else {
            ("—".to_owned(), "—".to_owned())
        };
        format!(
            "| {label} | {} | {} | {} | {} | {rate} | {ms} | {:.1} µs | {:.2} | {:.2} | {} |",
            run.members_per_room,
            n(run.messages_per_s),
            n(run.deliveries_per_s),
            latency(&run.delivery_ms),
            run.cpu_per_event_us,
            run.server_cores,
            run.generator_cores,
            run.refused,
        )
    };
    format!(
        "## Fan-out with sidebars\n\n\
         Measured {date} on {machine}, release build, SQLite with durable commits. \
         {people} people, each on one connection showing one of {rooms} rooms ({viewers} show each); \
         {active} rooms busy at {rate} messages/s each, one sender apiece. \
         With sidebars each person is a member of {per_person} rooms, so a busy room's message goes as \
         `message` to the connections showing it and as `room_activity` to every other member connected \
         (coalesced: a room's news waits 250 ms from its first message, then goes out once); without, each is a member of the room they show only \
         (the single-room fan-out of *Side by side* above, at this bench's rate). \
         Each figure is over {seconds} s after {warm} s of warm-up; the load generator shares the \
         machine's cores. CPU per event is the server's user + system time over messages and \
         `room_activity` delivered; `message` latency is from its send to its arrival; `room_activity` \
         latency from the send of the oldest message a notice is the first to tell that connection of \
         to the notice's arrival (how far a sidebar lags).\n\n\
         | rooms per person | members per room | messages/s | `message` deliveries/s | `message` p50 / p99 / max, ms | `room_activity`/s | `room_activity` p50 / p99 / max, ms | server CPU per event | server cores | generator cores | refused |\n\
         |---|---|---|---|---|---|---|---|---|---|---|\n\
         {single_row}\n{sidebar_row}\n\n\
         What the sidebars add: {added:.2} cores for {announced} `room_activity`/s, {per:.1} µs each.\n\n\
         Reproduce: `cargo run -p bench --release -- sidebars` (`--people`, `--rooms`, `--per-person`, \
         `--active`, `--rate`, `--seconds` to vary; run `scripts/build-site.sh` first).",
        people = report::thousands(options.people as i64),
        rooms = options.rooms,
        viewers = options.people / options.rooms,
        active = options.active,
        rate = options.rate,
        per_person = options.per_person,
        seconds = options.seconds,
        warm = WARM_UP.as_secs(),
        added = sidebars.server_cores - single.server_cores,
        announced = n(sidebars.announcements_per_s),
        per = (sidebars.server_cores - single.server_cores) * 1e6
            / sidebars.announcements_per_s.max(1.0),
        single_row = row("1", single, false),
        sidebar_row = row(&options.per_person.to_string(), sidebars, true),
    )
}
