//! Requests from the page to the server's HTTP routes, through
//! `XMLHttpRequest`: uploads need its progress events, and one way of asking
//! keeps a second set of browser bindings out of the bundle. The Socket.IO
//! client's long-polling transport asks the same way.

use futures::channel::oneshot;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{FormData, XmlHttpRequest};

/// What the server answered.
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    /// The `error.message` of the server's JSON error body, if it sent one.
    pub fn error_message(&self) -> Option<String> {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
    }

    /// Why the server refused, for the reader.
    pub fn refusal(&self) -> String {
        match self.status {
            401 => SESSION_EXPIRED.to_owned(),
            status => self
                .error_message()
                .unwrap_or_else(|| format!("The server answered {status}; try again.")),
        }
    }
}

/// What the reader is told when a 401 says their session is gone.
pub const SESSION_EXPIRED: &str = "Your session has expired; log in again.";

/// What the reader is told when no reply came.
pub fn unreachable() -> String {
    "The server is unreachable. Check your connection and retry.".to_owned()
}

/// Sends an opened request (with `form` as its body, if any) and waits for
/// the reply; `None` when no reply came (network down, request aborted).
pub async fn send(xhr: &XmlHttpRequest, form: Option<&FormData>) -> Option<Reply> {
    send_with(xhr, |xhr| xhr.send_with_opt_form_data(form)).await
}

/// `method path` with a JSON body; `None` when no reply came.
pub async fn send_json(method: &str, path: &str, json: &str) -> Option<Reply> {
    let xhr = XmlHttpRequest::new().ok()?;
    xhr.open(method, path).ok()?;
    xhr.set_request_header("Content-Type", "application/json")
        .ok()?;
    send_with(&xhr, |xhr| xhr.send_with_opt_str(Some(json))).await
}

/// Sends an opened request with `start` and waits for the reply.
async fn send_with(
    xhr: &XmlHttpRequest,
    start: impl FnOnce(&XmlHttpRequest) -> Result<(), wasm_bindgen::JsValue>,
) -> Option<Reply> {
    let (done_tx, done_rx) = oneshot::channel::<bool>();
    let done_tx = Rc::new(RefCell::new(Some(done_tx)));
    let finish = |replied: bool| {
        let done_tx = done_tx.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(tx) = done_tx.borrow_mut().take() {
                let _ = tx.send(replied);
            }
        })
    };
    let on_load = finish(true);
    let on_error = finish(false);
    let on_abort = finish(false);
    let on_timeout = finish(false);
    xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
    xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
    xhr.set_ontimeout(Some(on_timeout.as_ref().unchecked_ref()));
    start(xhr).ok()?;

    // The closures live until the request has finished.
    let replied = done_rx.await.unwrap_or(false);
    drop((on_load, on_error, on_abort, on_timeout));
    replied.then(|| Reply {
        status: xhr.status().unwrap_or(0),
        body: xhr.response_text().ok().flatten().unwrap_or_default(),
    })
}

/// `GET path`, read as JSON.
pub async fn get_json<T: serde::de::DeserializeOwned>(path: &str) -> Result<T, String> {
    let xhr = XmlHttpRequest::new().map_err(|_| unreachable())?;
    xhr.open("GET", path).map_err(|_| unreachable())?;
    let reply = send(&xhr, None).await.ok_or_else(unreachable)?;
    match reply.status {
        200 => serde_json::from_str(&reply.body)
            .map_err(|e| format!("Unexpected reply from the server: {e}")),
        _ => Err(reply.refusal()),
    }
}

/// `POST path` with no body; `None` when no reply came.
pub async fn post(path: &str) -> Option<Reply> {
    let xhr = XmlHttpRequest::new().ok()?;
    xhr.open("POST", path).ok()?;
    send(&xhr, None).await
}

/// `method url` with a text body (or none), given up after `timeout_ms`;
/// `None` when no reply came. `xhr` is the caller's, so it can abort it.
pub async fn text(
    xhr: &XmlHttpRequest,
    method: &str,
    url: &str,
    body: Option<&str>,
    timeout_ms: u32,
) -> Option<Reply> {
    xhr.open(method, url).ok()?;
    xhr.set_timeout(timeout_ms);
    if body.is_some() {
        xhr.set_request_header("Content-Type", "text/plain;charset=UTF-8")
            .ok()?;
    }
    send_with(xhr, |xhr| xhr.send_with_opt_str(body)).await
}
