//! Group commit: the inserts that arrive while a transaction commits share
//! the next one, so many messages pay for one durable commit (one fsync),
//! and each is still acknowledged only after the commit that stored it.
//!
//! A lane does all of its store's writing of messages: it takes every
//! insert waiting in its queue (up to [`MAX_BATCH`]), stores them in one
//! transaction, and answers each. A room always goes to the same lane, so
//! its messages are stored batch after batch and their ids increase in
//! commit order. PostgreSQL and MySQL have several lanes, tasks over the
//! pool, so busy rooms on different lanes commit side by side. SQLite has
//! one writer at all, so it has one lane, a thread that owns its own
//! connection ([`GroupCommit::on_thread`]): a batch costs one hand-over
//! between threads, where each statement through the pool is a round trip
//! to the pooled connection's worker thread. A waiting sender holds
//! nothing but its place in the queue, not a pooled connection, so one
//! busy room cannot take every connection from reads and health checks.

use super::StoreError;
use async_trait::async_trait;
use protocol::message::ChatMessage;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use std::{io, thread};
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

/// A failed write, shared by every message it failed.
pub(crate) type Failure = Arc<dyn std::error::Error + Send + Sync>;

/// A stored message's id and its number in its room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Numbered {
    pub(super) id: i64,
    pub(super) seq: i64,
}

/// What storing one message of a batch came to: its new id and number, or
/// `None` when its `client_id` was stored before (and nothing was stored
/// for it).
pub(super) type Stored = Result<Option<Numbered>, Failure>;

/// Every message of `batch` failed with `error` (its transaction did).
pub(super) fn all_failed(
    batch: &[ChatMessage],
    error: impl std::error::Error + Send + Sync + 'static,
) -> Vec<Stored> {
    let error: Failure = Arc::new(error);
    batch.iter().map(|_| Err(error.clone())).collect()
}

/// A backend's way of storing a batch over its pool.
#[async_trait]
pub(super) trait Writer: Send + Sync + 'static {
    /// Stores `batch` in one transaction: each message's new id and number,
    /// or `None` when its `client_id` was stored before (and nothing is
    /// stored for it). Messages carry their `timestamp`; their `id` is not
    /// read.
    async fn write(&self, batch: &[ChatMessage]) -> Result<Vec<Option<Numbered>>, sqlx::Error>;
}

/// A backend's way of storing a batch on a thread of its own.
pub(super) trait BlockingWriter: Send + 'static {
    /// Stores `batch` in one transaction, as [`Writer::write`] does, with
    /// each message's outcome in batch order: a message the database
    /// refuses fails alone.
    fn write(&mut self, batch: &[ChatMessage]) -> Vec<Stored>;
}

/// What a lane answers one insert: the message as stored and its number in
/// its room, or `None` for a stored `client_id`.
type Outcome = Result<Option<(ChatMessage, i64)>, Failure>;

struct Pending {
    message: ChatMessage,
    reply: oneshot::Sender<Outcome>,
}

/// The inserts a lane took from its queue, stamped with one commit time.
struct Batch {
    messages: Vec<ChatMessage>,
    replies: Vec<oneshot::Sender<Outcome>>,
}

impl Batch {
    fn take(pending: &mut Vec<Pending>) -> Self {
        let at = super::now_millis();
        let (mut messages, replies): (Vec<_>, Vec<_>) =
            pending.drain(..).map(|p| (p.message, p.reply)).unzip();
        for message in &mut messages {
            message.timestamp = at;
        }
        Batch { messages, replies }
    }

    /// Answers each insert with its outcome (`stored`, in batch order).
    fn answer(self, stored: Vec<Stored>) {
        let answers = self.messages.into_iter().zip(stored).zip(self.replies);
        for ((message, id), reply) in answers {
            let outcome = id.map(|stored| {
                stored.map(|n| {
                    (
                        ChatMessage {
                            id: n.id,
                            ..message
                        },
                        n.seq,
                    )
                })
            });
            // A sender that gave up waiting has dropped its receiver.
            let _ = reply.send(outcome);
        }
    }
}

