//! Accounts over HTTP: registering, claiming a guest's name, the account
//! itself, its password, and its sessions (listed and ended); signing out.

pub mod pages;
pub mod sign_in;

use crate::error::{ApiError, ApiJson};
use crate::net::{ClientIp, Network};
use crate::routes::login::{setting_cookie, signed_out};
use crate::routes::reader::SessionUser;
use crate::throttles::Throttles;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Json, Response};
use chat_core::Chat;
use chat_core::session::{session_cookie, token_from_headers};
use chat_core::store::StoredSession;
use protocol::events::ErrorCode;
use protocol::message::format_timestamp;
use protocol::names::{NameError, Username};
use serde::{Deserialize, Serialize};
use sign_in::{counting_failures, user_agent};

#[derive(Debug, Deserialize)]
pub struct RegisterRequest {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

#[derive(Debug, Deserialize)]
pub struct ClaimRequest {
    #[serde(default)]
    password: String,
}

#[derive(Debug, Deserialize)]
pub struct PasswordRequest {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

/// A new sign-in, as `register` and `claim` answer.
#[derive(Debug, Serialize)]
pub struct SignedInReply {
    token: String,
    username: String,
}

/// `GET /api/account`.
#[derive(Debug, Serialize)]
pub struct AccountReply {
    username: String,
    staff: bool,
    guest: bool,
    /// When the account was created (a guest's: when this session began).
    created_at: String,
}

/// One of `GET /api/account/sessions`.
#[derive(Debug, Serialize)]
pub struct SessionReply {
    id: String,
    created_at: String,
    last_seen: String,
    user_agent: String,
    current: bool,
}

#[derive(Debug, Serialize)]
pub struct SessionsReply {
    sessions: Vec<SessionReply>,
}

#[derive(Debug, Serialize)]
pub struct EndedReply {
    ended: usize,
}

/// `POST /api/register`: a new account, signed in (201).
pub async fn register(
    State(chat): State<Chat>,
    State(throttles): State<Throttles>,
    State(network): State<Network>,
    client: ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    throttles
        .logins
        .check(&client.0)
        .await
        .map_err(|wait| ApiError::rate_limited("sign-ups from your address", wait))?;
    let username = Username::parse(&request.username).map_err(|e| match e {
        NameError::Reserved => ApiError::new(ErrorCode::Reserved, "username is reserved"),
        e => ApiError::invalid(format!("username {e}")),
    })?;
    let signed_in = chat
        .register(&username, &request.password, user_agent(&headers))
        .await?;
    let reply = SignedInReply {
        username: signed_in.session.username.to_string(),
        token: signed_in.token.clone(),
    };
    // A browser's session carries on under the cookie.
    Ok(setting_cookie(
        (StatusCode::CREATED, Json(reply)),
        &session_cookie(&signed_in.token, network.secure_cookies()),
    ))
}

/// `POST /api/account/claim`: the signed-in guest's name becomes an
/// account; the same session (and token) carries on as its.
pub async fn claim(
    State(chat): State<Chat>,
    headers: HeaderMap,
    SessionUser(me): SessionUser,
    ApiJson(request): ApiJson<ClaimRequest>,
) -> Result<Json<SignedInReply>, ApiError> {
    let session = chat.claim(&me, &request.password).await?;
    let token = token_from_headers(&headers).unwrap_or_default().to_owned();
    Ok(Json(SignedInReply {
        token,
        username: session.username.to_string(),
    }))
}

/// `GET /api/account`.
pub async fn account(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
) -> Result<Json<AccountReply>, ApiError> {
    let session = &me;
    let created_at = if session.guest {
        session.created_at
    } else {
        chat.store()
            .account(&chat_core::reserved::name_key(session.username.as_str()))
            .await?
            .map_or(session.created_at, |account| account.created_at)
    };
    Ok(Json(AccountReply {
        username: session.username.to_string(),
        staff: session.staff,
        guest: session.guest,
        created_at: format_timestamp(&created_at),
    }))
}

/// `POST /api/account/password`: every other session of the account
/// ends. A wrong current password counts as a failed sign-in (a guest,
/// who has none, is refused without counting).
pub async fn change_password(
    State(chat): State<Chat>,
    State(throttles): State<Throttles>,
    client: ClientIp,
    SessionUser(me): SessionUser,
    ApiJson(request): ApiJson<PasswordRequest>,
) -> Result<Json<protocol::events::Done>, ApiError> {
    let change = chat.change_password(&me, &request.current, &request.new);
    if me.guest {
        change.await?;
    } else {
        counting_failures(&throttles, client, me.username.as_str(), change).await?;
    }
    Ok(Json(protocol::events::Done {}))
}

fn session_reply(session: StoredSession, current: &str) -> SessionReply {
    SessionReply {
        current: session.id == current,
        created_at: format_timestamp(&session.created_at),
        last_seen: format_timestamp(&session.last_seen),
        user_agent: session.user_agent,
        id: session.id,
    }
}

/// `GET /api/account/sessions`: most recently used first.
pub async fn sessions(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
) -> Result<Json<SessionsReply>, ApiError> {
    let sessions = chat.sessions_of(&me).await?;
    Ok(Json(SessionsReply {
        sessions: sessions
            .into_iter()
            .map(|s| session_reply(s, &me.id))
            .collect(),
    }))
}

/// `DELETE /api/account/sessions/{id}`: ends that session of yours.
pub async fn end_session(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
    Path(id): Path<String>,
) -> Result<Json<EndedReply>, ApiError> {
    chat.end_session(&me, &id).await?;
    Ok(Json(EndedReply { ended: 1 }))
}

/// `DELETE /api/account/sessions`: ends all your sessions but this one.
pub async fn end_other_sessions(
    State(chat): State<Chat>,
    SessionUser(me): SessionUser,
) -> Result<Json<EndedReply>, ApiError> {
    let ended = chat.end_other_sessions(&me).await?;
    Ok(Json(EndedReply { ended }))
}

/// `POST /logout`: ends the session and forgets its cookie. A POST, so
/// another site's link or image cannot log people out (and its forms are
/// refused by the origin check).
pub async fn logout(
    State(chat): State<Chat>,
    State(network): State<Network>,
    headers: HeaderMap,
) -> Response {
    // A session that ended already, or is banned, only loses its cookie.
    if let Ok(Some(caller)) = chat.caller_of(&headers, None).await
        && let Err(e) = chat.sign_out(&caller.session).await
    {
        tracing::warn!(error = %e, "a session could not be ended at sign-out");
    }
    signed_out("/", &network)
}
