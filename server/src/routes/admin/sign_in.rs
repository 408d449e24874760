//! Staff sign-in with a password: `POST /api/admin/login` (the form on
//! `/admin/login` signs in the same way). The session it issues carries
//! staff rights wherever a session is accepted (cookie, bearer token,
//! Socket.IO `auth.token`).

use crate::error::{ApiError, ApiJson};
use crate::net::ClientIp;
use crate::throttles::Throttles;
use axum::extract::State;
use axum::response::Json;
use chat_core::session;
use chat_core::{Chat, staff};
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
/// takes from the address's allowance and a success gives it back, so
/// only failures count.
pub async fn sign_in(
    chat: &Chat,
    throttles: &Throttles,
    client: ClientIp,
    request: &StaffLoginRequest,
) -> Result<Username, ApiError> {
    let failures = &throttles.staff_login_failures;
    failures
        .check(&client.0)
        .await
        .map_err(|wait| ApiError::rate_limited("failed staff sign-ins from your address", wait))?;
    let account = staff::verify(chat.store(), &request.username, &request.password).await?;
    let username = account.and_then(|account| Username::parse(&account.username).ok());
    match username {
        Some(username) => {
            failures.refund(&client.0).await;
            Ok(username)
        }
        None => {
            tracing::warn!(client = %client.0, "failed staff sign-in");
            Err(ApiError::WrongCredentials)
        }
    }
}
