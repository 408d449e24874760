//! Staff sign-in with a password: `POST /api/admin/login` (the form on
//! `/admin/login` signs in the same way). The session it issues carries
//! staff rights wherever a session is accepted (cookie, bearer token,
//! Socket.IO `auth.token`).

use crate::error::{ApiError, ApiJson};
use crate::net::ClientIp;
use crate::throttles::{Throttles, address_group};
use axum::extract::State;
use axum::response::Json;
use chat_core::reserved::name_key;
use chat_core::session;
use chat_core::{Chat, staff};
use protocol::events::ErrorCode;
use protocol::names::Username;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct StaffLoginRequest {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

#[derive(Debug, Serialize)]
pub struct StaffLoginReply {
    token: String,
    username: String,
}

/// `POST /api/admin/login`: `{token, username}`, or 401 whichever of the
/// two was wrong; failures from one address are limited (429).
pub async fn api_login(
    State(chat): State<Chat>,
    State(throttles): State<Throttles>,
    client: ClientIp,
    ApiJson(request): ApiJson<StaffLoginRequest>,
) -> Result<Json<StaffLoginReply>, ApiError> {
    let username = sign_in(&chat, &throttles, client, &request).await?;
    Ok(Json(StaffLoginReply {
        token: chat.sessions().issue_staff(&username, session::now_unix()),
        username: username.to_string(),
    }))
}

/// The staff member, if the name and password are right. Every attempt
/// takes from the address's allowance and from the account's, and a
/// success gives both back, so only failures count: guessing is slowed
/// from one address (or IPv6 /64) and against one account from many.
pub async fn sign_in(
    chat: &Chat,
    throttles: &Throttles,
    client: ClientIp,
    request: &StaffLoginRequest,
) -> Result<Username, ApiError> {
    let by_address = &throttles.staff_login_failures;
    let by_account = &throttles.staff_account_failures;
    let source = address_group(client.0);
    // A name that cannot be an account's fails below without costing a
    // hash; only real names have an allowance of their own.
    let account_key = Username::parse(&request.username)
        .ok()
        .map(|name| name_key(name.as_str()));
    by_address
        .check(&source)
        .await
        .map_err(|wait| ApiError::rate_limited("failed staff sign-ins from your address", wait))?;
    if let Some(key) = &account_key
        && let Err(wait) = by_account.check(key).await
    {
        by_address.refund(&source).await;
        return Err(ApiError::rate_limited(
            "failed sign-ins for this account",
            wait,
        ));
    }
    let checked = staff::verify(
        chat.store(),
        chat.passwords(),
        &request.username,
        &request.password,
    )
    .await;
    let refund = || async {
        by_address.refund(&source).await;
        if let Some(key) = &account_key {
            by_account.refund(key).await;
        }
    };
    // Not checked (the hashing pool is full, or the database is away):
    // no failure to count.
    let account = match checked {
        Ok(account) => account,
        Err(e) => {
            refund().await;
            return Err(e.into());
        }
    };
    let username = account.and_then(|account| Username::parse(&account.username).ok());
    match username {
        Some(username) => {
            refund().await;
            Ok(username)
        }
        None => {
            tracing::warn!(client = %client.0, "failed staff sign-in");
            Err(ApiError::new(
                ErrorCode::Unauthorized,
                "wrong username or password",
            ))
        }
    }
}
