//! Firebase Cloud Messaging, HTTP v1: an OAuth2 access token from the
//! service account's `token_uri` (a JWT bearer grant signed RS256 with its
//! key), kept until shortly before it expires, then one POST per push to
//! `…/v1/projects/<project_id>/messages:send`.

use super::Outcome;
use super::payload::{Payload, collapse_key};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// How long a signed grant is valid (Google's limit is an hour).
const GRANT_LIFETIME_SECS: u64 = 3600;
/// A token is renewed this long before it expires.
const RENEW_EARLY: Duration = Duration::from_secs(60);

/// Why FCM cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum FcmError {
    #[error("FCM_CREDENTIALS {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("FCM_CREDENTIALS {path} is not a service-account key: {detail}")]
    Invalid { path: String, detail: String },
}

/// The fields of a service-account key file that the grant needs.
#[derive(Deserialize)]
struct ServiceAccount {
    project_id: String,
    client_email: String,
    private_key: String,
    token_uri: String,
    private_key_id: Option<String>,
}

/// An FCM sender.
pub struct Fcm {
    http: reqwest::Client,
    send_url: String,
    client_email: String,
    token_uri: String,
    key: EncodingKey,
    key_id: Option<String>,
    token: Mutex<Option<AccessToken>>,
}

struct AccessToken {
    value: String,
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    expires_in: Option<u64>,
}

#[derive(serde::Serialize)]
struct Grant<'a> {
    iss: &'a str,
    scope: &'a str,
    aud: &'a str,
    iat: u64,
    exp: u64,
}

impl Fcm {
    /// Reads the service-account key at `credentials`; pushes go to
    /// `api_url` (`https://fcm.googleapis.com` unless overridden).
    pub fn load(
        credentials: &Path,
        api_url: &str,
        http: reqwest::Client,
    ) -> Result<Self, FcmError> {
        let path = credentials.display().to_string();
        let text = std::fs::read_to_string(credentials).map_err(|source| FcmError::Read {
            path: path.clone(),
            source,
        })?;
        let invalid = |detail: String| FcmError::Invalid {
            path: path.clone(),
            detail,
        };
        let account: ServiceAccount =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let key = EncodingKey::from_rsa_pem(account.private_key.as_bytes())
            .map_err(|e| invalid(format!("private_key: {e}")))?;
        Ok(Fcm {
            http,
            send_url: format!(
                "{}/v1/projects/{}/messages:send",
                api_url.trim_end_matches('/'),
                account.project_id
            ),
            client_email: account.client_email,
            token_uri: account.token_uri,
            key,
            key_id: account.private_key_id,
            token: Mutex::new(None),
        })
    }

    /// Sends `payload` to the device with registration `token`.
    pub async fn send(&self, token: &str, payload: &Payload) -> Outcome {
        let access = match self.access_token().await {
            Ok(access) => access,
            Err(outcome) => return outcome,
        };
        let topic = collapse_key(&payload.data.room);
        let message = json!({
            "message": {
                "token": token,
                "notification": {"title": payload.title, "body": payload.body},
                "data": payload.data,
                "android": {"collapse_key": topic},
                "apns": {"headers": {"apns-collapse-id": topic}},
            }
        });
        let reply = self
            .http
            .post(&self.send_url)
            .bearer_auth(&access)
            .json(&message)
            .send()
            .await;
        let reply = match reply {
            Ok(reply) => reply,
            Err(e) => return Outcome::retry(format!("FCM unreachable: {e}"), None),
        };
        let status = reply.status();
        let retry_after = super::retry_after(reply.headers());
        let body = reply.text().await.unwrap_or_default();
        match status {
            StatusCode::UNAUTHORIZED => {
                // The token was revoked or expired early: the next attempt
                // gets a new one.
                self.token.lock().await.take();
                Outcome::retry("FCM refused the access token".into(), None)
            }
            StatusCode::NOT_FOUND => Outcome::Gone,
            _ if is_unregistered(&body) => Outcome::Gone,
            status => Outcome::of_answer("FCM", status, retry_after, &format!(": {}", clip(&body))),
        }
    }

    /// The cached access token, or a new one.
    async fn access_token(&self) -> Result<String, Outcome> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        let token = self.fetch_token().await?;
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    async fn fetch_token(&self) -> Result<AccessToken, Outcome> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let grant = Grant {
            iss: &self.client_email,
            scope: SCOPE,
            aud: &self.token_uri,
            iat: now,
            exp: now + GRANT_LIFETIME_SECS,
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = self.key_id.clone();
        let assertion = jsonwebtoken::encode(&header, &grant, &self.key)
            .map_err(|e| Outcome::retry(format!("cannot sign the FCM grant: {e}"), None))?;
        let asked = Instant::now();
        let reply = self
            .http
            .post(&self.token_uri)
            .form(&[
                ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
                ("assertion", assertion.as_str()),
            ])
            .send()
            .await
            .map_err(|e| Outcome::retry(format!("FCM token endpoint unreachable: {e}"), None))?;
        let status = reply.status();
        if !status.is_success() {
            let body = reply.text().await.unwrap_or_default();
            return Err(Outcome::retry(
                format!("FCM token endpoint answered {status}: {}", clip(&body)),
                None,
            ));
        }
        let token: TokenReply = reply
            .json()
            .await
            .map_err(|e| Outcome::retry(format!("FCM token endpoint's answer: {e}"), None))?;
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(GRANT_LIFETIME_SECS));
        Ok(AccessToken {
            value: token.access_token,
            renew_at: asked + lifetime.saturating_sub(RENEW_EARLY),
        })
    }
}

/// FCM's way of saying a registration token is no longer valid.
fn is_unregistered(body: &str) -> bool {
    let Ok(error) = serde_json::from_str::<serde_json::Value>(body) else {
        return false;
    };
    let details = error["error"]["details"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    details
        .iter()
        .any(|detail| detail["errorCode"] == "UNREGISTERED")
        || error["error"]["status"] == "NOT_FOUND"
}

/// The start of a reply, for a log line.
fn clip(body: &str) -> &str {
    match body.char_indices().nth(200) {
        Some((cut, _)) => &body[..cut],
        None => body,
    }
}
