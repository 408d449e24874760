//! Settings, from command-line flags or the environment. The clap
//! attributes below are the one place each default and each allowed range
//! is written: [`Config::for_data_dir`] starts from the same defaults, and a
//! value out of range is refused when the server starts rather than quietly
//! changed.

use chat_core::store::PoolSettings;
use clap::{CommandFactory, FromArgMatches, Parser};
use ipnet::IpNet;
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the server is started with.
#[derive(Debug, Clone, Parser)]
#[command(name = "server", about = "A self-hostable realtime group chat")]
pub struct Config {
    /// Address to listen on (`:0` picks a free port).
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub site_addr: SocketAddr,

    /// Holds the SQLite file and the generated secret key.
    #[arg(long, env = "DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// `sqlite://…`, `postgres://…` or `mysql://…` (MySQL 8, MariaDB
    /// 10.11+); defaults to `chat.db` in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,

    /// `redis://[:password@]host:6379[/db]` (Redis 6 or newer): run as one
    /// of several nodes sharing the database, with Socket.IO broadcasts,
    /// presence and rate limits shared through Redis.
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<SecretString>,

    /// `REDIS_URL` names nodes of a Redis Cluster (comma-separated; any
    /// will do, the others are found): keys and pub/sub are sharded.
    #[arg(long, env = "REDIS_CLUSTER", default_value_t = false)]
    pub redis_cluster: bool,

    /// Starts every Redis key and channel of this site, so that several
    /// sites can share one Redis.
    #[arg(long, env = "REDIS_PREFIX", default_value = "chat")]
    pub redis_prefix: String,

    /// Most connections to the database.
    #[arg(long, env = "DATABASE_MAX_CONNECTIONS", value_parser = clap::value_parser!(u32).range(1..), default_value_t = 10)]
    pub database_max_connections: u32,

    /// How long a request waits for a database connection before it is
    /// answered `unavailable` (503), in milliseconds.
    #[arg(long, env = "DATABASE_TIMEOUT_MS", value_parser = clap::value_parser!(u64).range(1..), default_value_t = 5_000)]
    pub database_timeout_ms: u64,

    /// How long the server, starting, waits for a database it cannot reach
    /// yet (one started at the same time), in seconds.
    #[arg(long, env = "DATABASE_STARTUP_WAIT_SECS", default_value_t = 30)]
    pub database_startup_wait_secs: u64,

    /// Where uploads are stored (`chat_images/` inside).
    #[arg(long, env = "MEDIA_DIR", default_value = "./media")]
    pub media_dir: PathBuf,

    /// Signs sessions; all nodes of one site must share it. Generated once
    /// into the data directory when unset.
    #[arg(long, env = "SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<SecretString>,

    /// The built site: `pkg/` with the WASM bundle, JS glue and CSS.
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Base name of the bundle in `pkg/` (`<name>.js`, `<name>_bg.wasm`).
    #[arg(long, env = "LEPTOS_OUTPUT_NAME", default_value = "chat")]
    pub output_name: String,

    /// Largest image upload, in bytes.
    #[arg(long, env = "MAX_UPLOAD_BYTES", value_parser = clap::value_parser!(u64).range(1..), default_value_t = 10 * 1024 * 1024)]
    pub max_upload_bytes: u64,

    /// Other origins allowed to open Socket.IO connections (comma-separated,
    /// e.g. `https://chat.example.com`); the site's own is always allowed.
    #[arg(long, env = "ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,

    /// Messages a connection may send at once before the steady rate applies
    /// (one sign-in over all its connections: half as many again).
    #[arg(long, env = "SEND_BURST", value_parser = at_least_one, default_value_t = 10.0)]
    pub send_burst: f64,

    /// Messages a connection may send per second, sustained.
    #[arg(long, env = "SEND_RATE", value_parser = positive, default_value_t = 2.0)]
    pub send_rate: f64,

    /// Most Socket.IO connections one client address may hold open.
    #[arg(long, env = "MAX_CONNECTIONS_PER_IP", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), default_value_t = 64)]
    pub max_connections_per_ip: usize,

    /// Longest message text, in characters after trimming.
    #[arg(long, env = "MESSAGE_MAX_CHARS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), default_value_t = protocol::names::DEFAULT_MESSAGE_MAX_CHARS)]
    pub message_max_chars: usize,

    /// The site's address as users see it, e.g. `https://chat.example.com`
    /// (behind a reverse proxy): the only origin allowed besides
    /// `ALLOWED_ORIGINS`, the base of absolute links, and `Secure` cookies
    /// when https. Unset: the request's own `Host`.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Reverse proxies (addresses or CIDR ranges, comma-separated, e.g.
    /// `127.0.0.1,10.0.0.0/8`) whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` are believed.
    #[arg(long, env = "TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<IpNet>,

    /// Longest wait for a request's headers (and for the next request on
    /// an idle keep-alive connection), in seconds.
    #[arg(long, env = "HEADER_READ_TIMEOUT_SECS", value_parser = clap::value_parser!(u64).range(1..), default_value_t = 15)]
    pub header_read_timeout_secs: u64,

