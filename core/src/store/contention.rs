//! Writes that meet other writes: every write outside the message writers
//! (memberships, push devices and the outbox, sanctions, accounts and
//! sessions, edits and deletions) waits its turn instead of failing.
//!
//! - SQLite lets one connection write at a time. A transaction that reads
//!   before it writes, begun the default (deferred) way, cannot wait for
//!   the lock: SQLite answers `database is locked` at once, since waiting
//!   could deadlock. Write transactions therefore begin `IMMEDIATE`
//!   ([`WritePool::begin_write`]), taking the lock first, and the busy
//!   timeout makes them queue for it.
//! - PostgreSQL and MySQL/InnoDB break a deadlock by rolling one of the
//!   transactions back, and PostgreSQL may refuse one that cannot be
//!   serialised; the loser is simply tried again ([`retrying`]), as the
//!   message path does, after a short pause that lets the winner finish.
//!
//! A database that is really unreachable still fails at once (and answers
//! `unavailable`): only these refusals are retried.

use super::StoreError;
use sqlx::{MySql, MySqlPool, PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use std::future::Future;
use std::time::Duration;

/// Times a write is tried in all.
const ATTEMPTS: u32 = 6;
/// The pause before the first retry; each one after waits twice as long
/// (about 0.3 s in all).
const FIRST_PAUSE: Duration = Duration::from_millis(5);

/// A pool that begins transactions meant to write.
pub(super) trait WritePool {
    type Db: sqlx::Database;

    /// A transaction that holds, from its start, what it needs to write.
    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl WritePool for SqlitePool {
    type Db = Sqlite;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Sqlite>, sqlx::Error>> + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl WritePool for PgPool {
    type Db = Postgres;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, Postgres>, sqlx::Error>> + Send {
        self.begin()
    }
}

impl WritePool for MySqlPool {
    type Db = MySql;

    fn begin_write(
        &self,
    ) -> impl Future<Output = Result<Transaction<'static, MySql>, sqlx::Error>> + Send {
        self.begin()
    }
}

/// A failure that says only that another write got in the way.
pub(super) trait Contended {
    fn is_contention(&self) -> bool;
}

impl Contended for sqlx::Error {
    fn is_contention(&self) -> bool {
        let Some(error) = self.as_database_error() else {
            return false;
        };
        match error.code().as_deref() {
            // PostgreSQL's serialization_failure and MySQL's deadlock
            // (1213), both SQLSTATE 40001; PostgreSQL's deadlock_detected.
            Some("40001" | "40P01") => true,
            // SQLite's extended result codes, as numbers: SQLITE_BUSY (5)
            // and SQLITE_LOCKED (6) with any extension.
            Some(code) => code
                .parse::<i32>()
                .is_ok_and(|code| matches!(code & 0xff, 5 | 6)),
            None => false,
        }
    }
}

impl Contended for StoreError {
    fn is_contention(&self) -> bool {
        matches!(self, StoreError::Sqlx(e) if e.is_contention())
    }
}

/// Runs `write` until it succeeds, fails for another reason, or has lost
/// to other writes [`ATTEMPTS`] times. `write` must be safe to run again
/// after a refusal: one transaction, or statements that each either apply
/// or not.
pub(super) async fn retrying<T, E, F, Fut>(mut write: F) -> Result<T, E>
where
    E: Contended + std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut pause = FIRST_PAUSE;
    for _ in 1..ATTEMPTS {
        match write().await {
            Err(e) if e.is_contention() => {
                tracing::debug!(error = %e, retry_in = ?pause, "a write lost to another; retrying");
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            outcome => return outcome,
        }
    }
    write().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[derive(Debug)]
    struct Refused(bool);

    impl Contended for Refused {
        fn is_contention(&self) -> bool {
            self.0
        }
    }

    impl std::fmt::Display for Refused {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "refused (contention: {})", self.0)
        }
    }

    #[tokio::test]
    async fn a_write_that_lost_to_another_is_tried_again_until_it_goes_through() {
        let tries = &AtomicU32::new(0);
        let outcome = retrying(move || async move {
            match tries.fetch_add(1, Ordering::Relaxed) {
                0..=2 => Err(Refused(true)),
                n => Ok(n),
            }
        })
        .await;
        assert_eq!(outcome.unwrap(), 3);
    }

    #[tokio::test]
    async fn other_failures_and_endless_contention_are_returned() {
        let tries = &AtomicU32::new(0);
        let other = retrying(move || async move {
            tries.fetch_add(1, Ordering::Relaxed);
            Err::<(), _>(Refused(false))
        })
        .await;
        assert!(matches!(other, Err(Refused(false))));
        assert_eq!(tries.load(Ordering::Relaxed), 1, "not retried");

        tries.store(0, Ordering::Relaxed);
        let endless = retrying(move || async move {
            tries.fetch_add(1, Ordering::Relaxed);
            Err::<(), _>(Refused(true))
        })
        .await;
        assert!(matches!(endless, Err(Refused(true))));
        assert_eq!(tries.load(Ordering::Relaxed), ATTEMPTS);
    }
}
