//! Password hashing (Argon2id) on a bounded pool. Each hash takes tens of
//! milliseconds of a core and 19 MiB of memory while it runs, so at most
//! `threads` run at once and at most `queue` more wait their turn; past
//! that a sign-in is refused at once (`rate_limited`) instead of queued.
//! A flood of sign-ins then costs the server a fixed share of its CPU and
//! memory, however many arrive, and everyone else's messages keep flowing.

use crate::Error;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Longest password accepted, in bytes: hashing cost stays bounded.
pub const PASSWORD_MAX_BYTES: usize = 1024;
/// Hashes that may wait for a thread, per thread.
const QUEUED_PER_THREAD: usize = 4;
/// What a refused caller is told to wait: about one hash's time per
/// waiting place, rounded up to a second.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The server's hashing pool; clones share it.
#[derive(Clone)]
pub struct Passwords {
    /// Places for hashes running or waiting: a caller without one is refused.
    admitted: Arc<Semaphore>,
    /// Threads: a hash runs only while it holds one.
    running: Arc<Semaphore>,
}

impl Passwords {
    /// A pool of `threads` hashing threads (at least one), with a queue of
    /// four times as many.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        Passwords {
            admitted: Arc::new(Semaphore::new(threads * (1 + QUEUED_PER_THREAD))),
            running: Arc::new(Semaphore::new(threads)),
        }
    }

    /// The Argon2id hash of `password`, in PHC form.
    pub async fn hash(&self, password: &str) -> Result<String, Error> {
        let password = password.to_owned();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| e.to_string())
        })
        .await?
        .map_err(|e| Error::new(protocol::events::ErrorCode::Unavailable, e))
    }

    /// Whether `password` matches `hash`, compared in constant time. With
    /// no hash (an unknown name), the same work against a hash no one
    /// has: timing does not tell which names exist.
    pub async fn verify(&self, hash: Option<&str>, password: &str) -> Result<bool, Error> {
        if password.len() > PASSWORD_MAX_BYTES {
            return Ok(false);
        }
        let (hash, password) = (hash.map(str::to_owned), password.to_owned());
        self.run(move || {
            let hash = hash.as_deref().unwrap_or(&DUMMY_HASH);
            PasswordHash::new(hash).is_ok_and(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
        })
        .await
    }

    /// Runs `work` on a blocking thread once it has a place and a thread.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let Ok(_place) = self.admitted.clone().try_acquire_owned() else {
            return Err(Error::rate_limited("sign-ins at once", RETRY_AFTER));
        };
        let _thread = self
            .running
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::new(protocol::events::ErrorCode::Unavailable, e.to_string()))
    }
}

/// The hash of a password no one has, checked when the name is unknown.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"no one signs in with this", &salt)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::events::ErrorCode;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let passwords = Passwords::new(1);
        let hash = passwords.hash("correct horse").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            passwords
                .verify(Some(&hash), "correct horse")
                .await
                .unwrap()
        );
        assert!(!passwords.verify(Some(&hash), "correct hors").await.unwrap());
        assert!(!passwords.verify(None, "correct horse").await.unwrap());
        let huge = "x".repeat(PASSWORD_MAX_BYTES + 1);
        assert!(!passwords.verify(Some(&hash), &huge).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn past_the_queue_a_caller_is_refused_at_once_not_queued() {
        let passwords = Passwords::new(1);
        let hash = passwords.hash("correct horse").await.unwrap();
        // One running and four waiting fill a one-thread pool.
        let attempts = (0..20).map(|_| {
            let (passwords, hash) = (passwords.clone(), hash.clone());
            tokio::spawn(async move { passwords.verify(Some(&hash), "wrong").await })
        });
        let outcomes = futures::future::join_all(attempts).await;
        let refused = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Err(e)) if e.code() == ErrorCode::RateLimited))
            .count();
        let checked = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Ok(false))))
            .count();
        assert_eq!(refused + checked, 20);
        assert!(checked <= 5, "{checked} were hashed at once or queued");
        assert!(refused >= 15, "{refused}");
        // Once the pool drains, sign-ins are taken again.
        assert!(
            passwords
                .verify(Some(&hash), "correct horse")
                .await
                .unwrap()
        );
    }
}
