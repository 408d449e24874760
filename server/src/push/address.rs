//! Where a device may ask the server to send pushes. A Web Push endpoint is
//! a URL the subscriber chose, so it is held to `https` on a public
//! address: checked when it is saved, and again for every address its
//! name resolves to when a push is sent (so a name that later points into
//! the server's own network does not take the server there).
//! `PUSH_ALLOW_INSECURE_ENDPOINTS` lifts both rules for local testing.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use chat_core::store::push::DeviceAddress;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// Longest FCM registration token (they are about 160 characters).
const MAX_TOKEN: usize = 4096;
/// Longest Web Push endpoint.
const MAX_ENDPOINT: usize = 2048;

/// Why a device cannot be saved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeviceError {
    #[error("send either \"token\" (FCM) or \"subscription\" (Web Push)")]
    Missing,
    #[error("token must be 1 to {MAX_TOKEN} characters of letters, digits and :_-.")]
    Token,
    #[error("subscription endpoint must be an https URL of at most {MAX_ENDPOINT} characters")]
    Endpoint,
    #[error("subscription endpoint must be on a public address")]
    PrivateAddress,
    #[error("subscription keys.p256dh must be a P-256 public key (65 bytes, base64url)")]
    P256dh,
    #[error("subscription keys.auth must be 16 bytes, base64url")]
    Auth,
}

/// What `POST`/`DELETE /api/save-token/` carry.
#[derive(Debug, serde::Deserialize)]
pub struct DeviceBody {
    token: Option<String>,
    subscription: Option<SubscriptionBody>,
}

/// A browser's `PushSubscription` as `toJSON()` writes it (its
/// `expirationTime`, if any, is not kept: the push service says when a
/// subscription is gone).
#[derive(Debug, serde::Deserialize)]
struct SubscriptionBody {
    endpoint: String,
    keys: SubscriptionKeys,
}

#[derive(Debug, serde::Deserialize)]
struct SubscriptionKeys {
    p256dh: String,
    auth: String,
}

impl DeviceBody {
    /// The device, checked.
    pub fn device(self, allow_insecure: bool) -> Result<DeviceAddress, DeviceError> {
        match (self.token, self.subscription) {
            (Some(token), None) => fcm_token(token),
            (None, Some(subscription)) => web_push(subscription, allow_insecure),
            _ => Err(DeviceError::Missing),
        }
    }
}

fn fcm_token(token: String) -> Result<DeviceAddress, DeviceError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '.');
    if token.is_empty() || token.len() > MAX_TOKEN || !token.chars().all(allowed) {
        return Err(DeviceError::Token);
    }
    Ok(DeviceAddress::Fcm { token })
}

fn web_push(
    subscription: SubscriptionBody,
    allow_insecure: bool,
) -> Result<DeviceAddress, DeviceError> {
    let SubscriptionBody { endpoint, keys } = subscription;
    check_endpoint(&endpoint, allow_insecure)?;
    let p256dh = decode(&keys.p256dh).ok_or(DeviceError::P256dh)?;
    if p256dh.len() != 65 || p256dh[0] != 4 {
        return Err(DeviceError::P256dh);
    }
    if decode(&keys.auth).is_none_or(|auth| auth.len() != 16) {
        return Err(DeviceError::Auth);
    }
    // Kept without padding: the form the encryption reads.
    Ok(DeviceAddress::WebPush {
        endpoint,
        p256dh: keys.p256dh.trim_end_matches('=').to_owned(),
        auth: keys.auth.trim_end_matches('=').to_owned(),
    })
}

/// Base64url, with or without padding.
fn decode(text: &str) -> Option<Vec<u8>> {
    if text.len() > 256 {
        return None;
    }
    URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .ok()
}

/// Whether the server may send to `endpoint`, as far as the URL itself
/// tells (a name is checked again when it is resolved).
pub fn check_endpoint(endpoint: &str, allow_insecure: bool) -> Result<(), DeviceError> {
    if endpoint.len() > MAX_ENDPOINT {
        return Err(DeviceError::Endpoint);
    }
    let url = Url::parse(endpoint).map_err(|_| DeviceError::Endpoint)?;
    let scheme_allowed = url.scheme() == "https" || (allow_insecure && url.scheme() == "http");
    if !scheme_allowed || !url.username().is_empty() || url.password().is_some() {
        return Err(DeviceError::Endpoint);
    }
    if allow_insecure {
        return url.host().map(|_| ()).ok_or(DeviceError::Endpoint);
    }
    match url.host() {
        None => Err(DeviceError::Endpoint),
        Some(Host::Ipv4(ip)) if !is_public(IpAddr::V4(ip)) => Err(DeviceError::PrivateAddress),
        Some(Host::Ipv6(ip)) if !is_public(IpAddr::V6(ip)) => Err(DeviceError::PrivateAddress),
        Some(Host::Domain(name)) if is_local_name(name) => Err(DeviceError::PrivateAddress),
        Some(_) => Ok(()),
    }
}

