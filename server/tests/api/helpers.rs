use chat_core::store::Backend;
use chat_core::testing::ScratchDb;
use futures::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload};
use serde_json::{Value, json};
use server::config::Config;
use std::io::Write;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen.
pub const WAIT: Duration = Duration::from_secs(10);
/// How long a test waits to be sure something does not happen.
pub const QUIET: Duration = Duration::from_millis(500);

/// What a server keeps between runs: its data directory (secret key,
/// uploads, the SQLite file) and, on PostgreSQL or MySQL, its database.
pub struct Site {
    pub dir: tempfile::TempDir,
    db: Option<ScratchDb>,
}

impl Site {
    /// Fresh state on `backend`, or `None` (the test is skipped) when that
    /// backend is not configured.
    pub async fn new(backend: Backend) -> Option<Self> {
        let db = match backend {
            Backend::Sqlite => None,
            _ => Some(ScratchDb::create(backend).await?),
        };
        Some(Site {
            dir: tempfile::tempdir().expect("temp dir"),
            db,
        })
    }

    /// `DATABASE_URL`, unless the server's SQLite default is meant.
    pub fn database_url(&self) -> Option<&str> {
        self.db.as_ref().map(ScratchDb::url)
    }

    /// The settings a server on this state starts with. Every test client
    /// comes from 127.0.0.1, so the per-address allowances are lifted; the
    /// tests of those limits set them back.
    pub fn config(&self) -> Config {
        let mut config = Config::for_data_dir(self.dir.path());
        config.database_url = self.database_url().map(|url| url.to_owned().into());
        config.logins_per_minute = 100_000;
        config.rooms_per_hour = 100_000;
        config.uploads_per_minute = 100_000;
        config
    }
}

/// Where a server answers, with an HTTP client for it.
pub struct Endpoint {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
}

/// A running server.
pub struct TestApp {
    endpoint: Endpoint,
    /// Where the server stores uploads.
    pub media_dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _site: Option<Site>,
}

/// Starts a server on fresh state on `backend` (`None`: not configured).
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// Starts a server on fresh state on `backend`, with adjusted settings.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let site = Site::new(backend).await?;
    let mut config = site.config();
    adjust(&mut config);
    let mut app = start(config).await;
    app._site = Some(site);
    Some(app)
}

/// Settings for tests that send more than a person types.
pub fn unthrottled(config: &mut Config) {
    config.send_burst = 1e9;
    config.send_rate = 1e9;
}

/// Starts a server on `site`'s state (which outlives it).
pub async fn spawn_app_on(site: &Site) -> TestApp {
    start(site.config()).await
}

/// Starts a server with exactly `config`.
pub async fn start(config: Config) -> TestApp {
    let media_dir = config.media_dir.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        server::run(config, listener, async {
            let _ = stopped.await;
        })
        .await
        .expect("server failed");
    });
    let app = TestApp {
        endpoint: Endpoint::new(addr),
        media_dir,
        stop: Some(stop),
        task: Some(task),
        _site: None,
    };
    app.wait_until_healthy().await;
    app
}

impl std::ops::Deref for TestApp {
    type Target = Endpoint;

    fn deref(&self) -> &Endpoint {
        &self.endpoint
    }
}

