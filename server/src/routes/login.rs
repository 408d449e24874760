//! Logging in: the HTML form on `/` and the JSON API for other clients.

use crate::error::{ApiError, ApiJson};
use crate::net::{ClientIp, Network};
use crate::throttles::Throttles;
use app::location::room_path;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use chat_core::Chat;
use chat_core::reserved::looks_reserved;
use chat_core::session::{self, clear_session_cookie, session_cookie};
use chat_core::staff;
use chat_core::whole_seconds;
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
}

/// `POST /api/login` reply.
#[derive(Debug, Serialize)]
pub struct LoginReply {
    token: String,
    username: String,
    room: String,
}

struct LoginErrors {
    username: Option<NameError>,
    room: Option<NameError>,
}

/// The names to sign in with, or what is wrong with them. Reserved names,
/// staff names and their look-alikes are refused: staff sign in with a
/// password.
async fn validate(
    chat: &Chat,
    form: &LoginRequest,
) -> Result<Result<(Username, RoomName), LoginErrors>, ApiError> {
    let mut username = Username::parse(&form.username);
    if let Ok(user) = &username
        && (looks_reserved(user.as_str())
            || staff::is_staff_name(chat.store(), user.as_str()).await?)
    {
        username = Err(NameError::Reserved);
    }
    if let Ok(user) = &username
        && let Some(until) = chat.banned_until(user.as_str()).await?
    {
        return Err(ApiError::banned(until));
    }
    Ok(match (username, RoomName::parse(&form.room)) {
        (Ok(user), Ok(room)) => Ok((user, room)),
        (user, room) => Err(LoginErrors {
            username: user.err(),
            room: room.err(),
        }),
    })
}

/// Takes one login from the client's allowance.
async fn count_login(throttles: &Throttles, client: ClientIp) -> Result<(), ApiError> {
    throttles
        .logins
        .check(&client.0)
        .await
        .map_err(|wait| ApiError::rate_limited("logins from your address", wait))
}

/// `POST /`: on success a session cookie and a redirect to the room; on
/// failure back to the form, which shows what to fix.
pub async fn submit_form(
    State(chat): State<Chat>,
    State(throttles): State<Throttles>,
    State(network): State<Network>,
    client: ClientIp,
    Form(form): Form<LoginRequest>,
) -> Response {
    let back_to_form = |problems: [(&str, Option<&str>); 4]| {
        let query = serde_urlencoded::to_string(
            [
                ("username", Some(form.username.trim())),
                ("room", Some(form.room.trim())),
            ]
            .into_iter()
            .chain(problems)
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        Redirect::to(&format!("/?{query}")).into_response()
    };
    let opened = async {
        count_login(&throttles, client).await?;
        let valid = validate(&chat, &form).await?;
        if let Ok((_, room)) = &valid {
            chat.open_room(room, client.0).await?;
        }
        Ok::<_, ApiError>(valid)
    };
    let (user, room) = match opened.await {
        Ok(Ok(valid)) => valid,
        Ok(Err(errors)) => {
            return back_to_form([
                ("username_error", errors.username.map(NameError::code)),
                ("room_error", errors.room.map(NameError::code)),
                ("retry_after", None),
                ("banned", None),
            ]);
        }
        Err(e) if e.code() == ErrorCode::RateLimited => {
            let seconds = e.retry_after().map(whole_seconds).unwrap_or(1).to_string();
            return back_to_form([
                ("username_error", None),
                ("room_error", None),
                ("retry_after", Some(&seconds)),
                ("banned", None),
            ]);
        }
        Err(e) if e.code() == ErrorCode::Banned => {
            return back_to_form([
                ("username_error", None),
                ("room_error", None),
                ("retry_after", None),
                ("banned", Some(&e.to_string())),
            ]);
        }
        Err(e) => return e.into_response(),
    };
    let token = chat.sessions().issue(&user, session::now_unix());
    signed_in(&room_path(room.as_str()), &token, &network)
}

/// A redirect to `to` that sets the session cookie holding `token`.
pub fn signed_in(to: &str, token: &str, network: &Network) -> Response {
    redirect_setting(to, &session_cookie(token, network.secure_cookies()))
}

/// A redirect to `to` that forgets the session cookie.
pub fn signed_out(to: &str, network: &Network) -> Response {
    redirect_setting(to, &clear_session_cookie(network.secure_cookies()))
}

fn redirect_setting(to: &str, cookie: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Ok(cookie) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /api/login`: the session as a bearer token.
pub async fn api_login(
    State(chat): State<Chat>,
    State(throttles): State<Throttles>,
    client: ClientIp,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Json<LoginReply>, ApiError> {
    count_login(&throttles, client).await?;
    let (user, room) = validate(&chat, &request).await?.map_err(|errors| {
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
    })?;
    chat.open_room(&room, client.0).await?;
    Ok(Json(LoginReply {
        token: chat.sessions().issue(&user, session::now_unix()),
        username: user.to_string(),
        room: room.to_string(),
    }))
}

/// `POST /logout`: forgets the session cookie. A POST, so another site's
/// link or image cannot log people out (and its forms are refused by the
/// origin check).
pub async fn logout(State(network): State<Network>) -> Response {
    signed_out("/", &network)
}