/// Names that never leave this machine or its network.
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    !name.contains('.')
        || [".localhost", ".local", ".internal", ".home.arpa", ".lan"]
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

/// Whether `ip` is reachable on the public internet: not loopback,
/// private, link-local, shared (CGNAT), documentation, multicast or
/// otherwise reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(ip),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b)))
}

/// Only global unicast (`2000::/3`) is public, less the parts of it that
/// are special-purpose (IANA's registry) or that lead to IPv4 addresses by
/// a tunnel: an allow-list, so a range not named here (IPv4-compatible
/// `::/96`, site-local `fec0::/10`, discard `100::/64`, NAT64 …) is never
/// taken for public.
fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [a, b, ..] = ip.segments();
    let special = match a {
        // 2001::/23 (Teredo's 2001::/32, benchmarking, ORCHID) and the
        // documentation prefix 2001:db8::/32.
        0x2001 => b < 0x0200 || b == 0x0db8,
        // 6to4: an IPv4 address inside.
        0x2002 => true,
        // 3fff::/20: documentation.
        0x3fff => b < 0x1000,
        _ => false,
    };
    (a & 0xe000) == 0x2000 && !special
}

/// Resolves names to their public addresses only: the HTTP client of Web
/// Push uses it, so no endpoint name reaches a private address.
pub struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let public: Vec<SocketAddr> = found.filter(|addr| is_public(addr.ip())).collect();
            if public.is_empty() {
                return Err(format!("{} has no public address", name.as_str()).into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(endpoint: &str) -> DeviceBody {
        let p256dh = URL_SAFE_NO_PAD.encode([4u8; 65]);
        let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
        serde_json::from_value(serde_json::json!({
            "subscription": {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}
        }))
        .unwrap()
    }

    #[test]
    fn endpoints_must_be_https_on_public_addresses() {
        let device = |endpoint| subscription(endpoint).device(false);
        assert!(device("https://push.example.com/send/abc").is_ok());
        assert!(device("https://203.0.114.1/x").is_ok());
        assert!(device("https://[2a00:1450:4001:80b::200a]/x").is_ok());
        assert_eq!(
            device("http://push.example.com/x"),
            Err(DeviceError::Endpoint)
        );
        assert_eq!(
            device("ftp://push.example.com/x"),
            Err(DeviceError::Endpoint)
        );
        assert_eq!(
            device("https://user:pw@push.example.com/x"),
            Err(DeviceError::Endpoint)
        );
        for private in [
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://192.168.0.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/x",
            "https://[::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            // 6to4 of 10.0.0.1, IPv4-compatible, site-local, Teredo,
            // discard, NAT64, documentation.
            "https://[2002:a00:1::1]/x",
            "https://[::10.0.0.1]/x",
            "https://[fec0::1]/x",
            "https://[2001:0:4136:e378::1]/x",
            "https://[100::1]/x",
            "https://[64:ff9b::a00:1]/x",
            "https://[2001:db8::1]/x",
            "https://[3fff::1]/x",
            "https://localhost/x",
            "https://db.internal/x",
            "https://printer/x",
        ] {
            assert_eq!(
                device(private),
                Err(DeviceError::PrivateAddress),
                "{private}"
            );
        }
        // Local testing may use plain http on this machine.
        assert!(subscription("http://127.0.0.1:9/x").device(true).is_ok());
    }

    #[test]
    fn keys_and_tokens_are_checked() {
        let body = |value| {
            serde_json::from_value::<DeviceBody>(value)
                .unwrap()
                .device(false)
        };
        let endpoint = "https://push.example.com/x";
        let good_key = URL_SAFE_NO_PAD.encode([4u8; 65]);
        let short = URL_SAFE_NO_PAD.encode([4u8; 20]);
        let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
        assert_eq!(
            body(serde_json::json!({"subscription": {"endpoint": endpoint,
                "keys": {"p256dh": short, "auth": auth}}})),
            Err(DeviceError::P256dh)
        );
        assert_eq!(
            body(serde_json::json!({"subscription": {"endpoint": endpoint,
                "keys": {"p256dh": good_key, "auth": "!!"}}})),
            Err(DeviceError::Auth)
        );
        assert_eq!(body(serde_json::json!({})), Err(DeviceError::Missing));
        assert_eq!(
            body(serde_json::json!({"token": ""})),
            Err(DeviceError::Token)
        );
        assert_eq!(
            body(serde_json::json!({"token": "has space"})),
            Err(DeviceError::Token)
        );
        assert_eq!(
            body(serde_json::json!({"token": "x".repeat(MAX_TOKEN + 1)})),
            Err(DeviceError::Token)
        );
        assert!(body(serde_json::json!({"token": "fcm:APA91b_x-1"})).is_ok());
    }
}
