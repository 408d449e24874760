//! Refusing a request before its body is read without resetting it.
//!
//! A server that answers early and closes the connection while the client
//! is still writing makes the kernel send a reset; clients that write the
//! whole body before reading (Node's `fetch`, most HTTP libraries) then
//! report `EPIPE` instead of the answer. So after a refusal, what is left
//! of the body is read and thrown away first, up to a bound in bytes and
//! time; past the bound the connection is closed after all.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// How much of a refused body is read before giving up on it.
#[derive(Debug, Clone, Copy)]
pub struct DrainLimit {
    pub bytes: u64,
    pub time: Duration,
}

/// Runs the handler with a body it may drop unread, then drains what it
/// left if the answer is a refusal.
pub async fn drain_refused(State(limit): State<DrainLimit>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (parts, body) = req.into_parts();
    let shared = Arc::new(Mutex::new(Some(body)));
    let req = Request::from_parts(parts, Body::new(SharedBody(shared.clone())));
    let response = next.run(req).await;

    let rest = shared.lock().unwrap_or_else(|e| e.into_inner()).take();
    let worth_draining = declared.is_none_or(|len| len <= limit.bytes);
    if let Some(rest) = rest
        && !response.status().is_success()
        && worth_draining
    {
        let _ = tokio::time::timeout(limit.time, discard(rest, limit.bytes)).await;
    }
    response
}

/// Reads and drops up to `max` bytes of `body`.
async fn discard(mut body: Body, max: u64) {
    use http_body_util::BodyExt;
    let mut read = 0u64;
    while read <= max {
        match body.frame().await {
            Some(Ok(frame)) => {
                read += frame.data_ref().map_or(0, |data| data.len() as u64);
            }
            _ => return,
        }
    }
}

/// The request body, shared between the handler and [`drain_refused`]:
/// whatever the handler does not read stays behind for the drain.
struct SharedBody(Arc<Mutex<Option<Body>>>);

impl HttpBody for SharedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let mut body = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match body.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn size_hint(&self) -> SizeHint {
        let body = self.0.lock().unwrap_or_else(|e| e.into_inner());
        body.as_ref().map(HttpBody::size_hint).unwrap_or_default()
    }

    fn is_end_stream(&self) -> bool {
        let body = self.0.lock().unwrap_or_else(|e| e.into_inner());
        body.as_ref().is_none_or(HttpBody::is_end_stream)
    }
}
