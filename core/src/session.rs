//! Signed sessions: `<base64url(username)>.<issued-at>-<nonce>.<base64url(HMAC-SHA256)>`,
//! and for staff signed in with their password the same after `staff.`.
//! The random nonce makes every sign-in distinct, even two under one name
//! in the same second (tokens from before it, without one, still verify).
//! The mark is signed with the rest, so a user's token cannot be made a
//! staff one (and no base64 name reads `staff`).
//!
//! Browsers carry the token in an HttpOnly cookie, other clients as
//! `Authorization: Bearer` (HTTP) or `auth.token` (Socket.IO). Nothing is
//! stored server-side, so every node that shares `SECRET_KEY` accepts it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use cookie::{Cookie, SameSite};
use hmac::{Hmac, Mac};
use http::{HeaderMap, header};
use protocol::names::Username;
use sha2::Sha256;
use std::sync::Arc;

/// Name of the browser session cookie.
pub const COOKIE_NAME: &str = "chat_session";

/// How long a session stays valid, in seconds (30 days).
pub const MAX_AGE_SECS: i64 = 30 * 24 * 60 * 60;

type HmacSha256 = Hmac<Sha256>;

/// The key sessions are signed with.
#[derive(Clone)]
pub struct SessionKey(Arc<[u8]>);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

/// Who a valid session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub username: Username,
    /// Tells this sign-in from others under the same name (anyone may sign
    /// in as any free name), so per-person limits are not shared with them.
    pub id: String,
    /// Signed in as staff, with a password; whether the account still
    /// exists is for the caller to check.
    pub staff: bool,
    /// When it was issued (unix seconds).
    pub issued_at: i64,
}

/// What marks a staff session's signed part.
const STAFF_MARK: &str = "staff.";

impl SessionKey {
    /// Wraps the secret; it should hold at least 32 random bytes.
    pub fn new(secret: &[u8]) -> Self {
        Self(secret.into())
    }

    fn mac(&self, signed_part: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(signed_part.as_bytes());
        mac
    }

    /// Issues a token for `username`, valid from `now` (unix seconds).
    pub fn issue(&self, username: &Username, now: i64) -> String {
        self.sign(username, now, "")
    }

    /// Issues a staff session for `username`, who gave their password.
    pub fn issue_staff(&self, username: &Username, now: i64) -> String {
        self.sign(username, now, STAFF_MARK)
    }

    fn sign(&self, username: &Username, now: i64, mark: &str) -> String {
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).expect("the operating system provides randomness");
        let signed_part = format!(
            "{mark}{}.{now}-{}",
            B64.encode(username.as_str()),
            B64.encode(nonce)
        );
        let signature = B64.encode(self.mac(&signed_part).finalize().into_bytes());
        format!("{signed_part}.{signature}")
    }

    /// Checks a token's signature and age; `None` for anything not issued by
    /// this key, expired, or malformed.
    pub fn verify(&self, token: &str, now: i64) -> Option<Session> {
        let (signed_part, encoded_signature) = token.rsplit_once('.')?;
        let signature = B64.decode(encoded_signature).ok()?;
        self.mac(signed_part).verify_slice(&signature).ok()?;

        let (staff, unmarked) = match signed_part.strip_prefix(STAFF_MARK) {
            Some(rest) => (true, rest),
            None => (false, signed_part),
        };
        let (name, issued) = unmarked.split_once('.')?;
        let issued_at = issued.split_once('-').map_or(issued, |(at, _nonce)| at);
        let issued_at: i64 = issued_at.parse().ok()?;
        if now < issued_at - 60 || now - issued_at > MAX_AGE_SECS {
            return None;
        }
        let name = String::from_utf8(B64.decode(name).ok()?).ok()?;
        Some(Session {
            username: Username::parse(&name).ok()?,
            id: encoded_signature.to_owned(),
            staff,
            issued_at,
        })
    }

    /// The session a request carries, from `Authorization: Bearer` or the cookie.
    pub fn from_headers(&self, headers: &HeaderMap, now: i64) -> Option<Session> {
        token_from_headers(headers).and_then(|token| self.verify(token, now))
    }
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

    fn alice() -> Username {
        Username::parse("Alice").unwrap()
    }

    #[test]
    fn issued_tokens_verify_to_their_user() {
        let key = SessionKey::new(b"0123456789abcdef0123456789abcdef");
        let token = key.issue(&alice(), 1_000);
        let session = key.verify(&token, 1_000).unwrap();
        assert_eq!(session.username, alice());
        assert!(!session.staff);
        let staff = key
            .verify(&key.issue_staff(&alice(), 1_000), 1_000)
            .unwrap();
        assert_eq!((staff.username, staff.staff), (alice(), true));
        // Two sign-ins under one name in the same second are still two.
        let again = key.verify(&key.issue(&alice(), 1_000), 1_000).unwrap();
        assert_ne!(session.id, again.id);
        // Tokens issued before the nonce existed still verify.
        let signed_part = format!("{}.1000", B64.encode("Alice"));
        let signature = B64.encode(key.mac(&signed_part).finalize().into_bytes());
        let old = format!("{signed_part}.{signature}");
        assert_eq!(key.verify(&old, 1_000).unwrap().username, alice());
    }

    #[test]
    fn tampered_foreign_and_expired_tokens_are_refused() {
        let key = SessionKey::new(b"0123456789abcdef0123456789abcdef");
        let token = key.issue(&alice(), 1_000);
        let forged_name = token.replacen(&B64.encode("Alice"), &B64.encode("Mallory"), 1);
        assert!(key.verify(&forged_name, 1_000).is_none());
        // A user's token does not become a staff one by adding the mark.
        let promoted = format!("{STAFF_MARK}{token}");
        assert!(key.verify(&promoted, 1_000).is_none());
        assert!(
            SessionKey::new(b"another key")
                .verify(&token, 1_000)
                .is_none()
        );
        assert!(key.verify(&token, 1_000 + MAX_AGE_SECS + 1).is_none());
        assert!(key.verify("garbage", 1_000).is_none());
        assert!(key.verify("a.b.c", 1_000).is_none());
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
