//! Limits on what one person or address may do, holding across nodes.
//!
//! With several nodes, a limit kept in each node's memory would let a
//! person who spreads their requests over the nodes do that many times
//! more. An [`Allowance`] keeps its buckets where every node sees them
//! ([`SharedBuckets`], Redis), and falls back to this node's own while
//! those cannot be reached: a limit is never lifted, at worst it is per
//! node for a while.

use crate::rate::{Limiter, Rate};
use async_trait::async_trait;
use std::fmt::Display;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

/// Token buckets every node sees.
#[async_trait]
pub trait SharedBuckets: Send + Sync + 'static {
    /// Takes one token from the bucket named `key`, created full at
    /// `rate`: `Some(Ok)` taken, `Some(Err(wait))` empty, `None` when the
    /// buckets cannot be reached.
    async fn take(&self, key: &str, rate: Rate) -> Option<Result<(), Duration>>;

    /// Gives back a token taken from `key`; true when it was.
    async fn refund(&self, key: &str, rate: Rate) -> bool;
}

/// One kind of limit (`name`), with a bucket per key (a sign-in, an address).
pub struct Allowance<K> {
    name: &'static str,
    rate: Rate,
    here: Arc<Limiter<K>>,
    shared: Option<Arc<dyn SharedBuckets>>,
}

impl<K: Eq + Hash + Clone + Display> Allowance<K> {
    /// `name` tells this limit's buckets from others' in the shared store.
    pub fn new(
        name: &'static str,
        rate: Rate,
        shared: Option<Arc<dyn SharedBuckets>>,
    ) -> Arc<Self> {
        Arc::new(Allowance {
            name,
            rate,
            here: Limiter::new(rate),
            shared,
        })
    }

    /// Takes a token from `key`'s bucket, or says how long to wait.
    pub async fn check(&self, key: &K) -> Result<(), Duration> {
        if let Some(shared) = &self.shared
            && let Some(verdict) = shared.take(&self.bucket(key), self.rate).await
        {
            return verdict;
        }
        self.here.check(key.clone())
    }

    /// Gives back the token a request took (it turned out not to count).
    pub async fn refund(&self, key: &K) {
        if let Some(shared) = &self.shared
            && shared.refund(&self.bucket(key), self.rate).await
        {
            return;
        }
        self.here.refund(key);
    }

    fn bucket(&self, key: &K) -> String {
        format!("{}:{key}", self.name)
    }
}
