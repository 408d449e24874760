//! A connection that keeps its places under the connection caps for as
//! long as it lives. hyper ends an HTTP connection's future when it hands
//! the stream over to a WebSocket, so places held by that future would be
//! given back while the WebSocket stays open; held by the stream, they go
//! when the WebSocket does. (A few lines of delegation: no crate wraps a
//! stream with a guard.)

use super::per_address::Slot;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::OwnedSemaphorePermit;

pin_project_lite::pin_project! {
    pub struct Counted<S> {
        #[pin]
        stream: S,
        // Given back when the connection is dropped, whatever it became.
        _open: OwnedSemaphorePermit,
        _per_address: Option<Slot>,
    }
}

impl<S> Counted<S> {
    /// `stream`, holding its place among all open connections and, unless
    /// it comes from a trusted proxy, among its address's.
    pub fn new(stream: S, open: OwnedSemaphorePermit, per_address: Option<Slot>) -> Self {
        Counted {
            stream,
            _open: open,
            _per_address: per_address,
        }
    }
}

impl<S: AsyncRead> AsyncRead for Counted<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().stream.poll_read(cx, buf)
    }
}

impl<S: AsyncWrite> AsyncWrite for Counted<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().stream.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().stream.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().stream.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().stream.poll_shutdown(cx)
    }
}
