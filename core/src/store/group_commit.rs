//! Group commit: the inserts that arrive while a transaction commits share
//! the next one, so many messages pay for one durable commit (one fsync),
//! and each is still acknowledged only after the commit that stored it.
//!
//! A lane is one task that does all of its writing: it takes every insert
//! waiting in its queue (up to [`MAX_BATCH`]), stores them in one
//! transaction, and answers each. A room always goes to the same lane, so
//! its messages are stored batch after batch and their ids increase in
//! commit order. SQLite has one lane (it has one writer at all); PostgreSQL
//! and MySQL have several, so busy rooms on different lanes commit side by
//! side. A waiting sender holds nothing but its place in the queue, not a
//! pooled connection, so one busy room cannot take every connection from
//! reads and health checks.

use super::StoreError;
use async_trait::async_trait;
use protocol::message::ChatMessage;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Most messages stored in one transaction: bounds how long a batch holds
/// the database's write lock (SQLite) or the room rows it touches.
pub(super) const MAX_BATCH: usize = 256;

/// Most inserts waiting per lane; a sender past it waits for room in the
/// queue (within its time limit) instead of growing it.
const QUEUE: usize = 4 * MAX_BATCH;

/// Lanes for a database that writes several transactions at once: half
/// the pool (at most 8), so reads always have connections left.
pub(super) fn lanes_beside_reads(max_connections: u32) -> usize {
    (max_connections as usize / 2).clamp(1, 8)
}

/// A backend's way of storing a batch.
#[async_trait]
pub(super) trait Writer: Send + Sync + 'static {
    /// Stores `batch` in one transaction: each message's new id, or `None`
    /// when its `client_id` was stored before (and nothing is stored for
    /// it). Messages carry their `timestamp`; their `id` is not read.
    async fn write(&self, batch: &[ChatMessage]) -> Result<Vec<Option<i64>>, sqlx::Error>;
}

/// What a lane answers one insert: its id, or `None` for a stored
/// `client_id`. A failure is shared by every message of its batch.
type Outcome = Result<Option<ChatMessage>, Arc<sqlx::Error>>;

struct Pending {
    message: ChatMessage,
    reply: oneshot::Sender<Outcome>,
}

/// The lanes every insert of one store goes through.
pub(super) struct GroupCommit {
    lanes: Vec<mpsc::Sender<Pending>>,
    by_room: RandomState,
    /// How long an insert waits for its commit before it fails as
    /// unavailable (it may still be stored; a retry with the same
    /// `client_id` then finds it).
    wait: Duration,
}

impl GroupCommit {
    /// Starts `lanes` writing tasks over `writer`.
    pub(super) fn start(writer: impl Writer, lanes: usize, wait: Duration) -> Self {
        let writer = Arc::new(writer);
        let lanes = (0..lanes.max(1))
            .map(|_| {
                let (sender, queue) = mpsc::channel(QUEUE);
                tokio::spawn(run_lane(writer.clone(), queue));
                sender
            })
            .collect();
        GroupCommit {
            lanes,
            by_room: RandomState::new(),
            wait,
        }
    }

    /// Stores `message` (its timestamp is set to its commit's) and returns
    /// it with its id, or `None` when its `client_id` was stored before.
    pub(super) async fn insert(
        &self,
        message: ChatMessage,
    ) -> Result<Option<ChatMessage>, StoreError> {
        let lane = &self.lanes[self.by_room.hash_one(&message.room) as usize % self.lanes.len()];
        let (reply, answer) = oneshot::channel();
        let outcome = tokio::time::timeout(self.wait, async {
            lane.send(Pending { message, reply })
                .await
                .map_err(|_| closed())?;
            answer.await.map_err(|_| closed())
        })
        .await
        .map_err(|_| StoreError::Sqlx(sqlx::Error::PoolTimedOut))??;
        outcome.map_err(StoreError::Write)
    }
}

/// The lane's task ended: the store is closing.
fn closed() -> StoreError {
    StoreError::Sqlx(sqlx::Error::PoolClosed)
}

async fn run_lane(writer: Arc<impl Writer>, mut queue: mpsc::Receiver<Pending>) {
    let mut pending = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut pending, MAX_BATCH).await > 0 {
        let at = super::now_millis();
        let (mut batch, replies): (Vec<_>, Vec<_>) =
            pending.drain(..).map(|p| (p.message, p.reply)).unzip();
        for message in &mut batch {
            message.timestamp = at;
        }
        let ids = write(&*writer, &batch).await;
        for ((message, id), reply) in batch.into_iter().zip(ids).zip(replies) {
            let outcome = id.map(|id| id.map(|id| ChatMessage { id, ..message }));
            // A sender that gave up waiting has dropped its receiver.
            let _ = reply.send(outcome);
        }
    }
}

/// Writes a batch; when the database refuses it (a constraint, say, rather
/// than a lost connection), each message is tried in a transaction of its
/// own, so one message's failure is only its own.
async fn write(
    writer: &impl Writer,
    batch: &[ChatMessage],
) -> Vec<Result<Option<i64>, Arc<sqlx::Error>>> {
    match writer.write(batch).await {
        Ok(ids) => ids.into_iter().map(Ok).collect(),
        Err(sqlx::Error::Database(e)) if batch.len() > 1 => {
            tracing::warn!(error = %e, size = batch.len(), "a batch of messages failed; storing them one by one");
            let mut outcomes = Vec::with_capacity(batch.len());
            for message in batch {
                let outcome = writer.write(std::slice::from_ref(message)).await;
                outcomes.push(outcome.map(|ids| ids[0]).map_err(Arc::new));
            }
            outcomes
        }
        Err(e) => {
            let e = Arc::new(e);
            batch.iter().map(|_| Err(e.clone())).collect()
        }
    }
}
