//! Accounts, for staff: the page `/admin/accounts/` with its forms, and
//! its JSON twins under `/api/admin/accounts`. A password made here (a new
//! account's, or a reset) is shown once, in the answer to the form or the
//! request, never in an address or a log.

use super::pages::{StaffPage, context, html};
use crate::error::{ApiError, ApiJson};
use crate::routes::reader::StaffUser;
use crate::state::AppState;
use app::admin::{self, AccountSummary, AccountsPage};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use chat_core::Chat;
use chat_core::session::Session;
use leptos::prelude::*;
use protocol::message::format_timestamp;
use protocol::names::Username;
use serde::{Deserialize, Serialize};

/// Every account, for the page and the API alike.
async fn summaries(chat: &Chat) -> Result<Vec<AccountSummary>, ApiError> {
    Ok(chat
        .accounts()
        .await?
        .into_iter()
        .map(|a| AccountSummary {
            created_at: format_timestamp(&a.created_at),
            last_seen: a.last_seen.as_ref().map(format_timestamp),
            retired: a.retired_at.is_some(),
            staff: a.staff,
            username: a.username,
        })
        .collect())
}

async fn create(chat: &Chat, username: &str) -> Result<(Username, String), ApiError> {
    let username =
        Username::parse(username).map_err(|e| ApiError::invalid(format!("username {e}")))?;
    let password = chat.create_account_for(&username).await?;
    Ok((username, password))
}

async fn delete(
    chat: &Chat,
    staff: &Session,
    username: &str,
    release_name: bool,
) -> Result<(), ApiError> {
    if username == staff.username.as_str() {
        return Err(ApiError::new(
            protocol::events::ErrorCode::Forbidden,
            "you cannot delete your own account",
        ));
    }
    Ok(chat.delete_account(username, release_name).await?)
}

async fn page(
    state: &AppState,
    staff: &Session,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Response {
    let accounts = match summaries(&state.chat).await {
        Ok(accounts) => accounts,
        Err(e) => return e.into_response(),
    };
    let context = context(state, Some(staff));
    html(
        status,
        admin::render(view! { <AccountsPage context accounts notice error /> }),
    )
}

/// The answer to a form: the page, saying what was done or why not.
async fn answered(state: &AppState, staff: &Session, done: Result<String, ApiError>) -> Response {
    match done {
        Ok(notice) => page(state, staff, StatusCode::OK, Some(notice), None).await,
        Err(e) => {
            let error = Some(format!("Not done: {}.", e.public_message()));
            page(state, staff, e.status(), None, error).await
        }
    }
}

/// `GET /admin/accounts/`.
pub async fn list_page(State(state): State<AppState>, StaffPage(staff): StaffPage) -> Response {
    page(&state, &staff, StatusCode::OK, None, None).await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    username: String,
}

/// `POST /admin/accounts/`.
pub async fn create_submit(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Form(form): Form<CreateForm>,
) -> Response {
    let done = create(&state.chat, &form.username)
        .await
        .map(|(name, password)| {
            format!("Account {name} created. Its password, shown only now: {password}")
        });
    answered(&state, &staff, done).await
}

/// `POST /admin/accounts/{name}/password`.
pub async fn reset_submit(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(username): Path<String>,
) -> Response {
    let done = state.chat.reset_password(&username).await.map(|password| {
        format!("New password of {username}, shown only now: {password}. They were signed out everywhere.")
    });
    answered(&state, &staff, done.map_err(Into::into)).await
}

#[derive(Debug, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    release_name: Option<String>,
}

/// `POST /admin/accounts/{name}/delete`.
pub async fn delete_submit(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    Path(username): Path<String>,
    Form(form): Form<DeleteForm>,
) -> Response {
    let release = form.release_name.is_some();
    let done = delete(&state.chat, &staff, &username, release).await.map(|()| {
        if release {
            format!("Account {username} deleted; its messages stay, and anyone may use the name now.")
        } else {
            format!("Account {username} deleted; its messages stay, and its name stays kept.")
        }
    });
    answered(&state, &staff, done).await
}

#[derive(Debug, Serialize)]
pub struct AccountsReply {
    accounts: Vec<AccountSummary>,
}

/// `GET /api/admin/accounts`.
pub async fn api_list(
    State(chat): State<Chat>,
    _staff: StaffUser,
) -> Result<Json<AccountsReply>, ApiError> {
    Ok(Json(AccountsReply {
        accounts: summaries(&chat).await?,
    }))
}

#[derive(Debug, Deserialize)]
pub struct CreateRequest {
    #[serde(default)]
    username: String,
}

#[derive(Debug, Serialize)]
pub struct PasswordReply {
    username: String,
    password: String,
}

/// `POST /api/admin/accounts {username}` → 201 `{username, password}`.
pub async fn api_create(
    State(chat): State<Chat>,
    _staff: StaffUser,
    ApiJson(request): ApiJson<CreateRequest>,
) -> Result<(StatusCode, Json<PasswordReply>), ApiError> {
    let (username, password) = create(&chat, &request.username).await?;
    Ok((
        StatusCode::CREATED,
        Json(PasswordReply {
            username: username.to_string(),
            password,
        }),
    ))
}

/// `POST /api/admin/accounts/{name}/password` → `{username, password}`.
pub async fn api_reset(
    State(chat): State<Chat>,
    _staff: StaffUser,
    Path(username): Path<String>,
) -> Result<Json<PasswordReply>, ApiError> {
    let password = chat.reset_password(&username).await?;
    Ok(Json(PasswordReply { username, password }))
}

/// `DELETE /api/admin/accounts/{name}?release_name=true`.
pub async fn api_delete(
    State(chat): State<Chat>,
    StaffUser(staff): StaffUser,
    Path(username): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Json<protocol::events::Done>, ApiError> {
    let release = query.get("release_name").is_some_and(|v| v == "true");
    delete(&chat, &staff, &username, release).await?;
    Ok(Json(protocol::events::Done {}))
}
