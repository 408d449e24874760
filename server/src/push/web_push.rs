//! Web Push (RFC 8030) to browsers: the payload encrypted to the
//! subscription's keys (aes128gcm, RFC 8291) and the request signed with
//! the server's VAPID key (RFC 8292), both by the `web-push` crate; the
//! request goes out through this server's HTTP client, which reaches
//! public addresses only (unless insecure endpoints are allowed).

use super::Outcome;
use super::address::check_endpoint;
use super::payload::{Payload, collapse_key};
use super::vapid::VapidKey;
use reqwest::StatusCode;
use web_push::{ContentEncoding, SubscriptionInfo, Urgency, WebPushMessageBuilder};

/// How long a push service keeps a push for a browser that is offline: a
/// chat message a day old is better read in the room.
const TTL_SECS: u32 = 24 * 60 * 60;

/// A Web Push sender.
pub struct WebPush {
    http: reqwest::Client,
    key: VapidKey,
    /// Who runs this server (VAPID `sub`): a `mailto:` or `https:` URL.
    subject: String,
    allow_insecure: bool,
}

impl WebPush {
    pub fn new(
        http: reqwest::Client,
        key: VapidKey,
        subject: String,
        allow_insecure: bool,
    ) -> Self {
        WebPush {
            http,
            key,
            subject,
            allow_insecure,
        }
    }

    /// Sends `payload` to the subscription at `endpoint`.
    pub async fn send(
        &self,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        payload: &Payload,
    ) -> Outcome {
        if check_endpoint(endpoint, self.allow_insecure).is_err() {
            return Outcome::Gone;
        }
        let request = match self.request(endpoint, p256dh, auth, payload) {
            Ok(request) => request,
            Err(e) => return Outcome::Rejected(format!("cannot build the Web Push request: {e}")),
        };
        let reply = match self.http.execute(request).await {
            Ok(reply) => reply,
            Err(e) => return Outcome::retry(format!("push service unreachable: {e}"), None),
        };
        let status = reply.status();
        let retry_after = super::retry_after(reply.headers());
        match status {
            // The subscription expired or was withdrawn.
            StatusCode::NOT_FOUND | StatusCode::GONE => Outcome::Gone,
            status => Outcome::of_answer("push service", status, retry_after, ""),
        }
    }

    /// The encrypted, signed request, as a `reqwest` request.
    fn request(
        &self,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        payload: &Payload,
    ) -> Result<reqwest::Request, Box<dyn std::error::Error + Send + Sync>> {
        let subscription = SubscriptionInfo::new(endpoint, p256dh, auth);
        let mut signature = self.key.signer().add_sub_info(&subscription);
        signature.add_claim("sub", self.subject.as_str());
        // RFC 8292's audience is the endpoint's origin, port included; the
        // crate's default leaves a non-default port out.
        let origin = url::Url::parse(endpoint)?.origin().ascii_serialization();
        signature.add_claim("aud", origin);
        let content = serde_json::to_vec(payload)?;
        let mut message = WebPushMessageBuilder::new(&subscription);
        message.set_payload(ContentEncoding::Aes128Gcm, &content);
        message.set_vapid_signature(signature.build()?);
        message.set_ttl(TTL_SECS);
        message.set_urgency(Urgency::High);
        message.set_topic(collapse_key(&payload.data.room));
        // The crate builds an `http` 0.2 request; this client speaks `http` 1.
        let built = web_push::request_builder::build_request::<Vec<u8>>(message.build()?);
        let mut request = self.http.post(endpoint);
        for (name, value) in built.headers() {
            request = request.header(name.as_str(), value.as_bytes());
        }
        Ok(request.body(built.into_body()).build()?)
    }
}
