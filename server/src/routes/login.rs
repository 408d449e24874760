//! Logging in: the HTML form on `/` and the JSON API for other clients.
//! With a password it is an account sign-in; without one, a guest's
//! (refused for a claimed name). Either way the session is stored, and
//! `POST /logout` ends it.

use crate::error::{ApiError, ApiJson};
use crate::net::{ClientIp, Network};
use crate::routes::account::sign_in::{checked_password, user_agent};
use crate::throttles::Throttles;
use app::location::room_path;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use chat_core::session::{clear_session_cookie, session_cookie};
use chat_core::whole_seconds;
use chat_core::{Chat, SignedIn};
use protocol::events::ErrorCode;
use protocol::names::{NameError, RoomName, Username};
use serde::{Deserialize, Serialize};

/// What the form and the API both send.
#[derive(Debug, Default, Deserialize)]
pub struct LoginRequest {
    #[serde(default)]
    username: String,
    #[serde(default)]
    room: String,
    /// An account's password; absent or empty for a guest login.
    #[serde(default)]
    password: Option<String>,
}

impl LoginRequest {
    fn password(&self) -> Option<&str> {
        self.password.as_deref().filter(|p| !p.is_empty())
    }
}

/// `POST /api/login` reply.
#[derive(Debug, Serialize)]
pub struct LoginReply {
    token: String,
    username: String,
    room: String,
}

/// What is wrong with the names of a login.
struct NameErrors {
    username: Option<NameError>,
    room: Option<NameError>,
}

/// Why a login was refused.
enum Refused {
    Names(NameErrors),
    Other(ApiError),
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Self {
        Refused::Other(e)
    }
}

impl From<chat_core::Error> for Refused {
    fn from(e: chat_core::Error) -> Self {
        Refused::Other(e.into())
    }
}

/// Signs in (as the account, with a password; else as a guest) and opens
/// the room. `room` is optional for the API (`require_room` false).
async fn log_in(
    chat: &Chat,
    throttles: &Throttles,
    client: ClientIp,
    headers: &HeaderMap,
    form: &LoginRequest,
    require_room: bool,
) -> Result<(SignedIn, Option<RoomName>), Refused> {
    throttles
        .logins
        .check(&client.0)
        .await
        .map_err(|wait| ApiError::rate_limited("logins from your address", wait))?;
    let username = Username::parse(&form.username);
    let room = match form.room.trim() {
        "" if !require_room => Ok(None),
        raw => RoomName::parse(raw).map(Some),
    };
    let (username, room) = match (username, room) {
        (Ok(user), Ok(room)) => (user, room),
        (user, room) => {
            return Err(Refused::Names(NameErrors {
                username: user.err(),
                room: room.err(),
            }));
        }
    };
    let agent = user_agent(headers);
    let signed_in = match form.password() {
        Some(password) => {
            let account =
                checked_password(chat, throttles, client, username.as_str(), password).await?;
            chat.sign_in_account(&account, agent).await?
        }
        None => chat.sign_in_guest(&username, agent).await.map_err(|e| {
            if e.code() == ErrorCode::Reserved {
                Refused::Names(NameErrors {
                    username: Some(NameError::Reserved),
                    room: None,
                })
            } else {
                e.into()
            }
        })?,
    };
    if let Some(room) = &room
        && let Err(e) = chat
            .enter_room((&signed_in.session).into(), room, client.0)
            .await
    {
        // Not signed in after all: the session goes with the refusal.
        let _ = chat.sign_out(&signed_in.session).await;
        return Err(e.into());
    }
    Ok((signed_in, room))
}

/// `POST /`: on success a session cookie and a redirect to the room; on
/// failure back to the form, which shows what to fix.
pub async fn submit_form(
    State(chat): State<Chat>,
    State(throttles): State<Throttles>,
    State(network): State<Network>,
    client: ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginRequest>,
) -> Response {
    let back_to_form = |problem: (&str, &str)| {
        let query = serde_urlencoded::to_string([
            ("username", form.username.trim()),
            ("room", form.room.trim()),
            problem,
        ])
        .unwrap_or_default();
        Redirect::to(&format!("/?{query}")).into_response()
    };
    match log_in(&chat, &throttles, client, &headers, &form, true).await {
        Ok((signed_in, Some(room))) => {
            signed_in_to(&room_path(room.as_str()), &signed_in.token, &network)
        }
        Ok((_, None)) => unreachable!("the form requires a room"),
        Err(Refused::Names(errors)) => {
            let query = serde_urlencoded::to_string(
                [
                    ("username", Some(form.username.trim())),
                    ("room", Some(form.room.trim())),
                    ("username_error", errors.username.map(NameError::code)),
                    ("room_error", errors.room.map(NameError::code)),
                ]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect::<Vec<_>>(),
            )
            .unwrap_or_default();
            Redirect::to(&format!("/?{query}")).into_response()
        }
        Err(Refused::Other(e)) => match e.code() {
            ErrorCode::RateLimited => {
                let seconds = e.retry_after().map(whole_seconds).unwrap_or(1).to_string();
                back_to_form(("retry_after", &seconds))
            }
            ErrorCode::Banned => back_to_form(("banned", &e.to_string())),
            code @ (ErrorCode::Claimed | ErrorCode::BadCredentials | ErrorCode::GuestsDisabled) => {
                let code = serde_json::to_value(code).unwrap_or_default();
                back_to_form(("password_error", code.as_str().unwrap_or_default()))
            }
            _ => e.into_response(),
        },
    }
}

/// A redirect to `to` that sets the session cookie holding `token`.
pub fn signed_in_to(to: &str, token: &str, network: &Network) -> Response {
    redirect_setting(to, &session_cookie(token, network.secure_cookies()))
}

/// A redirect to `to` that forgets the session cookie.
pub fn signed_out(to: &str, network: &Network) -> Response {
    redirect_setting(to, &clear_session_cookie(network.secure_cookies()))
}

fn redirect_setting(to: &str, cookie: &str) -> Response {
    setting_cookie(Redirect::to(to), cookie)
}

/// `reply`, setting the cookie `cookie` (a `Set-Cookie` value).
pub fn setting_cookie(reply: impl IntoResponse, cookie: &str) -> Response {
    let mut response = reply.into_response();
    if let Ok(cookie) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /api/login`: the session as a bearer token. `room` is optional
/// when signing in with a password.
pub async fn api_login(
    State(chat): State<Chat>,
    State(throttles): State<Throttles>,
    client: ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginReply>, ApiError> {
    let require_room = request.password().is_none();
    let (signed_in, room) = log_in(&chat, &throttles, client, &headers, &request, require_room)
        .await
        .map_err(|refused| match refused {
            Refused::Other(e) => e,
            Refused::Names(errors) => {
                if errors.username == Some(NameError::Reserved) {
                    return ApiError::new(ErrorCode::Reserved, "username is reserved");
                }
                let mut problems = Vec::new();
                if let Some(e) = errors.username {
                    problems.push(format!("username {e}"));
                }
                if let Some(e) = errors.room {
                    problems.push(format!("room {e}"));
                }
                ApiError::invalid(problems.join("; "))
            }
        })?;
    Ok(Json(LoginReply {
        token: signed_in.token,
        username: signed_in.session.username.to_string(),
        room: room.map(|room| room.to_string()).unwrap_or_default(),
    }))
}
