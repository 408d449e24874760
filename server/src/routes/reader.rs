//! What the read APIs share: who is asking, which room, and query parameters.

use crate::error::ApiError;
use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use chat_core::session::Session;
use chat_core::store::RoomAccess;
use chat_core::{Caller, Chat};
use protocol::events::ErrorCode;
use protocol::names::RoomName;
use std::collections::HashMap;
use std::str::FromStr;

/// The session a request carries (cookie or bearer token), of someone who
/// may be served (see [`Chat::caller`]).
pub struct SessionUser(pub Session);

/// Who is asking, by the core's one answer: `None` without a session;
/// refused while banned, or while the database cannot say.
async fn caller<S>(parts: &Parts, state: &S) -> Result<Option<Caller>, ApiError>
where
    Chat: FromRef<S>,
{
    Ok(Chat::from_ref(state)
        .caller_of(&parts.headers, None)
        .await?)
}

/// Required: a request without a valid session is refused with 401.
impl<S> FromRequestParts<S> for SessionUser
where
    S: Send + Sync,
    Chat: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let caller = caller(parts, state)
            .await?
            .ok_or(ApiError::unauthorized())?;
        Ok(SessionUser(caller.session))
    }
}

/// Optional (`Option<SessionUser>`): pages decide what a visitor sees.
impl<S> OptionalFromRequestParts<S> for SessionUser
where
    S: Send + Sync,
    Chat: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, ApiError> {
        Ok(caller(parts, state)
            .await?
            .map(|caller| SessionUser(caller.session)))
    }
}

/// A staff member's session (signed in with their password, account still
/// current): 401 without a session, 403 with a user's.
pub struct StaffUser(pub Session);

impl<S> FromRequestParts<S> for StaffUser
where
    S: Send + Sync,
    Chat: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let caller = caller(parts, state)
            .await?
            .ok_or(ApiError::unauthorized())?;
        if !caller.staff {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                "staff only: sign in at /api/admin/login",
            ));
        }
        Ok(StaffUser(caller.session))
    }
}

/// A room `reader` may read, and what they may do there: 404 for one that
/// does not exist and for a private room they are not in, alike.
pub async fn readable_room(
    chat: &Chat,
    reader: &Session,
    raw: &str,
) -> Result<(RoomName, RoomAccess), ApiError> {
    let not_found = || ApiError::not_found(format!("no room named '{raw}'"));
    let room = RoomName::parse(raw).map_err(|_| not_found())?;
    let access = chat.readable_room(reader.into(), &room).await?;
    Ok((room, access))
}

/// A room that exists, private or not (for staff, who see every room), and
/// how many messages it holds.
pub async fn existing_room(chat: &Chat, raw: &str) -> Result<(RoomName, i64), ApiError> {
    let not_found = || ApiError::not_found(format!("no room named '{raw}'"));
    let room = RoomName::parse(raw).map_err(|_| not_found())?;
    match chat.store().room_size(&room).await? {
        Some(count) => Ok((room, count)),
        None => Err(not_found()),
    }
}

/// An optional integer parameter within `min..=max` (`None` if absent).
pub fn int_param<T>(
    query: &HashMap<String, String>,
    name: &str,
    min: T,
    max: T,
) -> Result<Option<T>, ApiError>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
{
    let Some(raw) = query.get(name) else {
        return Ok(None);
    };
    let bad = || ApiError::invalid(format!("'{name}' must be an integer from {min} to {max}"));
    let value: T = raw.trim().parse().map_err(|_| bad())?;
    if value < min || value > max {
        return Err(bad());
    }
    Ok(Some(value))
}
