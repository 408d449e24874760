//! SQLite's message writer: a connection of its own, on a thread of its
//! own, that stores each batch in one transaction (one fsync) through
//! plain in-process calls.
//!
//! Through sqlx's pool, every statement is a round trip to the pooled
//! connection's worker thread (a batch took five: the pool's ping, BEGIN,
//! two statements, COMMIT), and at chat rates, where a batch holds one or
//! two messages, those thread hand-overs cost more CPU than the commit.
//! rusqlite shares sqlx's bundled SQLite, so both drivers use one library.
//! Reads and every other write stay on the pool: SQLite lets one
//! connection write at a time and the others wait their turn (the busy
//! timeout).

use super::group_commit::{self, BlockingWriter, Failure, Numbered, Stored};
use super::standard;
use chrono::{DateTime, SecondsFormat, Utc};
use protocol::message::ChatMessage;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

pub(super) struct SqliteWriter {
    connection: Connection,
}

impl SqliteWriter {
    /// Opens the database file at `path` (created and migrated already)
    /// with commits as durable as the pool's and checkpoints as far apart.
    pub(super) fn open(
        path: &Path,
        busy_timeout: Duration,
        checkpoint_pages: u32,
    ) -> rusqlite::Result<Self> {
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(busy_timeout)?;
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.pragma_update(None, "foreign_keys", true)?;
        connection.pragma_update(None, "wal_autocheckpoint", checkpoint_pages)?;
        Ok(SqliteWriter { connection })
    }

    /// The batch in one transaction, each message behind a savepoint: a
    /// message the database refuses is rolled back alone, and the rest
    /// commit. The write lock is taken at the start (`IMMEDIATE`), so a
    /// busy database is waited for rather than failing the batch midway.
    fn transaction(&mut self, batch: &[ChatMessage]) -> rusqlite::Result<Vec<Stored>> {
        let mut tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut stored = Vec::with_capacity(batch.len());
        for message in batch {
            let savepoint = tx.savepoint()?;
            match store(&savepoint, message) {
                Ok(id) => {
                    savepoint.commit()?;
                    stored.push(Ok(id));
                }
                // Dropping the savepoint rolls the message back.
                Err(e) => stored.push(Err(Arc::new(e) as Failure)),
            }
        }
        tx.commit()?;
        Ok(stored)
    }
}

impl BlockingWriter for SqliteWriter {
    fn write(&mut self, batch: &[ChatMessage]) -> Vec<Stored> {
        self.transaction(batch)
            .unwrap_or_else(|e| group_commit::all_failed(batch, e))
    }
}

/// Numbers `message` in its room and stores it: its id and number, or `None` when its
/// `client_id` was stored before (its number is then given back). The
/// statements are the pool's own (`$n` parameters bind in order).
fn store(db: &Connection, message: &ChatMessage) -> rusqlite::Result<Option<Numbered>> {
    let room = message.room.as_str();
    let at = sql_time(message.timestamp);
    let seq: i64 = db
        .prepare_cached(standard::NUMBER_IN_ROOM)?
        .query_row((room, &at), |row| row.get(0))?;
    let id: Option<i64> = db
        .prepare_cached(standard::INSERT_MESSAGE)?
        .query_row(
            (
                room,
                seq,
                message.username.as_str(),
                message.content.as_deref(),
                message.image.as_deref(),
                message.content_type.as_str(),
                message.client_id.as_deref(),
                &at,
            ),
            |row| row.get(0),
        )
        .optional()?;
    match id {
        Some(id) => {
            db.prepare_cached(standard::READ_OWN_MESSAGE)?.execute((
                id,
                seq,
                room,
                message.username.as_str(),
            ))?;
        }
        None => {
            db.prepare_cached(standard::UNNUMBER_IN_ROOM)?
                .execute([room])?;
        }
    }
    Ok(id.map(|id| Numbered { id, seq }))
}

/// A time as sqlx writes it to SQLite (RFC 3339 with `+00:00`): the pool
/// reads it back, and stored times compare as text.
fn sql_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn times_are_written_as_the_pool_writes_them() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        for at in [
            "2026-12-02T07:07:18.123Z",
            "2026-12-02T07:07:18Z",
            "1999-01-31T23:59:59.9Z",
        ] {
            let at: DateTime<Utc> = at.parse().unwrap();
            let pools: String = sqlx::query_scalar("SELECT CAST($1 AS TEXT)")
                .bind(at)
                .fetch_one(&pool)
                .await
                .unwrap();
            assert_eq!(sql_time(at), pools);
        }
    }
}