/// The lanes every insert of one store goes through.
pub(super) struct GroupCommit {
    /// Emptied by [`close`](Self::close); a lane ends once every sender
    /// of its queue is gone and it has answered what was queued.
    lanes: RwLock<Vec<mpsc::Sender<Pending>>>,
    /// Each lane's end, reported by dropping its sending half.
    ends: Mutex<Vec<oneshot::Receiver<()>>>,
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
        let (lanes, ends) = (0..lanes.max(1))
            .map(|_| {
                let (sender, queue) = mpsc::channel(QUEUE);
                let (end, ended) = oneshot::channel::<()>();
                let writer = writer.clone();
                tokio::spawn(async move {
                    run_lane(&*writer, queue).await;
                    drop(end);
                });
                (sender, ended)
            })
            .unzip();
        Self::over(lanes, ends, wait)
    }

    /// Starts one lane, a thread named `name` that owns `writer`.
    pub(super) fn on_thread(
        mut writer: impl BlockingWriter,
        name: &str,
        wait: Duration,
    ) -> io::Result<Self> {
        let (sender, mut queue) = mpsc::channel(QUEUE);
        let (end, ended) = oneshot::channel::<()>();
        thread::Builder::new().name(name.into()).spawn(move || {
            let mut pending = Vec::with_capacity(MAX_BATCH);
            while queue.blocking_recv_many(&mut pending, MAX_BATCH) > 0 {
                let batch = Batch::take(&mut pending);
                let stored = writer.write(&batch.messages);
                batch.answer(stored);
            }
            // The writer (and its connection) closes before the end is told.
            drop(writer);
            drop(end);
        })?;
        Ok(Self::over(vec![sender], vec![ended], wait))
    }

    fn over(
        lanes: Vec<mpsc::Sender<Pending>>,
        ends: Vec<oneshot::Receiver<()>>,
        wait: Duration,
    ) -> Self {
        GroupCommit {
            lanes: RwLock::new(lanes),
            ends: Mutex::new(ends),
            by_room: RandomState::new(),
            wait,
        }
    }

    /// Stores `message` (its timestamp is set to its commit's) and returns
    /// it with its id, and its number in its room; `None` when its
    /// `client_id` was stored before.
    pub(super) async fn insert(
        &self,
        message: ChatMessage,
    ) -> Result<Option<(ChatMessage, i64)>, StoreError> {
        let lane = {
            let lanes = self.lanes.read().unwrap_or_else(PoisonError::into_inner);
            if lanes.is_empty() {
                return Err(closed());
            }
            lanes[self.by_room.hash_one(&message.room) as usize % lanes.len()].clone()
        };
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

    /// Takes no more inserts, and returns once every lane has stored and
    /// answered those it was given.
    pub(super) async fn close(&self) {
        std::mem::take(&mut *self.lanes.write().unwrap_or_else(PoisonError::into_inner));
        let ends = std::mem::take(&mut *self.ends.lock().unwrap_or_else(PoisonError::into_inner));
        for end in ends {
            let _ = end.await;
        }
    }
}

/// The store is closing.
fn closed() -> StoreError {
    StoreError::Sqlx(sqlx::Error::PoolClosed)
}

async fn run_lane(writer: &impl Writer, mut queue: mpsc::Receiver<Pending>) {
    let mut pending = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut pending, MAX_BATCH).await > 0 {
        let batch = Batch::take(&mut pending);
        let stored = write(writer, &batch.messages).await;
        batch.answer(stored);
    }
}

/// Writes a batch; when the database refuses it (a constraint, say, rather
/// than a lost connection), each message is tried in a transaction of its
/// own, so one message's failure is only its own.
async fn write(writer: &impl Writer, batch: &[ChatMessage]) -> Vec<Stored> {
    match writer.write(batch).await {
        Ok(ids) => ids.into_iter().map(Ok).collect(),
        Err(sqlx::Error::Database(e)) if batch.len() > 1 => {
            tracing::warn!(error = %e, size = batch.len(), "a batch of messages failed; storing them one by one");
            let mut outcomes = Vec::with_capacity(batch.len());
            for message in batch {
                let outcome = writer.write(std::slice::from_ref(message)).await;
                outcomes.push(
                    outcome
                        .map(|ids| ids[0])
                        .map_err(|e| Arc::new(e) as Failure),
                );
            }
            outcomes
        }
        Err(e) => all_failed(batch, e),
    }
}