impl Endpoint {
    pub fn new(addr: SocketAddr) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Endpoint { addr, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn wait_until_healthy(&self) {
        for _ in 0..100 {
            let response = self.http.get(self.url("/healthz")).send().await;
            if response.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not become healthy");
    }

    /// GETs `path`, with the session cookie of `token` if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.http.get(self.url(path));
        if let Some(token) = token {
            request = request.header(reqwest::header::COOKIE, format!("chat_session={token}"));
        }
        request.send().await.expect("GET request")
    }

    /// `POST /api/login`, whatever the answer.
    pub async fn try_login(&self, username: &str, room: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/login"))
            .json(&json!({"username": username, "room": room}))
            .send()
            .await
            .expect("login request")
    }

    /// Logs in through the API and returns the session token.
    pub async fn login(&self, username: &str, room: &str) -> String {
        let response = self.try_login(username, room).await;
        assert_eq!(response.status(), 200, "login of {username} failed");
        let body: Value = response.json().await.expect("login json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A Socket.IO client authenticated with `token`, connected to `/`.
    pub async fn socket(&self, token: &str) -> TestSocket {
        socket_at(&self.url("/"), token).await
    }

    /// A Socket.IO client built from `builder`, once its namespace connect
    /// succeeded.
    pub async fn socket_with(&self, builder: ClientBuilder) -> TestSocket {
        self.try_socket_with(builder)
            .await
            .expect("namespace connect")
    }

    /// Connects and waits for the namespace connect (emits sent before it
    /// can be lost), or returns the server's refusal.
    pub async fn try_socket_with(&self, builder: ClientBuilder) -> Result<TestSocket, String> {
        connect_socket(builder).await
    }
}

impl TestApp {
    /// Stops the server gracefully and waits until it has.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(WAIT, task)
                .await
                .expect("server did not stop")
                .expect("server task");
        }
    }
}

/// A Socket.IO client of the server at `url`, signed in with `token`, once
/// its namespace connect succeeded.
pub async fn socket_at(url: &str, token: &str) -> TestSocket {
    connect_socket(ClientBuilder::new(url).auth(json!({"token": token})))
        .await
        .expect("namespace connect")
}

/// Connects a client built from `builder` and waits for the namespace
/// connect (emits sent before it can be lost), or the server's refusal.
pub async fn connect_socket(builder: ClientBuilder) -> Result<TestSocket, String> {
    let (events_tx, events) = mpsc::unbounded_channel();
    let (connected_tx, connected) = mpsc::unbounded_channel::<Result<(), String>>();
    let on_error = connected_tx.clone();
    let client = builder
        .reconnect(false)
        .on(Event::Connect, move |_, _| {
            let _ = connected_tx.send(Ok(()));
            async {}.boxed()
        })
        .on(Event::Error, move |payload, _| {
            let _ = on_error.send(Err(format!("{payload:?}")));
            async {}.boxed()
        })
        .on_any(move |event, payload, _| {
            if let Payload::Text(mut values) = payload {
                let value = if values.is_empty() {
                    Value::Null
                } else {
                    values.remove(0)
                };
                let _ = events_tx.send((event.as_str().to_owned(), value));
            }
            async {}.boxed()
        })
        .connect()
        .await
        .expect("engine.io connect");
    let mut socket = TestSocket {
        client,
        events,
        connected,
    };
    socket.wait_connected().await?;
    Ok(socket)
}

/// A connected Socket.IO client that records the events it receives.
pub struct TestSocket {
    pub client: Client,
    events: mpsc::UnboundedReceiver<(String, Value)>,
    connected: mpsc::UnboundedReceiver<Result<(), String>>,
}

impl TestSocket {
    /// Waits for the namespace connect, or the server's refusal.
    pub async fn wait_connected(&mut self) -> Result<(), String> {
        match tokio::time::timeout(WAIT, self.connected.recv()).await {
            Ok(Some(result)) => result,
            Ok(None) => Err("client closed".into()),
            Err(_) => Err("no answer to the namespace connect".into()),
        }
    }

    /// Emits `event` and returns the server's ack.
    pub async fn ack(&self, event: &str, data: Value) -> Value {
        self.try_ack(event, data, WAIT)
            .await
            .expect("no ack in time")
    }

    /// Emits `event` and returns the ack, or `None` if none came within `wait`
    /// (the server is gone, say).
    pub async fn try_ack(&self, event: &str, data: Value, wait: Duration) -> Option<Value> {
        let (tx, rx) = oneshot::channel();
        let tx = std::sync::Mutex::new(Some(tx));
        let sent = self
            .client
            .emit_with_ack(event, data, wait, move |payload: Payload, _| {
                // The client hands over the ack's argument list as one array.
                if let (Payload::Text(values), Some(tx)) = (payload, tx.lock().unwrap().take()) {
                    let first = match values.into_iter().next() {
                        Some(Value::Array(args)) => args.into_iter().next(),
                        other => other,
                    };
                    let _ = tx.send(first.unwrap_or(Value::Null));
                }
                async {}.boxed()
            })
            .await;
        sent.ok()?;
        tokio::time::timeout(wait, rx).await.ok()?.ok()
    }

    pub async fn join(&self, room: &str) -> Value {
        self.ack("join", json!({"room": room})).await
    }

    pub async fn send(&self, room: &str, content: &str) -> Value {
        self.ack("send_message", json!({"room": room, "content": content}))
            .await
    }

    /// The next event named `name`, skipping others.
    pub async fn next_event(&mut self, name: &str) -> Value {
        self.next_event_within(name, WAIT).await
    }

    /// The next event named `name` within `limit`, skipping others.
    pub async fn next_event_within(&mut self, name: &str, limit: Duration) -> Value {
        let wait = async {
            loop {
                match self.events.recv().await {
                    Some((event, value)) if event == name => return value,
                    Some(_) => continue,
                    None => panic!("socket closed while waiting for {name}"),
                }
            }
        };
        tokio::time::timeout(limit, wait)
            .await
            .unwrap_or_else(|_| panic!("no {name} event within {limit:?}"))
    }

