//! Staff sign-in with a password: `POST /api/admin/login` (the form on
//! `/admin/login` signs in the same way). It is an account sign-in that
//! only staff accounts pass; the session it opens carries staff rights
//! wherever a session is accepted (cookie, bearer token, Socket.IO
//! `auth.token`).

use crate::error::{ApiError, ApiJson};
use crate::net::ClientIp;
use crate::routes::account::sign_in::{checked_password, user_agent};
use crate::throttles::Throttles;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Json;
use chat_core::{Chat, SignedIn};
use protocol::events::ErrorCode;
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
/// two was wrong (or the account is not staff); failures are limited
/// (429).
pub async fn api_login(
    State(chat): State<Chat>,
    State(throttles): State<Throttles>,
    client: ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<StaffLoginRequest>,
) -> Result<Json<StaffLoginReply>, ApiError> {
    let signed_in = sign_in(&chat, &throttles, client, &headers, &request).await?;
    Ok(Json(StaffLoginReply {
        token: signed_in.token,
        username: signed_in.session.username.to_string(),
    }))
}

/// A staff session, if the name and password are a staff account's.
pub async fn sign_in(
    chat: &Chat,
    throttles: &Throttles,
    client: ClientIp,
    headers: &HeaderMap,
    request: &StaffLoginRequest,
) -> Result<SignedIn, ApiError> {
    let wrong = || ApiError::new(ErrorCode::Unauthorized, "wrong username or password");
    let account = checked_password(
        chat,
        throttles,
        client,
        &request.username,
        &request.password,
    )
    .await
    .map_err(|e| match e.code() {
        ErrorCode::BadCredentials => wrong(),
        _ => e,
    })?;
    if !account.staff {
        return Err(wrong());
    }
    Ok(chat.sign_in_account(&account, user_agent(headers)).await?)
}