    /// Longest pause inside a request body, in seconds.
    #[arg(long, env = "BODY_READ_TIMEOUT_SECS", value_parser = clap::value_parser!(u64).range(1..), default_value_t = 30)]
    pub body_read_timeout_secs: u64,

    /// Logins one client address may make per minute.
    #[arg(long, env = "LOGINS_PER_MINUTE", value_parser = clap::value_parser!(u32).range(1..), default_value_t = 30)]
    pub logins_per_minute: u32,

    /// Failed password sign-ins per minute, from one client address (an
    /// IPv6 client's whole /64) and against one account each; further
    /// attempts wait (429).
    #[arg(long, env = "LOGIN_FAILURES_PER_MINUTE", value_parser = clap::value_parser!(u32).range(1..), default_value_t = 5)]
    pub login_failures_per_minute: u32,

    /// `open`: anyone may chat under a name nobody has claimed, with no
    /// password; `off`: only accounts sign in.
    #[arg(long, env = "GUEST_ACCESS", value_enum, default_value_t = OpenOrOff::Open)]
    pub guest_access: OpenOrOff,

    /// `open`: anyone may claim a name with a password; `off`: only staff
    /// create accounts, from the admin page.
    #[arg(long, env = "REGISTRATION", value_enum, default_value_t = OpenOrOff::Open)]
    pub registration: OpenOrOff,

    /// Rooms one client address may create per hour (joining existing
    /// rooms is not limited).
    #[arg(long, env = "ROOMS_PER_HOUR", value_parser = clap::value_parser!(u32).range(1..), default_value_t = 60)]
    pub rooms_per_hour: u32,

    /// Images one sign-in may upload per minute.
    #[arg(long, env = "UPLOADS_PER_MINUTE", value_parser = clap::value_parser!(u32).range(1..), default_value_t = 20)]
    pub uploads_per_minute: u32,

    /// Pixels of uploaded images decoded at once, server-wide (each takes
    /// 4–8 bytes of memory while it is checked); more uploads wait their
    /// turn. At least the largest image accepted (40 million).
    #[arg(
        long,
        env = "DECODE_PIXELS_IN_FLIGHT",
        default_value_t = 80_000_000,
        value_parser = clap::value_parser!(u64).range(crate::images::MAX_PIXELS..)
    )]
    pub decode_pixels_in_flight: u64,

    /// Threads that hash and check passwords at once (0: one per CPU
    /// core); four times as many sign-ins may wait for one, and more are
    /// refused (429) until one is free.
    #[arg(long, env = "PASSWORD_HASHING_THREADS", default_value_t = 0)]
    pub password_hashing_threads: usize,

    /// Threads that decode uploaded images at once (0: one per CPU core).
    #[arg(long, env = "DECODE_THREADS", default_value_t = 0)]
    pub decode_threads: usize,

    /// Most TCP connections open at once; more wait to be accepted. Keep it
    /// below the process's open-file limit (`ulimit -n`). One client address
    /// may hold twice `MAX_CONNECTIONS_PER_IP` of them.
    #[arg(long, env = "MAX_OPEN_CONNECTIONS", value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..), default_value_t = 4096)]
    pub max_open_connections: usize,

    /// A Google service-account key file (JSON) for push notifications to
    /// mobile apps through Firebase Cloud Messaging; unset, only browsers
    /// get pushes (Web Push).
    #[arg(long, env = "FCM_CREDENTIALS")]
    pub fcm_credentials: Option<PathBuf>,

    /// Where FCM's HTTP v1 API is.
    #[arg(long, env = "FCM_API_URL", default_value = DEFAULT_FCM_API_URL)]
    pub fcm_api_url: String,

    /// The Web Push (VAPID) private key: a P-256 key, 32 bytes base64url.
    /// Generated once into the data directory when unset; all nodes of one
    /// site must share it, or browsers subscribed on one node get nothing
    /// from another.
    #[arg(long, env = "VAPID_PRIVATE_KEY", hide_env_values = true)]
    pub vapid_private_key: Option<SecretString>,

    /// Who push services contact about this server's pushes (VAPID `sub`):
    /// `mailto:you@example.com` or an https URL. Defaults to `PUBLIC_URL`
    /// when that is https.
    #[arg(long, env = "VAPID_SUBJECT")]
    pub vapid_subject: Option<String>,

    /// Lets Web Push endpoints be plain http or on private and loopback
    /// addresses: for testing against a local push service only.
    #[arg(long, env = "PUSH_ALLOW_INSECURE_ENDPOINTS", default_value_t = false)]
    pub push_allow_insecure_endpoints: bool,

    /// Without a command, the server runs.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// FCM's own address.
pub const DEFAULT_FCM_API_URL: &str = "https://fcm.googleapis.com";

/// A door that is open or shut (`GUEST_ACCESS`, `REGISTRATION`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OpenOrOff {
    Open,
    Off,
}

