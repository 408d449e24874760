//! Signing in with a password, wherever it is asked for (the login form,
//! `/api/login`, the staff sign-in and its form, a password change): the
//! password is checked on the hashing pool, and failures are limited per
//! client address and per account.

use crate::error::ApiError;
use crate::net::ClientIp;
use crate::throttles::{Throttles, address_group};
use axum::http::{HeaderMap, header};
use chat_core::Chat;
use chat_core::reserved::name_key;
use chat_core::store::Account;
use protocol::events::ErrorCode;
use protocol::names::Username;

/// The client's `User-Agent`, kept with its session so its holder can
/// tell their sessions apart.
pub fn user_agent(headers: &HeaderMap) -> &str {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The account, if `username` and `password` are right; failures are
/// limited ([`counting_failures`]).
pub async fn checked_password(
    chat: &Chat,
    throttles: &Throttles,
    client: ClientIp,
    username: &str,
    password: &str,
) -> Result<Account, ApiError> {
    counting_failures(
        throttles,
        client,
        username,
        chat.check_password(username, password),
    )
    .await
}

/// Runs `attempt`, which checks a password of `username` (a sign-in, a
/// password change). Every attempt takes from the address's allowance and
/// from the account's, and only `bad_credentials` keeps what it took, so
/// only failures count: guessing is slowed from one address (or IPv6 /64)
/// and against one account from many.
pub async fn counting_failures<T>(
    throttles: &Throttles,
    client: ClientIp,
    username: &str,
    attempt: impl Future<Output = Result<T, chat_core::Error>>,
) -> Result<T, ApiError> {
    let by_address = &throttles.login_failures;
    let by_account = &throttles.account_failures;
    let source = address_group(client.0);
    // A name that cannot be an account's fails below without costing a
    // hash; only real names have an allowance of their own.
    let account_key = Username::parse(username)
        .ok()
        .map(|name| name_key(name.as_str()));
    by_address
        .check(&source)
        .await
        .map_err(|wait| ApiError::rate_limited("failed sign-ins from your address", wait))?;
    if let Some(key) = &account_key
        && let Err(wait) = by_account.check(key).await
    {
        by_address.refund(&source).await;
        return Err(ApiError::rate_limited(
            "failed sign-ins for this account",
            wait,
        ));
    }
    let checked = attempt.await;
    let refund = || async {
        by_address.refund(&source).await;
        if let Some(key) = &account_key {
            by_account.refund(key).await;
        }
    };
    match checked {
        Ok(done) => {
            refund().await;
            Ok(done)
        }
        Err(e) if e.code() == ErrorCode::BadCredentials => {
            tracing::warn!(client = %client.0, "failed sign-in");
            Err(e.into())
        }
        // Not a wrong password (the hashing pool is full, the database is
        // away, the new password is weak): no failure to count.
        Err(e) => {
            refund().await;
            Err(e.into())
        }
    }
}
