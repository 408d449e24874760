//! Several server processes (the real binary) sharing one database and one
//! Redis, which they reach through a proxy the test can cut.

use crate::helpers::Endpoint;
use crate::proxy::TcpProxy;
use chat_core::store::Backend;
use chat_core::testing::ScratchDb;
use std::net::SocketAddr;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// What the nodes of one test share.
pub struct Shared {
    db: ScratchDb,
    redis_url: String,
    redis_addr: SocketAddr,
    /// Every node reaches Redis through it.
    pub redis: TcpProxy,
    prefix: String,
    secret: String,
    dir: tempfile::TempDir,
}

impl Shared {
    /// A fresh database on `backend` and a Redis key prefix of this test's
    /// own; `None` (skipped) when either server is not configured.
    pub async fn new(backend: Backend) -> Option<Self> {
        let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
            eprintln!("skipped: set TEST_REDIS_URL to run the tests of several nodes");
            return None;
        };
        let db = ScratchDb::create(backend).await?;
        let upstream = redis::Client::open(redis_url.as_str())
            .expect("TEST_REDIS_URL")
            .get_connection_info()
            .addr()
            .to_string();
        let upstream: SocketAddr = tokio::net::lookup_host(upstream)
            .await
            .expect("Redis address")
            .next()
            .expect("Redis address");
        Some(Shared {
            db,
            redis_url,
            redis_addr: upstream,
            redis: TcpProxy::start(upstream).await,
            prefix: format!("chat_test_{}", random_hex()),
            secret: random_hex().repeat(4),
            dir: tempfile::tempdir().expect("temp dir"),
        })
    }

    /// Starts a node named `name` (its data directory is its own).
    pub async fn node(&self, name: &str) -> Node {
        self.node_with(name, &[]).await
    }

    /// Another way to Redis, which a test can cut for some nodes only.
    pub async fn redis_proxy(&self) -> TcpProxy {
        TcpProxy::start(self.redis_addr).await
    }

    /// Starts a node with extra settings (`("SEND_RATE", "1")`, …).
    pub async fn node_with(&self, name: &str, settings: &[(&str, &str)]) -> Node {
        self.node_via(name, &self.redis, settings).await
    }

    /// Starts a node that reaches Redis through `redis`.
    pub async fn node_via(&self, name: &str, redis: &TcpProxy, settings: &[(&str, &str)]) -> Node {
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .env_clear()
            .env("RUST_LOG", "info")
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("DATA_DIR", self.dir.path().join(name))
            .env("DATABASE_URL", self.db.url())
            .env("REDIS_URL", format!("redis://{}", redis.addr))
            .env("REDIS_PREFIX", &self.prefix)
            .env("SECRET_KEY", &self.secret)
            .env("LOGINS_PER_MINUTE", "100000")
            .env("ROOMS_PER_HOUR", "100000")
            .envs(settings.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("start the server binary");
        let addr = listening_address(&mut child, name).await;
        let endpoint = Endpoint::new(addr);
        endpoint.wait_until_healthy().await;
        Node { endpoint, child }
    }
}

impl Drop for Shared {
    /// Removes this test's keys from the shared Redis.
    fn drop(&mut self) {
        let Ok(mut redis) =
            redis::Client::open(self.redis_url.as_str()).and_then(|c| c.get_connection())
        else {
            return;
        };
        let keys: Vec<String> = redis::cmd("KEYS")
            // The server wraps the prefix in braces (a cluster hash tag).
            .arg(format!("{{{}}}:*", self.prefix))
            .query(&mut redis)
            .unwrap_or_default();
        if !keys.is_empty() {
            let _ = redis::cmd("DEL").arg(keys).exec(&mut redis);
        }
    }
}

/// One server process.
pub struct Node {
    endpoint: Endpoint,
    child: Child,
}

impl std::ops::Deref for Node {
    type Target = Endpoint;

    fn deref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Node {
    /// Kills the process outright (SIGKILL): no goodbye to anyone.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("kill the node");
    }

    /// Stops the process as a supervisor would (SIGTERM) and waits.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .arg(pid.to_string())
                .status();
        }
        let _ = tokio::time::timeout(crate::helpers::WAIT, self.child.wait()).await;
    }
}

