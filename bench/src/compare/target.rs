//! The servers under test, each its own process: this chat server's
//! release binary on SQLite, and the two references keeping messages in
//! memory: socketioxide alone and Node's socket.io. Their CPU time and
//! memory are read from `/proc`.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

type Result<T> = std::result::Result<T, super::wire::Error>;

/// Which server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Ours,
    Socketioxide,
    Node,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Ours, Kind::Socketioxide, Kind::Node];

    pub fn label(self) -> &'static str {
        match self {
            Kind::Ours => "this server",
            Kind::Socketioxide => "socketioxide alone",
            Kind::Node => "Node socket.io",
        }
    }
}

/// Where the programs to run are.
pub struct Programs {
    /// The release `server` binary.
    pub server: PathBuf,
    /// The built site (`target/site`), for the SSR page.
    pub site: PathBuf,
    /// `bench/reference/server.mjs`.
    pub reference: PathBuf,
    /// The release `socketioxide-reference` binary.
    pub socketioxide: PathBuf,
}

/// A running server under test.
pub struct Target {
    pub kind: Kind,
    pub addr: SocketAddr,
    child: Child,
    pid: u32,
    /// From spawning the process to its first healthy answer.
    pub cold_start: Duration,
    _data: tempfile::TempDir,
}

impl Target {
    /// Starts `kind` on a free port and waits until it answers.
    pub async fn start(kind: Kind, programs: &Programs) -> Result<Target> {
        let addr = free_port()?;
        let data = tempfile::tempdir()?;
        let mut command = match kind {
            Kind::Ours => ours(programs, addr, data.path()),
            Kind::Socketioxide => {
                let mut command = Command::new(&programs.socketioxide);
                command.env("PORT", addr.port().to_string());
                command
            }
            Kind::Node => {
                let mut command = Command::new("node");
                command
                    .arg(&programs.reference)
                    .env("PORT", addr.port().to_string());
                command
            }
        };
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let started = Instant::now();
        let child = command.spawn()?;
        let pid = child.id().ok_or("the server exited at once")?;
        let mut target = Target {
            kind,
            addr,
            child,
            pid,
            cold_start: Duration::ZERO,
            _data: data,
        };
        target.cold_start = target.wait_until_healthy(started).await?;
        Ok(target)
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn wait_until_healthy(&mut self, started: Instant) -> Result<Duration> {
        let http = reqwest::Client::new();
        let url = format!("{}/healthz", self.base());
        while started.elapsed() < Duration::from_secs(30) {
            if let Some(status) = self.child.try_wait()? {
                return Err(format!("{} exited: {status}", self.kind.label()).into());
            }
            if let Ok(reply) = http.get(&url).send().await
                && reply.status().is_success()
            {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        Err(format!("{} never became healthy", self.kind.label()).into())
    }

    /// CPU time the process has used so far (user + system).
    pub fn cpu(&self) -> Result<Duration> {
        process_cpu(self.pid)
    }

    /// Resident memory, in KiB.
    pub fn rss_kib(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let line = status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .ok_or("no VmRSS")?;
        Ok(line.split_whitespace().nth(1).ok_or("no VmRSS")?.parse()?)
    }

    pub async fn stop(mut self) -> Result<()> {
        self.child.kill().await?;
        Ok(())
    }
}

/// Our server with the settings a benchmark from one machine needs: the
/// per-address and per-user limits (which would refuse a load that all
/// comes from loopback addresses) lifted, everything else as shipped.
fn ours(programs: &Programs, addr: SocketAddr, data: &Path) -> Command {
    let mut command = Command::new(&programs.server);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LEPTOS_SITE_ADDR", addr.to_string())
        .env("LEPTOS_SITE_ROOT", &programs.site)
        .env("DATA_DIR", data)
        .env("MEDIA_DIR", data.join("media"))
        .env("RUST_LOG", "warn")
        .env("SEND_RATE", "1000000")
        .env("SEND_BURST", "1000000")
        .env("LOGINS_PER_MINUTE", "100000000")
        .env("ROOMS_PER_HOUR", "100000000")
        .env("MAX_CONNECTIONS_PER_IP", "1000000")
        .env("MAX_OPEN_CONNECTIONS", "1000000");
    command
}

/// CPU time process `pid` has used so far (user + system).
pub fn process_cpu(pid: u32) -> Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) in `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .ok_or("unreadable /proc stat")?
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    // /proc counts in USER_HZ, which Linux fixes at 100 for userspace.
    Ok(Duration::from_millis(ticks * 10))
}

fn free_port() -> Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?)
}
