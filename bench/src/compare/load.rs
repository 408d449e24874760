//! The load scenarios, each against one running server.

use super::clock::{Latency, Recorder};
use super::crowd::{Member, Venue};
use super::target::{Target, process_cpu};
use super::wire::Error;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, Error>;

const WARM_UP: Duration = Duration::from_secs(2);

/// Rooms of members, some of whom send.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Layout {
    pub rooms: usize,
    pub members: usize,
    pub senders_per_room: usize,
}

impl Layout {
    /// Deliveries of one message: everyone in its room but the sender.
    fn fan_out(&self) -> usize {
        self.members - 1
    }

    fn senders(&self) -> usize {
        self.rooms * self.senders_per_room
    }
}

/// How the senders send.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Each sender at a fixed rate, whatever the acks (an open loop).
    Rate(f64),
    /// Each sender sends its next message when the last one is acked.
    ClosedLoop,
}

/// What one run measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Delivery {
    pub deliveries_per_s: f64,
    pub acks_per_s: f64,
    /// Server CPU time per delivery, in microseconds.
    pub cpu_per_delivery_us: f64,
    /// Server CPU use, in cores.
    pub server_cores: f64,
    pub latency_ms: Latency,
    /// Sends the server refused (should be 0).
    pub refused: u64,
}

/// Fans messages out in `layout` at `pace` for `window` after a warm-up.
pub async fn deliver(
    target: &Target,
    layout: Layout,
    pace: Pace,
    window: Duration,
) -> Result<Delivery> {
    let recorder = Arc::new(Recorder::default());
    let venue = Venue::new(target.addr)?;
    let tag = match pace {
        Pace::Rate(_) => "rate",
        Pace::ClosedLoop => "loop",
    };
    let members = venue
        .gather(
            tag,
            layout.rooms * layout.members,
            layout.members,
            Some(recorder.clone()),
            |_| {},
        )
        .await?;
    let (senders, receivers): (Vec<_>, Vec<_>) = members
        .into_iter()
        .enumerate()
        .partition(|(n, _)| n % layout.members < layout.senders_per_room);

    let sending = Arc::new(Sending::default());
    let count = senders.len();
    let tasks: Vec<_> = senders
        .into_iter()
        .enumerate()
        .map(|(n, (_, member))| {
            // Fixed-rate senders start spread over one period, so the load
            // is steady rather than a burst from everyone at once.
            let phase = match pace {
                Pace::Rate(rate) => Duration::from_secs_f64(n as f64 / count as f64 / rate),
                Pace::ClosedLoop => Duration::ZERO,
            };
            tokio::spawn(send(member, pace, phase, recorder.clone(), sending.clone()))
        })
        .collect();

    tokio::time::sleep(WARM_UP).await;
    let Window { elapsed, cpu, .. } = measure(target, &recorder, &sending, window, tasks).await?;
    drop(receivers);

    let deliveries = recorder.deliveries() as f64;
    Ok(Delivery {
        deliveries_per_s: deliveries / elapsed,
        acks_per_s: sending.acked() as f64 / elapsed,
        cpu_per_delivery_us: cpu * 1e6 / deliveries.max(1.0),
        server_cores: cpu / elapsed,
        latency_ms: recorder.latency_ms(),
        refused: sending.refused(),
    })
}

/// What one measuring window took.
pub struct Window {
    pub elapsed: f64,
    /// The server's CPU seconds.
    pub cpu: f64,
    /// This process's (the load generator's) CPU seconds.
    pub generator_cpu: f64,
}

/// Counts and times for `window` while the senders run, then stops them
/// and waits until each has.
pub async fn measure(
    target: &Target,
    recorder: &Recorder,
    sending: &Sending,
    window: Duration,
    senders: Vec<tokio::task::JoinHandle<Result<()>>>,
) -> Result<Window> {
    let cpu_before = target.cpu()?;
    let generator_before = process_cpu(std::process::id())?;
    recorder.measure(true);
    sending.measuring.store(true, Ordering::SeqCst);
    let started = Instant::now();
    tokio::time::sleep(window).await;
    recorder.measure(false);
    sending.measuring.store(false, Ordering::SeqCst);
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = (target.cpu()? - cpu_before).as_secs_f64();
    let generator_cpu = (process_cpu(std::process::id())? - generator_before).as_secs_f64();
    sending.stop.store(true, Ordering::SeqCst);
    for sender in senders {
        sender.await??;
    }
    Ok(Window {
        elapsed,
        cpu,
        generator_cpu,
    })
}