/// Reads the node's output until it says where it listens, then passes
/// the rest on to the test's output (shown when the test fails).
async fn listening_address(child: &mut Child, name: &str) -> SocketAddr {
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let announced = async {
        while let Some(line) = stdout.next_line().await.expect("server output") {
            if let Some(addr) = line.strip_prefix("listening on http://") {
                return addr.parse().expect("a socket address");
            }
        }
        panic!("node {name} exited before listening");
    };
    let addr = tokio::time::timeout(crate::helpers::WAIT, announced)
        .await
        .unwrap_or_else(|_| panic!("node {name} did not start"));
    tokio::spawn(pass_on(stdout, name.to_owned()));
    tokio::spawn(pass_on(stderr, name.to_owned()));
    addr
}

async fn pass_on<R: tokio::io::AsyncBufRead + Unpin>(mut lines: tokio::io::Lines<R>, name: String) {
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("[{name}] {line}");
    }
}

fn random_hex() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random bytes");
    hex::encode(bytes)
}

/// A Redis Cluster of three primaries on local ports, for one test.
pub struct RedisCluster {
    /// `redis://…` of every node, comma-separated (`REDIS_URL`).
    pub urls: String,
    ports: Vec<u16>,
    servers: Vec<std::process::Child>,
    _dir: tempfile::TempDir,
}

impl RedisCluster {
    /// Starts the servers and forms the cluster; `None` (skipped) without
    /// `redis-server` and `redis-cli`.
    pub async fn start() -> Option<Self> {
        let installed = |program: &str| {
            std::process::Command::new(program)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        if !installed("redis-server") || !installed("redis-cli") {
            eprintln!("skipped: redis-server and redis-cli are needed for a Redis Cluster");
            return None;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let ports = free_port_pairs(3);
        let mut servers = Vec::new();
        for port in &ports {
            let server = std::process::Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args([
                    "--cluster-enabled",
                    "yes",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .arg("--cluster-config-file")
                .arg(dir.path().join(format!("nodes-{port}.conf")))
                .arg("--dir")
                .arg(dir.path())
                .stdout(Stdio::null())
                .spawn()
                .expect("start redis-server");
            servers.push(server);
        }
        let cluster = RedisCluster {
            urls: ports
                .iter()
                .map(|p| format!("redis://127.0.0.1:{p}"))
                .collect::<Vec<_>>()
                .join(","),
            ports: ports.clone(),
            servers,
            _dir: dir,
        };
        for port in &ports {
            wait_for(|| cli(*port, &["PING"]).contains("PONG")).await;
        }
        let mut create = std::process::Command::new("redis-cli");
        create.args(["--cluster", "create"]);
        for port in &ports {
            create.arg(format!("127.0.0.1:{port}"));
        }
        let created = create
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("redis-cli --cluster create");
        assert!(created.status.success(), "{created:?}");
        for port in &ports {
            wait_for(|| cli(*port, &["CLUSTER", "INFO"]).contains("cluster_state:ok")).await;
        }
        Some(cluster)
    }
}

impl RedisCluster {
    /// Keys over every node of the cluster.
    pub fn keys(&self) -> usize {
        self.ports
            .iter()
            .map(|port| cli(*port, &["DBSIZE"]).trim().parse::<usize>().unwrap_or(0))
            .sum()
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for server in &mut self.servers {
            let _ = server.kill();
            let _ = server.wait();
        }
    }
}

fn cli(port: u16, args: &[&str]) -> String {
    std::process::Command::new("redis-cli")
        .args(["-p", &port.to_string()])
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

async fn wait_for(mut ready: impl FnMut() -> bool) {
    for _ in 0..100 {
        if ready() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the Redis Cluster did not come up");
}

/// Ports free along with their cluster bus port (10000 higher).
fn free_port_pairs(count: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    let mut bytes = [0u8; 2];
    while ports.len() < count {
        getrandom::fill(&mut bytes).expect("random bytes");
        let port = 20_000 + u16::from_le_bytes(bytes) % 10_000;
        let free = |p: u16| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok();
        if !ports.contains(&port) && free(port) && free(port + 10_000) {
            ports.push(port);
        }
    }
    ports
}
