//! Lets posts in flight finish before the server closes.

use crate::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{RwLock, RwLockReadGuard};

/// Refuses new posts once closing, and waits for those already in flight.
#[derive(Default)]
pub(crate) struct Drain {
    closing: AtomicBool,
    in_flight: RwLock<()>,
}

impl Drain {
    /// A pass for one change, refused once the server is shutting down.
    pub(crate) async fn enter(&self) -> Result<RwLockReadGuard<'_, ()>, Error> {
        if self.closing.load(Ordering::SeqCst) {
            return Err(Error::shutting_down());
        }
        let pass = self.in_flight.read().await;
        // Shutdown may have begun while this waited behind it.
        if self.closing.load(Ordering::SeqCst) {
            return Err(Error::shutting_down());
        }
        Ok(pass)
    }

    /// Refuses new posts and waits (up to `limit`) for those in flight.
    pub(crate) async fn close(&self, limit: Duration) {
        self.closing.store(true, Ordering::SeqCst);
        if tokio::time::timeout(limit, self.in_flight.write())
            .await
            .is_err()
        {
            tracing::warn!("shutdown: gave up waiting for messages in flight");
        }
    }
}
