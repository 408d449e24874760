//! The accept loop. `axum::serve` reads headers and bodies for as long as a
//! client cares to take and accepts without bound; this loop serves the
//! same router over HTTP/1.1 (what browsers and reverse proxies speak to an
//! origin without TLS) with:
//!
//! - a header read timeout (also the keep-alive idle timeout), so a client
//!   trickling headers (slowloris) is cut off;
//! - a body read timeout, applied between body chunks (see
//!   [`body_timeout`]);
//! - a cap on open connections in all (further ones wait in the listen
//!   backlog) and per client address (further ones are closed), except
//!   from trusted proxies, which carry many clients.
//!
//! Upgraded connections (WebSockets) are no longer HTTP and are not timed;
//! Socket.IO pings them. They still count under both caps until they close
//! (see [`Counted`]).

use super::counted::Counted;
use super::network::Network;
use super::per_address::PerAddress;
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// What one client, and all of them together, may hold of the server.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_ip: usize,
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open
/// requests finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    network: Network,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let timeout = limits.body_timeout;
    let app = app.layer(axum::middleware::from_fn(move |req, next| {
        body_timeout(timeout, req, next)
    }));
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let open = Arc::new(Semaphore::new(limits.max_connections));
    let per_address = PerAddress::new(limits.max_connections_per_ip);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        let permit = tokio::select! {
            permit = open.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let slot = if network.is_proxy(peer.ip()) {
            None
        } else {
            match per_address.slot(peer.ip()) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(%peer, "refused a connection: too many from this address");
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        // The peer goes into each request as it arrives: layering the router
        // instead would rebuild its whole route table for every connection.
        let service = app.clone().map_request(move |req: Request<Incoming>| {
            let mut req = req.map(Body::new);
            req.extensions_mut().insert(ConnectInfo(peer));
            req
        });
        let stream = Counted::new(stream, permit, slot);
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::trace!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Fails a request whose body stalls for longer than `timeout` between two
/// chunks (a slow upload that keeps moving is fine). Axum's extractors turn
/// the failure into a 4xx and the connection is closed.
async fn body_timeout(timeout: Duration, req: Request, next: Next) -> Response {
    next.run(req.map(|body| Body::new(TimeoutBody::new(timeout, body))))
        .await
}
