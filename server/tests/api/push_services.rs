//! Stand-ins for the push services this machine cannot reach, speaking
//! their real wire protocols and checking what they receive:
//!
//! - [`FakeFcm`]: Google's OAuth2 token endpoint (verifies the RS256 JWT
//!   bearer grant against the service account's public key) and the FCM
//!   HTTP v1 send endpoint (verifies the bearer token it issued);
//! - [`FakeWebPush`]: a Web Push service (verifies the VAPID JWT against
//!   the key in the `Authorization` header and decrypts the aes128gcm body
//!   with the subscription's private key).
//!
//! Each answers as a test scripts it, and records what it accepted and
//! anything it found wrong (`problems`, which a test expects empty).

use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::Notify;

const FCM_SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// A free local port to serve on.
async fn listen() -> (tokio::net::TcpListener, SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// Serves `app` on `listener` until the returned guard is dropped.
fn serve(listener: tokio::net::TcpListener, app: Router) -> AbortOnDrop {
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    AbortOnDrop(task)
}

pub struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What a fake service received and found wrong, with a way to wait for it.
#[derive(Default)]
pub struct Log {
    /// Accepted requests, by device.
    accepted: Mutex<HashMap<String, Vec<Value>>>,
    /// Every request, by device (accepted or not).
    attempts: Mutex<HashMap<String, usize>>,
    /// Replies to give, by device, before the default success.
    script: Mutex<HashMap<String, VecDeque<(u16, Value)>>>,
    problems: Mutex<Vec<String>>,
    changed: Notify,
}

impl Log {
    fn problem(&self, problem: String) {
        self.problems.lock().unwrap().push(problem);
        self.changed.notify_waiters();
    }

    /// Counts an attempt for `device` and says how to answer it.
    fn attempt(&self, device: &str) -> Option<(u16, Value)> {
        *self
            .attempts
            .lock()
            .unwrap()
            .entry(device.into())
            .or_default() += 1;
        let reply = self
            .script
            .lock()
            .unwrap()
            .get_mut(device)
            .and_then(VecDeque::pop_front);
        self.changed.notify_waiters();
        reply
    }

    fn accept(&self, device: &str, what: Value) {
        self.accepted
            .lock()
            .unwrap()
            .entry(device.into())
            .or_default()
            .push(what);
        self.changed.notify_waiters();
    }

    async fn wait_until(&self, mut done: impl FnMut(&Log) -> bool) {
        tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                let changed = self.changed.notified();
                if done(self) {
                    return;
                }
                changed.await;
            }
        })
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the push service did not get what was expected in time; it found wrong: {:?}",
                self.problems.lock().unwrap()
            )
        });
    }

    fn accepted(&self, device: &str) -> Vec<Value> {
        self.accepted
            .lock()
            .unwrap()
            .get(device)
            .cloned()
            .unwrap_or_default()
    }

    fn attempts(&self, device: &str) -> usize {
        self.attempts
            .lock()
            .unwrap()
            .get(device)
            .copied()
            .unwrap_or(0)
    }
}

/// Calls on both fakes.
pub trait PushService {
    fn log(&self) -> &Log;

    /// What was accepted for `device` (an FCM token, or a subscriber's id).
    fn accepted(&self, device: &str) -> Vec<Value> {
        self.log().accepted(device)
    }

    /// How many requests came for `device`.
    fn attempts(&self, device: &str) -> usize {
        self.log().attempts(device)
    }

    /// Answers the next requests for `device` with these statuses (and
    /// bodies), then with success.
    fn script(&self, device: &str, replies: &[(u16, Value)]) {
        self.log()
            .script
            .lock()
            .unwrap()
            .insert(device.into(), replies.iter().cloned().collect());
    }

    /// Waits until `count` pushes for `device` were accepted.
    async fn wait_accepted(&self, device: &str, count: usize) -> Vec<Value> {
        self.log()
            .wait_until(|log| log.accepted(device).len() >= count)
            .await;
        self.accepted(device)
    }

    /// Waits until `count` requests came for `device`.
    async fn wait_attempts(&self, device: &str, count: usize) {
        self.log()
            .wait_until(|log| log.attempts(device) >= count)
            .await;
    }

    /// What the fake found wrong in what it was sent.
    fn problems(&self) -> Vec<String> {
        self.log().problems.lock().unwrap().clone()
    }

    /// Asserts the fake found nothing wrong.
    fn assert_no_problems(&self) {
        let problems = self.problems();
        assert!(problems.is_empty(), "{problems:?}");
    }
}

// ---- FCM -------------------------------------------------------------------

/// A fake Google OAuth2 token endpoint and FCM HTTP v1 API.
pub struct FakeFcm {
    pub addr: SocketAddr,
    /// The service-account key file to start the server with.
    pub credentials: PathBuf,
    state: Arc<FcmState>,
    _dir: tempfile::TempDir,
    _server: AbortOnDrop,
}

