//! The browser's side of push notifications: the service worker
//! (`/sw.js`, which shows pushes and opens the room when one is clicked),
//! the Push API subscription with the server's VAPID key, and saving it
//! with the server (`/api/save-token/`) or removing it.

use super::push_state::PushState;
use crate::message::ChatMessage;
use crate::xhr;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Notification, NotificationOptions, NotificationPermission, PushSubscription,
    PushSubscriptionOptionsInit, ServiceWorkerContainer, ServiceWorkerRegistration,
};

const WORKER: &str = "/sw.js";
const SAVE_TOKEN: &str = "/api/save-token/";

/// Where notifications stand in this browser. A subscription found here is
/// saved again, for whoever is signed in now.
pub async fn current() -> PushState {
    let Some(workers) = workers() else {
        return PushState::Unsupported;
    };
    match Notification::permission() {
        NotificationPermission::Denied => return PushState::Blocked,
        NotificationPermission::Granted => {}
        _ => return PushState::Off,
    }
    // Allowed: the worker shows desktop notifications even without a
    // subscription.
    if let Err(message) = register(&workers).await {
        return PushState::Failed(message);
    }
    let Some(subscription) = existing().await else {
        return PushState::Off;
    };
    match save(&subscription).await {
        Ok(()) => PushState::On,
        Err(message) => PushState::Failed(message),
    }
}

/// Asks for permission, subscribes and saves the subscription.
pub async fn enable() -> PushState {
    let Some(workers) = workers() else {
        return PushState::Unsupported;
    };
    match subscribe(&workers).await {
        Ok(state) => state,
        Err(message) => PushState::Failed(message),
    }
}

/// Removes the subscription from the server and from the browser.
pub async fn disable() -> PushState {
    if workers().is_none() {
        return PushState::Unsupported;
    }
    if let Some(subscription) = existing().await {
        let body = match device_json(&subscription) {
            Ok(body) => body,
            Err(message) => return PushState::Failed(message),
        };
        match xhr::send_json("DELETE", SAVE_TOKEN, &body).await {
            // 404: the server had forgotten it already.
            Some(reply) if reply.status == 200 || reply.status == 404 => {}
            Some(reply) => return PushState::Failed(reply.refusal()),
            None => return PushState::Failed(xhr::unreachable()),
        }
        if let Ok(promise) = subscription.unsubscribe() {
            let _ = JsFuture::from(promise).await;
        }
    }
    PushState::Off
}

/// A desktop notification for `message`, through the service worker (so a
/// click opens the room), when the reader allowed them.
pub fn show_notification(message: &ChatMessage) {
    if workers().is_none() || Notification::permission() != NotificationPermission::Granted {
        return;
    }
    let title = format!("#{}", message.room);
    let body = message.notice();
    let url = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let data = js_sys::Object::new();
    let _ = Reflect::set(&data, &"room".into(), &message.room.as_str().into());
    let _ = Reflect::set(&data, &"url".into(), &url.into());
    let options = NotificationOptions::new();
    options.set_body(&body);
    options.set_tag(&message.room);
    options.set_data(&data);
    leptos::task::spawn_local(async move {
        if let Some(registration) = registration().await {
            let _ = registration.show_notification_with_options(&title, &options);
        }
    });
}

/// The service worker container, where the Push API and notifications
/// exist (a secure page in a browser that has them).
fn workers() -> Option<ServiceWorkerContainer> {
    let window = web_sys::window()?;
    let has = |name: &str| Reflect::has(&window, &name.into()).unwrap_or(false);
    if !has("PushManager") || !has("Notification") || !window.is_secure_context() {
        return None;
    }
    let navigator = window.navigator();
    Reflect::has(&navigator, &"serviceWorker".into())
        .unwrap_or(false)
        .then(|| navigator.service_worker())
}

async fn subscribe(workers: &ServiceWorkerContainer) -> Result<PushState, String> {
    let permission = JsFuture::from(Notification::request_permission().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    match permission.as_string().as_deref() {
        Some("granted") => {}
        Some("denied") => return Ok(PushState::Blocked),
        _ => return Ok(PushState::Off),
    }
    let registration = register(workers).await?;
    let key = server_key().await?;
    let options = PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    options.set_application_server_key(&Uint8Array::from(key.as_slice()).into());
    let manager = registration.push_manager().map_err(js_error)?;
    let subscribed = JsFuture::from(manager.subscribe_with_options(&options).map_err(js_error)?)
        .await
        .map_err(|e| {
            format!(
                "The browser could not subscribe ({}). Try again later.",
                js_error(e)
            )
        })?;
    save(&subscribed.unchecked_into()).await?;
    Ok(PushState::On)
}

/// Registers the service worker and waits until it is active.
async fn register(workers: &ServiceWorkerContainer) -> Result<ServiceWorkerRegistration, String> {
    JsFuture::from(workers.register(WORKER))
        .await
        .map_err(|e| format!("Notifications could not be set up ({}).", js_error(e)))?;
    let ready = JsFuture::from(workers.ready().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    Ok(ready.unchecked_into())
}

/// The service worker's registration, if it is registered.
async fn registration() -> Option<ServiceWorkerRegistration> {
    let registration = JsFuture::from(workers()?.get_registration()).await.ok()?;
    registration.dyn_into().ok()
}

/// This browser's subscription, if it has one.
async fn existing() -> Option<PushSubscription> {
    let registration = registration().await?;
    let promise = registration.push_manager().ok()?.get_subscription().ok()?;
    JsFuture::from(promise).await.ok()?.dyn_into().ok()
}

/// The server's VAPID public key, as bytes.
async fn server_key() -> Result<Vec<u8>, String> {
    let config: serde_json::Value = xhr::get_json("/api/push/config").await?;
    let key = config["webpush"]["public_key"]
        .as_str()
        .ok_or("This server does not send browser notifications.")?;
    base64url(key).ok_or_else(|| "The server's push key is unreadable.".to_owned())
}

/// Saves `subscription` for the signed-in reader.
async fn save(subscription: &PushSubscription) -> Result<(), String> {
    let body = device_json(subscription)?;
    match xhr::send_json("POST", SAVE_TOKEN, &body).await {
        Some(reply) if reply.status == 200 || reply.status == 201 => Ok(()),
        Some(reply) => Err(reply.refusal()),
        None => Err(xhr::unreachable()),
    }
}

/// `{"subscription": …}` as `save-token` takes it.
fn device_json(subscription: &PushSubscription) -> Result<String, String> {
    let json = js_sys::JSON::stringify(subscription)
        .map_err(js_error)?
        .as_string()
        .unwrap_or_default();
    Ok(format!("{{\"subscription\":{json}}}"))
}

fn js_error(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// Base64url (padded or not), through the browser's own decoder.
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut standard: String = text
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    let binary = web_sys::window()?.atob(&standard).ok()?;
    binary
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}
