//! Token buckets: a burst allowance that refills at a steady rate, kept per
//! key (a connection, a sign-in, a client address).
//!
//! Written here rather than taken from `governor`: a send that is refused
//! after it was counted (invalid, a duplicate) gives its token back
//! ([`Limiter::refund`]), which `governor`'s GCRA state cannot express.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many requests may come at once, and how fast the allowance refills.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub burst: f64,
    pub per_second: f64,
}

impl Rate {
    /// `count` at once, refilled over an hour.
    pub fn per_hour(count: u32) -> Self {
        Self::refilled_over(count, 3600.0)
    }

    /// `count` at once, refilled over a minute.
    pub fn per_minute(count: u32) -> Self {
        Self::refilled_over(count, 60.0)
    }

    fn refilled_over(count: u32, seconds: f64) -> Self {
        let count = f64::from(count.max(1));
        Rate {
            burst: count,
            per_second: count / seconds,
        }
    }
}

/// One bucket's state.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    tokens: f64,
    refreshed: Instant,
}

impl Bucket {
    pub fn full(rate: Rate, now: Instant) -> Self {
        Bucket {
            tokens: rate.burst,
            refreshed: now,
        }
    }

    /// Whether the bucket has refilled completely by `now`.
    fn is_full(&self, rate: Rate, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refreshed).as_secs_f64();
        self.tokens + elapsed * rate.per_second >= rate.burst
    }

    /// Takes one token, or says how long until one is available.
    pub fn take(&mut self, rate: Rate, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.refreshed).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second).min(rate.burst);
        self.refreshed = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - self.tokens) / rate.per_second,
            ))
        }
    }
}

/// Buckets by key (a user, a connection), created full on first use.
pub struct Limiter<K> {
    rate: Rate,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: Eq + Hash> Limiter<K> {
    pub fn new(rate: Rate) -> Arc<Self> {
        Arc::new(Limiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes a token from `key`'s bucket, or says how long to wait.
    pub fn check(&self, key: K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        // Full buckets carry no information: drop them now and then so the
        // map holds only recently active keys.
        if buckets.len() > 10_000 {
            buckets.retain(|_, b| !b.is_full(self.rate, now));
        }
        buckets
            .entry(key)
            .or_insert_with(|| Bucket::full(self.rate, now))
            .take(self.rate, now)
    }

    /// Gives back the token a request took (it turned out not to count).
    pub fn refund(&self, key: &K) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.rate.burst);
        }
    }

    /// Forgets a key (a closed connection).
    pub fn forget(&self, key: &K) {
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_the_steady_rate() {
        let rate = Rate {
            burst: 3.0,
            per_second: 2.0,
        };
        let start = Instant::now();
        let mut bucket = Bucket::full(rate, start);
        for _ in 0..3 {
            assert!(bucket.take(rate, start).is_ok());
        }
        let wait = bucket.take(rate, start).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert!(
            bucket
                .take(rate, start + Duration::from_millis(500))
                .is_ok()
        );
        assert!(
            bucket
                .take(rate, start + Duration::from_millis(500))
                .is_err()
        );
    }

    #[test]
    fn keys_have_their_own_buckets() {
        let limiter = Limiter::new(Rate {
            burst: 1.0,
            per_second: 0.001,
        });
        assert!(limiter.check("alice").is_ok());
        assert!(limiter.check("alice").is_err());
        assert!(limiter.check("bob").is_ok());
        limiter.forget(&"alice");
        assert!(limiter.check("alice").is_ok());
        limiter.refund(&"alice");
        assert!(limiter.check("alice").is_ok());
        assert!(limiter.check("alice").is_err());
    }
}