impl OpenOrOff {
    pub fn is_open(self) -> bool {
        self == OpenOrOff::Open
    }
}

/// What the binary can do besides serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Creates a staff account, or gives an existing account the staff
    /// role and a new password. The password is read from standard input
    /// (one line) when that is not a terminal, else asked for twice.
    CreateSuperuser {
        /// The staff member's name (the same rules as any username).
        #[arg(long)]
        username: String,
    },
    /// Sets a new password on an account and signs it out everywhere. The
    /// password is read as for `create-superuser`.
    ResetPassword {
        /// The account's name.
        #[arg(long)]
        username: String,
    },
}

/// A secret setting's value, for the one place that uses it.
pub fn exposed(setting: &Option<SecretString>) -> Option<&str> {
    setting.as_ref().map(ExposeSecret::expose_secret)
}

/// A thread count setting: 0 is one per CPU core.
pub fn threads_or_cores(setting: usize) -> usize {
    match setting {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        threads => threads,
    }
}

/// `SEND_BURST`: a number of messages, at least one.
fn at_least_one(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if n >= 1.0 && n.is_finite() => Ok(n),
        _ => Err(format!("{text:?} is not a number of at least 1")),
    }
}

/// `SEND_RATE`: messages per second, more than none.
fn positive(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(n) if n > 0.0 && n.is_finite() => Ok(n),
        _ => Err(format!("{text:?} is not a number above 0")),
    }
}

/// One `TRUSTED_PROXIES` entry: `10.0.0.1` or `10.0.0.0/8`.
fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is not an IP address or CIDR range"))
}

impl Config {
    /// Defaults for a server whose state lives under `data_dir`, listening on
    /// a free local port; what the tests and embedders start from. The
    /// defaults are the flags' own, with the environment ignored.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let flags = Config::command()
            .mut_args(|arg| arg.env(None::<&'static str>))
            .get_matches_from(["server"]);
        let mut config = Config::from_arg_matches(&flags).expect("the defaults parse");
        let data_dir = data_dir.into();
        config.site_addr = SocketAddr::from(([127, 0, 0, 1], 0));
        config.media_dir = data_dir.join("media");
        config.data_dir = data_dir;
        config
    }

    /// The database to open.
    pub fn database_url(&self) -> String {
        exposed(&self.database_url).map_or_else(
            || chat_core::store::sqlite_url_in(&self.data_dir),
            str::to_owned,
        )
    }

    /// The VAPID `sub` claim: who runs this server.
    pub fn vapid_subject(&self) -> String {
        let https_site = self
            .public_url
            .clone()
            .filter(|url| url.starts_with("https://"));
        self.vapid_subject
            .clone()
            .or(https_site)
            .unwrap_or_else(|| "mailto:admin@localhost".into())
    }

    /// The database pool's settings.
    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.database_max_connections,
            acquire_timeout: Duration::from_millis(self.database_timeout_ms),
            startup_wait: Duration::from_secs(self.database_startup_wait_secs),
        }
    }
}

impl Config {
    /// What the accept loop enforces.
    pub fn serve_limits(&self) -> crate::net::ServeLimits {
        crate::net::ServeLimits {
            header_timeout: Duration::from_secs(self.header_read_timeout_secs),
            body_timeout: Duration::from_secs(self.body_read_timeout_secs),
            max_connections: self.max_open_connections,
            max_connections_per_ip: self.max_connections_per_ip.saturating_mul(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_documented_in_the_env_example() {
        let example = include_str!("../../.env.example");
        for arg in Config::command().get_arguments() {
            if let Some(name) = arg.get_env() {
                let name = name.to_string_lossy();
                assert!(
                    example.contains(&format!("{name}=")),
                    "{name} is missing from .env.example"
                );
            }
        }
    }

    #[test]
    fn the_defaults_are_the_flags_own() {
        let config = Config::for_data_dir("/srv/chat");
        assert_eq!(config.database_max_connections, 10);
        assert_eq!(config.max_upload_bytes, 10 * 1024 * 1024);
        assert_eq!(config.redis_prefix, "chat");
        assert_eq!(config.media_dir, PathBuf::from("/srv/chat/media"));
        assert_eq!(config.site_addr.port(), 0);
    }

    #[test]
    fn values_out_of_range_are_refused_not_changed() {
        for (flag, value) in [
            ("--database-timeout-ms", "0"),
            ("--max-connections-per-ip", "0"),
            ("--send-rate", "0"),
            ("--send-burst", "0.5"),
            ("--header-read-timeout-secs", "0"),
        ] {
            let parsed = Config::try_parse_from(["server", flag, value]);
            assert!(parsed.is_err(), "{flag} {value} was accepted");
        }
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let mut config = Config::for_data_dir("/srv/chat");
        config.database_url = Some("postgres://chat:hunter2-db@db/chat".to_owned().into());
        config.redis_url = Some("redis://:hunter2-redis@cache".to_owned().into());
        config.secret_key = Some("hunter2-session".to_owned().into());
        config.vapid_private_key = Some("hunter2-vapid".to_owned().into());
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