/// Offered deliveries a second for `rate` messages a second per sender.
pub fn offered(layout: Layout, rate: f64) -> f64 {
    layout.senders() as f64 * rate * layout.fan_out() as f64
}

/// The rate per sender that offers `deliveries` a second.
pub fn rate_for(layout: Layout, deliveries: f64) -> f64 {
    deliveries / (layout.senders() * layout.fan_out()) as f64
}

/// The senders' shared state: when to stop, whether acks count yet, and
/// how many came back.
#[derive(Default)]
pub struct Sending {
    stop: AtomicBool,
    measuring: AtomicBool,
    acked: AtomicU64,
    refused: AtomicU64,
}

impl Sending {
    /// Counts one ack; tells the recorder which id the message got (to
    /// time the `room_activity` that announces it).
    fn answered(&self, ack: &str, recorder: &Recorder) {
        if !ack.starts_with("{\"ok\":true") {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return;
        }
        recorder.stored(ack);
        if self.measuring.load(Ordering::Relaxed) {
            self.acked.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Messages acked while measuring.
    pub fn acked(&self) -> u64 {
        self.acked.load(Ordering::Relaxed)
    }

    /// Sends refused at any time (should be 0).
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// One sender: sends to its room at `pace` until told to stop.
pub async fn send(
    mut member: Member,
    pace: Pace,
    phase: Duration,
    recorder: Arc<Recorder>,
    sending: Arc<Sending>,
) -> Result<()> {
    let mut sent = 0u64;
    let clock = recorder.clone();
    let mut next = move || {
        sent += 1;
        json!({
            "room": member.room,
            "content": clock.stamp(),
            "client_id": format!("c{sent}"),
        })
    };
    match pace {
        Pace::ClosedLoop => {
            while !sending.stop.load(Ordering::Relaxed) {
                member.conn.emit("send_message", &next())?;
                sending.answered(&member.conn.ack().await?, &recorder);
            }
        }
        Pace::Rate(rate) => {
            let mut ticks = tokio::time::interval_at(
                tokio::time::Instant::now() + phase,
                Duration::from_secs_f64(1.0 / rate),
            );
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
            let mut in_flight = 0u64;
            while !sending.stop.load(Ordering::Relaxed) {
                tokio::select! {
                    _ = ticks.tick() => {
                        member.conn.emit("send_message", &next())?;
                        in_flight += 1;
                    }
                    ack = member.conn.ack(), if in_flight > 0 => {
                        sending.answered(&ack?, &recorder);
                        in_flight -= 1;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Memory held by idle connections.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Idle {
    pub connections: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub kib_per_connection: f64,
    pub seconds_to_connect: f64,
}

/// Signs in `count` people (10 to a room), connects and joins each, then
/// lets them sit; what the server's memory grew by, per connection.
pub async fn idle(target: &Target, count: usize) -> Result<Idle> {
    let venue = Venue::new(target.addr)?;
    let before = target.rss_kib()?;
    let started = Instant::now();
    let members = venue
        .gather("idle", count, 10, None, |n| {
            if n % 10_000 == 0 {
                println!("    {n} connected");
            }
        })
        .await?;
    let seconds_to_connect = started.elapsed().as_secs_f64();
    // Let presence announcements and first pings settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = target.rss_kib()?;
    let idle = Idle {
        connections: members.len(),
        rss_before_kib: before,
        rss_after_kib: after,
        kib_per_connection: after.saturating_sub(before) as f64 / members.len().max(1) as f64,
        seconds_to_connect,
    };
    drop(members);
    Ok(idle)
}
