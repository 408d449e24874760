//! Password hashing (Argon2id) on a bounded pool. Each hash takes tens of
//! milliseconds of a core and 19 MiB of memory while it runs, so at most
//! `threads` run at once, on threads of their own, and four times as many
//! wait their turn; past that a sign-in is refused at once
//! (`rate_limited`) instead of queued. The hashing threads run at a lower
//! priority than the rest of the server: a flood of sign-ins gets the CPU
//! the server does not need, and everyone else's messages keep flowing.

use crate::Error;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use protocol::events::ErrorCode;
use std::sync::{Arc, LazyLock, Mutex, mpsc};
use std::time::Duration;
use tokio::sync::oneshot;

/// Longest password accepted, in bytes: hashing cost stays bounded.
pub const PASSWORD_MAX_BYTES: usize = 1024;
/// Hashes that may wait for a thread, per thread.
const QUEUED_PER_THREAD: usize = 4;
/// What a refused caller is told to wait: about one hash's time per
/// waiting place, rounded up to a second.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Work for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// The server's hashing pool; clones share it. Its threads end when the
/// last clone is dropped.
#[derive(Clone)]
pub struct Passwords {
    /// Waiting places: a caller who finds none is refused.
    jobs: mpsc::SyncSender<Job>,
}

impl Passwords {
    /// A pool of `threads` hashing threads (at least one), with four times
    /// as many waiting places.
    pub fn new(threads: usize) -> Self {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::sync_channel::<Job>(threads * QUEUED_PER_THREAD);
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            let started = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // Held only while taking a job, not while doing it.
                        let job = queue.lock().expect("not poisoned").recv();
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = started {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        Passwords { jobs }
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
        .map_err(|e| Error::new(ErrorCode::Unavailable, e))
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

    /// Runs `work` on a hashing thread, if there is a place for it.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Full(_)) => {
                return Err(Error::rate_limited("sign-ins at once", RETRY_AFTER));
            }
            Err(mpsc::TrySendError::Disconnected(_)) => {
                return Err(Error::new(
                    ErrorCode::Unavailable,
                    "password checks are unavailable",
                ));
            }
        }
        result
            .await
            .map_err(|_| Error::new(ErrorCode::Unavailable, "a password check failed"))
    }
}

/// Gives the calling thread a lower scheduling priority (nice 10), so that
/// hashing yields the CPU to the threads serving requests. No crate wraps
/// this one call on Linux, where the nice value is a thread's own.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; `0` names the
    // calling thread. A failure leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
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
