//! How many pixels of uploads may be decoded at once, and on how many
//! threads: a decode holds its whole image in memory (4–8 bytes a pixel),
//! so without a bound thirty small "bomb" PNGs at once take gigabytes.
//!
//! A decode waits its turn for the pixels and a thread (a bounded time,
//! then the upload is refused as busy), and one sign-in decodes one image
//! at a time, so one uploader cannot take every turn.

use chat_core::metrics::Metrics;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Mutex as Lane, OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

/// Pixels are counted in units of this many, so that a budget of billions
/// fits a semaphore's permit count.
const UNIT: u64 = 1024;

/// The decoding allowance, shared by every upload.
#[derive(Clone)]
pub struct DecodeBudget {
    pixels: Arc<Semaphore>,
    total_units: u64,
    threads: Arc<Semaphore>,
    lanes: Arc<Mutex<HashMap<String, Arc<Lane<()>>>>>,
    wait: Duration,
    metrics: Arc<Metrics>,
}

/// Why a decode could not start.
#[derive(Debug, thiserror::Error)]
pub enum Busy {
    #[error("the image is larger than this server decodes at once ({max} pixels)")]
    Larger { max: u64 },
    #[error("the server is busy decoding other images; try again shortly")]
    Waited(Duration),
}

/// A decode's turn: its pixels and thread, given back when dropped.
pub struct Turn {
    _lane: OwnedMutexGuard<()>,
    _pixels: OwnedSemaphorePermit,
    _thread: OwnedSemaphorePermit,
    pixels: u64,
    metrics: Arc<Metrics>,
}

impl DecodeBudget {
    /// At most `pixels` in flight on at most `threads` threads; a decode
    /// waits at most `wait` for its turn.
    pub fn new(pixels: u64, threads: usize, wait: Duration, metrics: Arc<Metrics>) -> Self {
        let total_units = (pixels / UNIT).clamp(1, Semaphore::MAX_PERMITS as u64);
        DecodeBudget {
            pixels: Arc::new(Semaphore::new(total_units as usize)),
            total_units,
            threads: Arc::new(Semaphore::new(threads.max(1))),
            lanes: Arc::default(),
            wait,
            metrics,
        }
    }

    /// Waits for a turn to decode `pixels` for the sign-in `session`.
    pub async fn turn(&self, session: &str, pixels: u64) -> Result<Turn, Busy> {
        let units = pixels.div_ceil(UNIT).max(1);
        if units > self.total_units {
            return Err(Busy::Larger {
                max: self.total_units * UNIT,
            });
        }
        let lane = self.lane(session);
        let waited = tokio::time::timeout(self.wait, async {
            const OPEN: &str = "the budget's semaphores are never closed";
            let lane = lane.lock_owned().await;
            let units = u32::try_from(units).unwrap_or(u32::MAX);
            let pixels = self.pixels.clone().acquire_many_owned(units).await;
            let thread = self.threads.clone().acquire_owned().await;
            (lane, pixels.expect(OPEN), thread.expect(OPEN))
        })
        .await;
        self.forget_idle_lanes();
        let (lane, pixel_permit, thread) = waited.map_err(|_| Busy::Waited(self.wait))?;
        let now = self
            .metrics
            .decode_pixels
            .fetch_add(pixels, Ordering::Relaxed)
            + pixels;
        self.metrics
            .decode_pixels_peak
            .fetch_max(now, Ordering::Relaxed);
        Ok(Turn {
            _lane: lane,
            _pixels: pixel_permit,
            _thread: thread,
            pixels,
            metrics: self.metrics.clone(),
        })
    }

    fn lane(&self, session: &str) -> Arc<Lane<()>> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        lanes.entry(session.to_owned()).or_default().clone()
    }

    /// Drops lanes no upload holds or waits for.
    fn forget_idle_lanes(&self) {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        lanes.retain(|_, lane| Arc::strong_count(lane) > 1);
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.metrics
            .decode_pixels
            .fetch_sub(self.pixels, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(pixels: u64) -> DecodeBudget {
        DecodeBudget::new(pixels, 4, Duration::from_millis(50), Arc::default())
    }

    #[tokio::test]
    async fn decodes_wait_for_pixels_and_images_over_the_whole_budget_are_refused() {
        let budget = budget(10 * UNIT);
        assert!(matches!(
            budget.turn("a", 11 * UNIT).await,
            Err(Busy::Larger { .. })
        ));
        let first = budget.turn("a", 6 * UNIT).await.unwrap();
        assert!(matches!(
            budget.turn("b", 6 * UNIT).await,
            Err(Busy::Waited(_))
        ));
        let other = budget.turn("b", 4 * UNIT).await.unwrap();
        drop((first, other));
        assert!(budget.turn("b", 6 * UNIT).await.is_ok());
        assert_eq!(
            budget.metrics.decode_pixels_peak.load(Ordering::Relaxed),
            10 * UNIT
        );
        assert_eq!(budget.metrics.decode_pixels.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn one_sign_in_decodes_one_image_at_a_time() {
        let budget = budget(100 * UNIT);
        let turn = budget.turn("a", UNIT).await.unwrap();
        assert!(matches!(budget.turn("a", UNIT).await, Err(Busy::Waited(_))));
        assert!(budget.turn("b", UNIT).await.is_ok());
        drop(turn);
        let _again = budget.turn("a", UNIT).await.unwrap();
        // Only lanes in use are kept.
        assert_eq!(budget.lanes.lock().unwrap().len(), 1);
    }
}