    /// The next event named `name` that `wanted` picks within `limit`,
    /// skipping others.
    pub async fn next_matching(
        &mut self,
        name: &str,
        limit: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = self.next_event_within(name, left).await;
            if wanted(&event) {
                return event;
            }
        }
    }

    /// Asserts that no event named `name` that `unwanted` picks arrives for
    /// a short while.
    pub async fn assert_none_matching(&mut self, name: &str, unwanted: impl Fn(&Value) -> bool) {
        let deadline = tokio::time::Instant::now() + QUIET;
        while let Ok(Some((event, value))) =
            tokio::time::timeout_at(deadline, self.events.recv()).await
        {
            assert!(
                !(event == name && unwanted(&value)),
                "unexpected {name} event: {value}"
            );
        }
    }

    /// Asserts that no event named `name` arrives for a short while.
    pub async fn assert_no_event(&mut self, name: &str) {
        let deadline = tokio::time::Instant::now() + QUIET;
        while let Ok(Some((event, value))) =
            tokio::time::timeout_at(deadline, self.events.recv()).await
        {
            assert_ne!(event, name, "unexpected {name} event: {value}");
        }
    }

    pub async fn disconnect(self) {
        let _ = self.client.disconnect().await;
    }
}

/// Asserts an ack is `ok: false` with `code`.
pub fn assert_refused(ack: &Value, code: &str) {
    assert_eq!(ack["ok"], false, "expected a refusal, got {ack}");
    assert_eq!(ack["error"]["code"], code, "wrong code in {ack}");
    assert!(
        ack["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "no message in {ack}"
    );
}

/// The ids of a JSON array of messages, in its order.
pub fn ids_of(messages: &Value) -> Vec<i64> {
    messages
        .as_array()
        .expect("an array of messages")
        .iter()
        .map(|m| m["id"].as_i64().expect("a message id"))
        .collect()
}

/// The password of the staff accounts [`staff_app`] creates.
pub const STAFF_PASSWORD: &str = "a long password";

/// A server on fresh state on `backend` whose site has the staff account
/// `name` (password [`STAFF_PASSWORD`]); the site outlives the server.
pub async fn staff_app(backend: Backend, name: &str) -> Option<(Site, TestApp)> {
    let site = staff_site(backend, name).await?;
    let app = spawn_app_on(&site).await;
    Some((site, app))
}

/// Fresh state on `backend` with the staff account `name` (password
/// [`STAFF_PASSWORD`]), for a server started with adjusted settings.
pub async fn staff_site(backend: Backend, name: &str) -> Option<Site> {
    let site = Site::new(backend).await?;
    let created = create_superuser(&site, name, &format!("{STAFF_PASSWORD}\n"));
    assert!(created.status.success(), "{}", said(&created));
    Some(site)
}

/// Signs staff member `name` in with [`STAFF_PASSWORD`]: their token.
pub async fn staff_token(app: &TestApp, name: &str) -> String {
    let reply: Value = app
        .http
        .post(app.url("/api/admin/login"))
        .json(&json!({"username": name, "password": STAFF_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["token"]
        .as_str()
        .unwrap_or_else(|| panic!("staff sign-in refused: {reply}"))
        .to_owned()
}

/// Runs `server create-superuser` on `site`'s database with `stdin` piped.
pub fn create_superuser(site: &Site, username: &str, stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command
        .args(["create-superuser", "--username", username])
        .env_clear()
        .env("DATA_DIR", site.dir.path())
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = site.database_url() {
        command.env("DATABASE_URL", url);
    }
    let mut child = command.spawn().expect("the server binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The server binary's process, killed when dropped so that a failing test
/// leaves none behind.
pub struct ServerProcess(Child);

impl std::ops::Deref for ServerProcess {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for ServerProcess {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The real server binary in a process of its own, on a free port, over
/// `site`'s state, with the send throttle lifted.
pub fn start_server_process(site: &Site) -> (ServerProcess, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    if let Some(url) = site.database_url() {
        command.env("DATABASE_URL", url);
    }
    let mut child = command
        .env("DATA_DIR", site.dir.path())
        .env("MEDIA_DIR", site.dir.path().join("media"))
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("SEND_BURST", "1000000")
        .env("SEND_RATE", "1000000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server binary");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the address");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("an address line")
        .to_owned();
    (ServerProcess(child), url)
}

/// `POST /api/login` to a server at `url`; the session token.
pub async fn login_over_http(url: &str, user: &str, room: &str) -> String {
    let reply: Value = reqwest::Client::new()
        .post(format!("{url}/api/login"))
        .json(&json!({"username": user, "room": room}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("login reply");
    reply["token"].as_str().expect("token").to_owned()
}
