//! `GET /api/push/config`, and `POST`/`DELETE /api/save-token/`: the
//! devices a signed-in user takes push notifications on.

use super::reader::SessionUser;
use crate::error::{ApiError, ApiJson};
use crate::push::{DeviceBody, Push, PushConfig};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chat_core::store::push::SavedDevice;
use serde_json::{Value, json};
use std::sync::Arc;

/// The most devices one user takes pushes on; saving another forgets the
/// oldest.
const DEVICES_PER_USER: i64 = 10;
/// Largest body either route reads: a subscription is a few hundred bytes.
pub const BODY_LIMIT: usize = 16 * 1024;

/// What a client needs to subscribe: the VAPID public key for Web Push,
/// and whether FCM is set up.
pub async fn config(State(push): State<Arc<Push>>) -> Json<PushConfig> {
    Json(push.config().clone())
}

/// Saves an FCM token or a Web Push subscription for the signed-in user:
/// 201 when new for them, 200 when they had saved it already.
pub async fn save(
    State(state): State<AppState>,
    SessionUser(session): SessionUser,
    ApiJson(body): ApiJson<DeviceBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let device = checked(&state, &session.id, body).await?;
    let saved = state
        .chat
        .store()
        .save_device(session.username.as_str(), &device, DEVICES_PER_USER)
        .await?;
    state.push.device_saved();
    let status = match saved {
        SavedDevice::New => StatusCode::CREATED,
        SavedDevice::Already => StatusCode::OK,
    };
    Ok((
        status,
        Json(json!({"ok": true, "kind": device.kind().as_str()})),
    ))
}

/// Removes a device the signed-in user saved: 200, or 404 when they had
/// not saved it.
pub async fn remove(
    State(state): State<AppState>,
    SessionUser(session): SessionUser,
    ApiJson(body): ApiJson<DeviceBody>,
) -> Result<Json<Value>, ApiError> {
    let device = checked(&state, &session.id, body).await?;
    let removed = state
        .chat
        .store()
        .remove_device(session.username.as_str(), &device)
        .await?;
    if !removed {
        return Err(ApiError::not_found("this device is not saved"));
    }
    Ok(Json(json!({"ok": true})))
}

/// The device in `body`, within the sign-in's allowance.
async fn checked(
    state: &AppState,
    session_id: &str,
    body: DeviceBody,
) -> Result<chat_core::store::push::DeviceAddress, ApiError> {
    let device = body
        .device(state.push.allows_insecure_endpoints())
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    state
        .throttles
        .device_changes
        .check(&session_id.to_owned())
        .await
        .map_err(|wait| ApiError::rate_limited("device changes", wait))?;
    Ok(device)
}