struct FcmState {
    log: Log,
    public_key: DecodingKey,
    client_email: String,
    token_uri: String,
    project_id: String,
    issued: Mutex<Vec<String>>,
}

/// One RSA key for every fake in the test process (generating one takes a
/// while): the service account's, as PKCS#8 PEM, and its public half.
fn service_account_key() -> &'static (String, String) {
    static KEY: OnceLock<(String, String)> = OnceLock::new();
    KEY.get_or_init(|| {
        use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
        let public = private.to_public_key();
        (
            private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            public.to_public_key_pem(LineEnding::LF).unwrap(),
        )
    })
}

impl FakeFcm {
    pub async fn start() -> Self {
        let (private_pem, public_pem) = service_account_key();
        let (listener, addr) = listen().await;
        let token_uri = format!("http://{addr}/token");
        let state = Arc::new(FcmState {
            log: Log::default(),
            public_key: DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap(),
            client_email: "chat-push@test-project.iam.gserviceaccount.com".into(),
            token_uri: token_uri.clone(),
            project_id: "test-project".into(),
            issued: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/token", post(fcm_token))
            .route("/v1/projects/{project}/messages:send", post(fcm_send))
            .with_state(state.clone());
        let server = serve(listener, app);
        let dir = tempfile::tempdir().unwrap();
        let credentials = dir.path().join("service-account.json");
        let account = json!({
            "type": "service_account",
            "project_id": state.project_id,
            "private_key_id": "key-1",
            "private_key": private_pem,
            "client_email": state.client_email,
            "client_id": "1",
            "token_uri": token_uri,
        });
        std::fs::write(&credentials, account.to_string()).unwrap();
        FakeFcm {
            addr,
            credentials,
            state,
            _dir: dir,
            _server: server,
        }
    }

    /// `FCM_API_URL` for the server.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Access tokens the token endpoint issued.
    pub fn tokens_issued(&self) -> usize {
        self.state.issued.lock().unwrap().len()
    }
}

impl PushService for FakeFcm {
    fn log(&self) -> &Log {
        &self.state.log
    }
}

async fn fcm_token(
    State(state): State<Arc<FcmState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if form.get("grant_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    {
        state.log.problem(format!(
            "token request without the JWT bearer grant: {form:?}"
        ));
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[&state.token_uri]);
    validation.set_issuer(&[&state.client_email]);
    validation.set_required_spec_claims(&["exp", "iat", "iss", "aud"]);
    let assertion = form.get("assertion").cloned().unwrap_or_default();
    let claims = match jsonwebtoken::decode::<Value>(&assertion, &state.public_key, &validation) {
        Ok(data) => data.claims,
        Err(e) => {
            state
                .log
                .problem(format!("token request with a bad grant: {e}"));
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant"})),
            )
                .into_response();
        }
    };
    if claims["scope"] != FCM_SCOPE {
        state
            .log
            .problem(format!("grant for the wrong scope: {}", claims["scope"]));
    }
    let lifetime = claims["exp"].as_i64().unwrap_or(0) - claims["iat"].as_i64().unwrap_or(0);
    if !(1..=3600).contains(&lifetime) {
        state
            .log
            .problem(format!("grant valid for {lifetime} s (at most an hour)"));
    }
    let token = {
        let mut issued = state.issued.lock().unwrap();
        let token = format!("ya29.fake-{}", issued.len() + 1);
        issued.push(token.clone());
        token
    };
    Json(json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"})).into_response()
}

async fn fcm_send(
    State(state): State<Arc<FcmState>>,
    Path(project): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    if !bearer.is_some_and(|token| state.issued.lock().unwrap().contains(&token)) {
        state
            .log
            .problem("send without an issued bearer token".into());
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if project != state.project_id {
        state.log.problem(format!("send to project {project}"));
        return StatusCode::NOT_FOUND.into_response();
    }
    let device = body["message"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if let Some((status, reply)) = state.log.attempt(&device) {
        return (StatusCode::from_u16(status).unwrap(), Json(reply)).into_response();
    }
    state.log.accept(&device, body["message"].clone());
    Json(json!({"name": format!("projects/{project}/messages/1")})).into_response()
}

/// FCM's answer for a registration token that is no longer valid.
pub fn fcm_unregistered() -> (u16, Value) {
    (
        404,
        json!({"error": {"code": 404, "message": "Requested entity was not found.",
            "status": "NOT_FOUND",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                "errorCode": "UNREGISTERED"}]}}),
    )
}

// ---- Web Push --------------------------------------------------------------

/// A fake Web Push service: `POST /push/<id>` per subscription.
pub struct FakeWebPush {
    pub addr: SocketAddr,
    state: Arc<WebPushState>,
    _server: AbortOnDrop,
}

#[derive(Default)]
struct WebPushState {
    log: Log,
    /// Each subscription's private key and auth secret, by id.
    keys: Mutex<HashMap<String, (ece::EcKeyComponents, [u8; 16])>>,
    /// The VAPID keys requests were signed with.
    vapid_keys: Mutex<Vec<String>>,
}

/// A browser's subscription with this service: what it gives the server.
pub struct Subscription {
    pub json: Value,
}

impl FakeWebPush {
    pub async fn start() -> Self {
        let state = Arc::new(WebPushState::default());
        let app = Router::new()
            .route("/push/{id}", post(web_push_receive))
            .with_state(state.clone());
        let (listener, addr) = listen().await;
        let server = serve(listener, app);
        FakeWebPush {
            addr,
            state,
            _server: server,
        }
    }

    /// A new subscription (as `pushManager.subscribe` makes one: a key
    /// pair and an auth secret of the browser's own).
    pub fn subscribe(&self, id: &str) -> Subscription {
        let (keys, auth) = ece::generate_keypair_and_auth_secret().unwrap();
        let public = keys.pub_as_raw().unwrap();
        self.state
            .keys
            .lock()
            .unwrap()
            .insert(id.into(), (keys.raw_components().unwrap(), auth));
        Subscription {
            json: json!({
                "endpoint": format!("http://{}/push/{id}", self.addr),
                "expirationTime": null,
                "keys": {"p256dh": URL_SAFE_NO_PAD.encode(public), "auth": URL_SAFE_NO_PAD.encode(auth)},
            }),
        }
    }

    /// The VAPID public keys pushes were signed with.
    pub fn vapid_keys(&self) -> Vec<String> {
        self.state.vapid_keys.lock().unwrap().clone()
    }
}

impl PushService for FakeWebPush {
    fn log(&self) -> &Log {
        &self.state.log
    }
}

async fn web_push_receive(
    State(state): State<Arc<WebPushState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    if let Err(problem) = check_vapid(&state, header("authorization"), header("host")) {
        state.log.problem(format!("push for {id}: {problem}"));
        return StatusCode::UNAUTHORIZED.into_response();
    }
    if header("content-encoding") != "aes128gcm" {
        state.log.problem(format!(
            "push for {id} encoded as {:?}",
            header("content-encoding")
        ));
    }
    if header("ttl").parse::<u64>().is_err() {
        state.log.problem(format!("push for {id} without a TTL"));
    }
    if let Some((status, reply)) = state.log.attempt(&id) {
        return (StatusCode::from_u16(status).unwrap(), Json(reply)).into_response();
    }
    let Some((components, auth)) = state.keys.lock().unwrap().get(&id).cloned() else {
        return StatusCode::GONE.into_response();
    };
    let payload = ece::decrypt(&components, &auth, &body)
        .map_err(|e| e.to_string())
        .and_then(|plain| serde_json::from_slice::<Value>(&plain).map_err(|e| e.to_string()));
    match payload {
        Ok(payload) => {
            let mut accepted = payload;
            accepted["topic"] = header("topic").into();
            state.log.accept(&id, accepted);
            StatusCode::CREATED.into_response()
        }
        Err(e) => {
            state
                .log
                .problem(format!("push for {id} does not decrypt: {e}"));
            StatusCode::BAD_REQUEST.into_response()
        }
    }
}

/// Checks `Authorization: vapid t=<JWT>, k=<public key>` (RFC 8292): the
/// JWT is signed ES256 by that key, for this service's origin, expires
/// within a day, and names a contact.
fn check_vapid(state: &WebPushState, authorization: &str, host: &str) -> Result<(), String> {
    let fields: HashMap<&str, &str> = authorization
        .strip_prefix("vapid ")
        .ok_or("no vapid Authorization")?
        .split(',')
        .filter_map(|part| part.trim().split_once('='))
        .collect();
    let (token, key) = (
        fields.get("t").ok_or("no t=")?,
        fields.get("k").ok_or("no k=")?,
    );
    let point = URL_SAFE_NO_PAD.decode(key).map_err(|e| e.to_string())?;
    if point.len() != 65 || point[0] != 4 {
        return Err("k is not an uncompressed P-256 point".into());
    }
    let decoding = DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&point[1..33]),
        &URL_SAFE_NO_PAD.encode(&point[33..]),
    )
    .map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[format!("http://{host}")]);
    validation.set_required_spec_claims(&["exp", "aud"]);
    let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .map_err(|e| format!("bad VAPID JWT: {e}"))?
        .claims;
    let lifetime = claims["exp"].as_i64().unwrap_or(0) - chrono::Utc::now().timestamp();
    if lifetime > 24 * 3600 {
        return Err(format!("VAPID JWT valid for {lifetime} s (at most a day)"));
    }
    let sub = claims["sub"].as_str().unwrap_or_default();
    if !(sub.starts_with("mailto:") || sub.starts_with("https:")) {
        return Err(format!("VAPID sub {sub:?} is not a mailto: or https: URL"));
    }
    let mut keys = state.vapid_keys.lock().unwrap();
    if !keys.iter().any(|k| k == key) {
        keys.push((*key).to_owned());
    }
    Ok(())
}
