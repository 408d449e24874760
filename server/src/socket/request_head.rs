//! A Socket.IO session keeps the head (URI and headers) of the request that
//! opened it for as long as it lives. hyper parses a head as slices of the
//! connection's read buffer, so a kept header would keep that whole buffer
//! (16 KiB) in memory beside every connected client. Engine.IO requests get
//! a head of their own before the library sees them: a few hundred bytes,
//! copied once per request.

use axum::extract::{OriginalUri, Request};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::middleware::Next;
use axum::response::Response;

pub async fn own_request_head(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/socket.io") {
        return next.run(req).await;
    }
    let (mut head, body) = req.into_parts();
    head.uri = owned_uri(&head.uri);
    head.headers = owned_headers(&head.headers);
    // axum's router keeps the URI as it arrived, too.
    if let Some(OriginalUri(uri)) = head.extensions.get_mut::<OriginalUri>() {
        *uri = owned_uri(uri);
    }
    next.run(Request::from_parts(head, body)).await
}

fn owned_uri(uri: &Uri) -> Uri {
    Uri::try_from(uri.to_string()).unwrap_or_else(|_| uri.clone())
}

/// The same headers, their values copied out of the shared buffer (names
/// hyper already owns: the standard ones are static, others are copied).
fn owned_headers(headers: &HeaderMap) -> HeaderMap {
    let mut owned = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let mut copy = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        copy.set_sensitive(value.is_sensitive());
        owned.append(name.clone(), copy);
    }
    owned
}

#[cfg(test)]
mod tests {
    use super::{owned_headers, owned_uri};
    use axum::http::{HeaderMap, HeaderValue, Uri, header};

    #[test]
    fn the_copy_reads_the_same_and_keeps_repeated_headers() {
        let uri: Uri = "/socket.io/?EIO=4&transport=websocket".parse().unwrap();
        assert_eq!(owned_uri(&uri), uri);

        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1"));
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        headers.append("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        let copy = owned_headers(&headers);
        assert_eq!(copy, headers);
        assert_eq!(copy.get_all(header::COOKIE).iter().count(), 2);
        // Copies, not views of the same bytes.
        let original = headers["x-forwarded-for"].as_bytes().as_ptr();
        assert_ne!(copy["x-forwarded-for"].as_bytes().as_ptr(), original);
    }
}
