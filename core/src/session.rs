//! Session tokens: `<base64url(secret)>.<base64url(HMAC-SHA256(secret))>`.
//! The 32-byte secret is random, so a token cannot be guessed; the server
//! keeps only the secret's SHA-256, as the session's id in the sessions
//! table, so that table alone signs no one in. The HMAC, under
//! `SECRET_KEY`, lets any node refuse a token it never issued without
//! asking the database (and a new key ends every session at once).
//!
//! Browsers carry the token in an HttpOnly cookie, other clients as
//! `Authorization: Bearer` (HTTP) or `auth.token` (Socket.IO). Who a
//! session belongs to, and whether it still stands, is the sessions
//! table's to say (see [`crate::Chat::caller`]).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use chrono::{DateTime, Utc};
use cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use http::{HeaderMap, header};
use protocol::names::Username;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// Name of the browser session cookie.
pub const COOKIE_NAME: &str = "chat_session";

/// How long a session lasts unused, in seconds (30 days); the browser
/// cookie lasts as long from the sign-in.
pub const MAX_AGE_SECS: i64 = 30 * 24 * 60 * 60;

/// Bytes of randomness in a token's secret.
const SECRET_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// The key session tokens are signed with.
#[derive(Clone)]
pub struct SessionKey(Arc<[u8]>);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

/// A session that stands: whose it is and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session's id (the SHA-256 of its token's secret): tells this
    /// sign-in from others under the same name, so per-person limits are
    /// not shared with them.
    pub id: String,
    pub username: Username,
    /// Signed in by name alone, not to an account.
    pub guest: bool,
    /// The account has the staff role.
    pub staff: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// A newly issued token and the id it is stored under.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    pub id: String,
}

impl SessionKey {
    /// Wraps the secret; it should hold at least 32 random bytes.
    pub fn new(secret: &[u8]) -> Self {
        Self(secret.into())
    }

    fn mac(&self, secret: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(secret);
        mac
    }

    /// Issues a new token; store the session under its `id`.
    pub fn issue(&self) -> Issued {
        let mut secret = [0u8; SECRET_BYTES];
        getrandom::fill(&mut secret).expect("the operating system provides randomness");
        let tag = self.mac(&secret).finalize().into_bytes();
        Issued {
            token: format!("{}.{}", B64.encode(secret), B64.encode(tag)),
            id: session_id(&secret),
        }
    }

    /// The id of the session `token` names, if this key issued it; `None`
    /// for anything else (a token of another key, of an older format,
    /// malformed). The tag is compared in constant time.
    pub fn verify(&self, token: &str) -> Option<String> {
        let (secret, tag) = token.split_once('.')?;
        let secret = B64.decode(secret).ok()?;
        let tag = B64.decode(tag).ok()?;
        if secret.len() != SECRET_BYTES {
            return None;
        }
        self.mac(&secret).verify_slice(&tag).ok()?;
        Some(session_id(&secret))
    }

    /// The id of the session a request carries, from `Authorization:
    /// Bearer` or the cookie.
    pub fn from_headers(&self, headers: &HeaderMap) -> Option<String> {
        token_from_headers(headers).and_then(|token| self.verify(token))
    }
}

/// The id a secret is stored under.
fn session_id(secret: &[u8]) -> String {
    B64.encode(Sha256::digest(secret))
}

/// The raw token of a request: a bearer token first, then the session cookie.
pub fn token_from_headers(headers: &HeaderMap) -> Option<&str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    bearer.or_else(|| {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|cookie| cookie.name() == COOKIE_NAME)
            .and_then(|cookie| cookie.value_raw())
    })
}

/// A `Set-Cookie` value that stores the session in the browser; `secure`
/// when the site is served over https.
pub fn session_cookie(token: &str, secure: bool) -> String {
    base_cookie(token, secure)
        .max_age(cookie::time::Duration::seconds(MAX_AGE_SECS))
        .build()
        .to_string()
}

/// A `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    base_cookie("", secure)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

fn base_cookie(value: &str, secure: bool) -> cookie::CookieBuilder<'_> {
    Cookie::build((COOKIE_NAME, value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
}

/// The current time in unix seconds.
pub fn now_unix() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn key() -> SessionKey {
        SessionKey::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn issued_tokens_verify_to_their_id_and_are_all_distinct() {
        let key = key();
        let issued = key.issue();
        assert_eq!(key.verify(&issued.token), Some(issued.id.clone()));
        let again = key.issue();
        assert_ne!(issued.token, again.token);
        assert_ne!(issued.id, again.id);
        // The id is not the token's secret: the table cannot sign anyone in.
        assert!(!issued.token.contains(&issued.id));
        assert!(key.verify(&issued.id).is_none());
    }

    #[test]
    fn tampered_foreign_and_old_tokens_are_refused() {
        let key = key();
        let issued = key.issue();
        let (secret, tag) = issued.token.split_once('.').unwrap();
        let mut other = B64.decode(secret).unwrap();
        other[0] ^= 1;
        let tampered = format!("{}.{tag}", B64.encode(&other));
        assert!(key.verify(&tampered).is_none());
        assert!(
            SessionKey::new(b"another key")
                .verify(&issued.token)
                .is_none()
        );
        // A token of the former, name-carrying format.
        assert!(
            key.verify("QWxpY2U.1000-AAAAAAAAAAA.c2lnbmF0dXJl")
                .is_none()
        );
        assert!(key.verify("garbage").is_none());
        assert!(key.verify("a.b").is_none());
        // A short secret with a right tag is still refused.
        let short = [1u8; 8];
        let tag = B64.encode(key.mac(&short).finalize().into_bytes());
        assert!(
            key.verify(&format!("{}.{tag}", B64.encode(short)))
                .is_none()
        );
    }

    #[test]
    fn tokens_are_read_from_bearer_or_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; chat_session=abc.1.sig"),
        );
        assert_eq!(token_from_headers(&headers), Some("abc.1.sig"));
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer xyz"),
        );
        assert_eq!(token_from_headers(&headers), Some("xyz"));
        assert_eq!(token_from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn the_cookie_is_http_only_lax_and_lasts_thirty_days() {
        let set = session_cookie("abc.1.sig", false);
        let cookie = Cookie::parse(set.as_str()).unwrap();
        assert_eq!((cookie.name(), cookie.value()), (COOKIE_NAME, "abc.1.sig"));
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(SameSite::Lax));
        assert_eq!(cookie.path(), Some("/"));
        assert_eq!(cookie.max_age().unwrap().whole_seconds(), MAX_AGE_SECS);
        assert_eq!(cookie.secure(), None);
        let cleared = Cookie::parse(clear_session_cookie(true)).unwrap();
        assert_eq!(cleared.max_age().unwrap().whole_seconds(), 0);
        assert_eq!(cleared.secure(), Some(true));
    }
}
