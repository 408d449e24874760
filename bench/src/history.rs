//! Page latency at the newest, middle and oldest page of a very long room.

use crate::backends::{self, Choice};
use crate::report;
use crate::running::Running;
use crate::seed::{id_at_seq, seed};
use crate::stats::Samples;
use chat_core::store::{self, Backend, PoolSettings};
use chat_core::testing::ScratchDb;
use server::config::Config;
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

const ROOM: &str = "bench";
const PAGE: i64 = 50;
const WARMUP: usize = 100;

#[derive(clap::Args)]
pub struct Options {
    /// Messages in the measured room.
    #[arg(long, default_value_t = 1_000_000)]
    messages: i64,
    /// Timed requests per path and position.
    #[arg(long, default_value_t = 1_000)]
    samples: usize,
    /// Backends to measure (repeat the flag); all of them by default.
    #[arg(long, value_enum)]
    backend: Vec<Choice>,
    /// Where to write the figures.
    #[arg(long, default_value = "BENCHMARKS.md")]
    report: PathBuf,
}

type Result<T> = std::result::Result<T, Box<dyn Error>>;

pub async fn run(options: Options) -> Result<()> {
    backends::on_each(&options.backend, async |backend, db| {
        run_on(&options, backend, db).await
    })
    .await
}

async fn run_on(options: &Options, backend: Backend, db: &ScratchDb) -> Result<()> {
    let url = db.url();
    // Migrate first, then fill the tables directly.
    store::connect(url, &PoolSettings::default())
        .await?
        .close()
        .await;
    let started = Instant::now();
    let others = seed(backend, url, options.messages).await?;
    let seeding = started.elapsed();
    println!(
        "{}: seeded {} + {others} messages in {seeding:.1?}",
        backends::label(backend),
        options.messages
    );

    let dir = tempfile::tempdir()?;
    let mut config = Config::for_data_dir(dir.path());
    config.database_url = Some(url.to_owned().into());
    let server = Running::start(config).await?;

    let http = reqwest::Client::new();
    let cookie = format!("chat_session={}", server.login(&http, "Bench", ROOM).await?);

    // Positions, as the id a page is read before and the page number.
    let count = options.messages;
    let last_page = (count + PAGE - 1) / PAGE;
    let id_at = |seq: i64| id_at_seq(backend, url, seq);
    let positions = [
        ("newest", id_at(count).await? + 1, 1),
        ("middle", id_at(count / 2).await?, last_page / 2),
        ("oldest", id_at(PAGE + 1).await?, last_page),
    ];
    let mut rows = Vec::new();
    for path in ReadPath::ALL {
        let mut cells = Vec::new();
        for (name, before, page) in positions {
            let request = || path.request(&http, &server.base, &cookie, before, page);
            let samples = measure(request, options.samples).await?;
            println!(
                "{:<28} {name:<6} p50 {:.3} ms  p99 {:.3} ms",
                path.label(),
                samples.percentile_ms(50.0),
                samples.percentile_ms(99.0)
            );
            cells.push(format!(
                "{:.2} / {:.2}",
                samples.percentile_ms(50.0),
                samples.percentile_ms(99.0)
            ));
        }
        rows.push(format!("| {} | {} |", path.label(), cells.join(" | ")));
    }
    server.stop().await?;

    let body = format!(
        "## History pages at any depth ({label})\n\n\
         Measured {date} on {machine}, release build. A room of {count} messages \
         (plus {others} in another room, interleaved, so the room's ids are not contiguous); \
         seeding took {seeding:.1?}. Each figure is p50 / p99 in milliseconds over \
         {samples} sequential requests for a {PAGE}-message page, after {WARMUP} warm-up \
         requests, timed from sending the request to the last byte of the reply over \
         loopback HTTP with keep-alive.\n\n\
         | path | newest page | middle page | oldest page |\n\
         |---|---|---|---|\n\
         {rows}\n\n\
         Reproduce: `cargo run -p bench --release -- history --backend {flag}` \
         (`--messages`, `--samples` to vary{env}).",
        label = backends::label(backend),
        flag = backends::flag(backend),
        env = backends::env_note(backend),
        date = chrono::Utc::now().format("%Y-%m-%d"),
        count = report::thousands(count),
        others = report::thousands(others),
        machine = report::machine(),
        samples = options.samples,
        rows = rows.join("\n"),
    );
    report::write_section(
        &options.report,
        &backends::section("history", backend),
        &body,
    )?;
    println!("wrote {}", options.report.display());
    Ok(())
}

/// The read paths a page can be fetched through.
#[derive(Clone, Copy)]
enum ReadPath {
    History,
    RestPage,
}

impl ReadPath {
    const ALL: [ReadPath; 2] = [ReadPath::History, ReadPath::RestPage];

    fn label(self) -> &'static str {
        match self {
            ReadPath::History => "`GET /chat/<room>/history/`",
            ReadPath::RestPage => "`GET /api/chat/<room>/messages/?page=`",
        }
    }

    fn request(
        self,
        http: &reqwest::Client,
        base: &str,
        cookie: &str,
        before: i64,
        page: i64,
    ) -> reqwest::RequestBuilder {
        let request = match self {
            ReadPath::History => http.get(format!(
                "{base}/chat/{ROOM}/history/?before={before}&limit={PAGE}"
            )),
            ReadPath::RestPage => http.get(format!(
                "{base}/api/chat/{ROOM}/messages/?page={page}&page_size={PAGE}"
            )),
        };
        request.header(reqwest::header::COOKIE, cookie)
    }
}

async fn measure(request: impl Fn() -> reqwest::RequestBuilder, samples: usize) -> Result<Samples> {
    let mut timings = Vec::with_capacity(samples);
    for i in 0..WARMUP + samples {
        let started = Instant::now();
        let response = request().send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        let elapsed = started.elapsed();
        if !status.is_success() || body.len() < 100 {
            return Err(format!("bad reply {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        if i >= WARMUP {
            timings.push(elapsed);
        }
    }
    Ok(Samples::new(timings))
}
