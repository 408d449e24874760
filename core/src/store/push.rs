//! What push notifications keep in the database: who has joined which
//! room, the devices that take pushes, and the outbox of pushes waiting to
//! be sent (so that they survive a restart and are sent by whichever node
//! gets to them first).

use super::StoreError;
use async_trait::async_trait;
use sha2::{Digest, Sha256};

/// How long one push window lasts, in milliseconds: each device takes a
/// bounded number of pushes per window.
pub const WINDOW_MS: i64 = 60_000;

/// Where a device takes pushes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceAddress {
    /// An FCM registration token (a mobile app).
    Fcm { token: String },
    /// A browser's Web Push subscription: its endpoint and the keys its
    /// payloads are encrypted to (base64url, as the browser gives them).
    WebPush {
        endpoint: String,
        p256dh: String,
        auth: String,
    },
}

/// Which service delivers to a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    Fcm,
    WebPush,
}

impl DeviceKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Fcm => "fcm",
            DeviceKind::WebPush => "webpush",
        }
    }

    fn parse(stored: &str) -> Result<Self, StoreError> {
        match stored {
            "fcm" => Ok(DeviceKind::Fcm),
            "webpush" => Ok(DeviceKind::WebPush),
            other => Err(StoreError::Corrupt(format!("device kind {other:?}"))),
        }
    }
}

impl DeviceAddress {
    pub fn kind(&self) -> DeviceKind {
        match self {
            DeviceAddress::Fcm { .. } => DeviceKind::Fcm,
            DeviceAddress::WebPush { .. } => DeviceKind::WebPush,
        }
    }

    /// The token or the endpoint.
    fn address(&self) -> &str {
        match self {
            DeviceAddress::Fcm { token } => token,
            DeviceAddress::WebPush { endpoint, .. } => endpoint,
        }
    }

    /// What a device is saved under: a digest of its kind and address, a
    /// fixed length that every backend can index.
    fn key(&self) -> String {
        let mut digest = Sha256::new();
        digest.update(self.kind().as_str());
        digest.update(b"\n");
        digest.update(self.address());
        digest
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    fn keys(&self) -> (Option<&str>, Option<&str>) {
        match self {
            DeviceAddress::Fcm { .. } => (None, None),
            DeviceAddress::WebPush { p256dh, auth, .. } => (Some(p256dh), Some(auth)),
        }
    }
}

/// What saving a device did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavedDevice {
    /// It is saved for this user now (new, or taken over from whoever had
    /// it before: a device belongs to whoever signed in on it last).
    New,
    /// This user had saved it already.
    Already,
}

/// A device that takes pushes, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: i64,
    pub username: String,
    pub address: DeviceAddress,
}

/// A push waiting in the outbox, with the device it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedPush {
    pub id: i64,
    pub device: Device,
    pub room: String,
    /// The newest message it tells of: a newer one in the room replaces it.
    /// What the push says is read from that message when it is sent, so an
    /// edit or a deletion before then is what the device sees.
    pub message_id: i64,
    /// Failed attempts so far.
    pub attempts: i64,
    /// When it became due (Unix ms): the claim on it checks this.
    pub due_at: i64,
    /// When the device's current push window started (Unix ms).
    pub window_start: i64,
}

/// A device a message is to be pushed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub device_id: i64,
    pub username: String,
    pub kind: DeviceKind,
}

/// The push side of the storage, the same on every backend.
#[async_trait]
pub trait PushStore: Send + Sync {
    /// Saves `address` for `username`, keeping only their `keep` newest
    /// devices.
    async fn save_device(
        &self,
        username: &str,
        address: &DeviceAddress,
        keep: i64,
    ) -> Result<SavedDevice, StoreError>;

    /// Removes `username`'s device at `address`; false when they had none.
    async fn remove_device(
        &self,
        username: &str,
        address: &DeviceAddress,
    ) -> Result<bool, StoreError>;

    /// Removes a device the push service says is gone, and its pushes.
    async fn forget_device(&self, device_id: i64) -> Result<(), StoreError>;

    /// Whether any device is saved at all.
    async fn has_devices(&self) -> Result<bool, StoreError>;

    /// Up to `limit` devices of `room`'s members other than `sender`.
    async fn member_devices(
        &self,
        room: &str,
        sender: &str,
        limit: i64,
    ) -> Result<Vec<Recipient>, StoreError>;

    /// Queues a push of message `message_id` to each of `devices`, due at
    /// `due_at`; a device with a push of the room still waiting tells of
    /// this message instead (if it is newer), keeping its due time.
    async fn queue_pushes(
        &self,
        room: &str,
        message_id: i64,
        devices: &[i64],
        due_at: i64,
    ) -> Result<(), StoreError>;

    /// Up to `limit` pushes due at `now`, the longest waiting first.
    async fn due_pushes(&self, now: i64, limit: i64) -> Result<Vec<QueuedPush>, StoreError>;

    /// Takes `push` for sending until `lease_until`; false when another
    /// node (or a newer schedule) got to it first.
    async fn claim_push(&self, push: &QueuedPush, lease_until: i64) -> Result<bool, StoreError>;

    /// Counts one push against the device's window at `now`; false when
    /// the window already holds `max` pushes.
    async fn take_push_window(
        &self,
        device_id: i64,
        now: i64,
        max: i64,
    ) -> Result<bool, StoreError>;

    /// Marks `push` sent: removes it, unless a newer message replaced its
    /// message meanwhile (then it is due again at `now`; returns false).
    async fn push_sent(&self, push: &QueuedPush, now: i64) -> Result<bool, StoreError>;

    /// Sets when `push` is due next and how many attempts it has failed.
    async fn reschedule_push(
        &self,
        push_id: i64,
        due_at: i64,
        attempts: i64,
    ) -> Result<(), StoreError>;

    /// Removes a push that will not be sent.
    async fn drop_push(&self, push_id: i64) -> Result<(), StoreError>;

    /// When the next push is due (Unix ms), if any is waiting.
    async fn next_push_due(&self) -> Result<Option<i64>, StoreError>;
}

/// An outbox row joined with its device.
#[derive(sqlx::FromRow)]
pub(super) struct QueuedRow {
    id: i64,
    device_id: i64,
    room: String,
    message_id: i64,
    attempts: i64,
    due_at: i64,
    username: String,
    kind: String,
    address: String,
    p256dh: Option<String>,
    auth: Option<String>,
    window_start: i64,
}

impl TryFrom<QueuedRow> for QueuedPush {
    type Error = StoreError;

    fn try_from(row: QueuedRow) -> Result<Self, StoreError> {
        let address = match (DeviceKind::parse(&row.kind)?, row.p256dh, row.auth) {
            (DeviceKind::Fcm, _, _) => DeviceAddress::Fcm { token: row.address },
            (DeviceKind::WebPush, Some(p256dh), Some(auth)) => DeviceAddress::WebPush {
                endpoint: row.address,
                p256dh,
                auth,
            },
            (DeviceKind::WebPush, _, _) => {
                return Err(StoreError::Corrupt(format!(
                    "web push device {} has no keys",
                    row.device_id
                )));
            }
        };
        Ok(QueuedPush {
            id: row.id,
            device: Device {
                id: row.device_id,
                username: row.username,
                address,
            },
            room: row.room,
            message_id: row.message_id,
            attempts: row.attempts,
            due_at: row.due_at,
            window_start: row.window_start,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct RecipientRow {
    device_id: i64,
    username: String,
    kind: String,
}

impl TryFrom<RecipientRow> for Recipient {
    type Error = StoreError;

    fn try_from(row: RecipientRow) -> Result<Self, StoreError> {
        Ok(Recipient {
            device_id: row.device_id,
            username: row.username,
            kind: DeviceKind::parse(&row.kind)?,
        })
    }
}

/// The columns `DeviceAddress` is saved in: kind, key, address, p256dh, auth.
pub(super) fn columns(
    address: &DeviceAddress,
) -> (&'static str, String, &str, Option<&str>, Option<&str>) {
    let (p256dh, auth) = address.keys();
    (
        address.kind().as_str(),
        address.key(),
        address.address(),
        p256dh,
        auth,
    )
}

/// Implements [`PushStore`] for `$store` (a struct with a `pool` field)
/// with the queries in module `$sql` and the query builder of `$db`.
macro_rules! impl_push_store {
    ($store:ty, $db:ty, $($sql:ident)::+) => {
        #[async_trait::async_trait]
        impl $crate::store::push::PushStore for $store {
            async fn save_device(
                &self,
                username: &str,
                address: &$crate::store::push::DeviceAddress,
                keep: i64,
            ) -> Result<$crate::store::push::SavedDevice, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    let (kind, key, to, p256dh, auth) = $crate::store::push::columns(address);
                    let mut tx = $crate::store::contention::WritePool::begin_write(&self.pool).await?;
                    // First, so that this person's saves take turns and the
                    // trim below sees every device saved before it.
                    sqlx::query(sql::LOCK_OWNER)
                        .bind(username)
                        .execute(&mut *tx)
                        .await?;
                    let owner: Option<String> = sqlx::query_scalar(sql::DEVICE_OWNER)
                        .bind(&key)
                        .fetch_optional(&mut *tx)
                        .await?;
                    sqlx::query(sql::SAVE_DEVICE)
                        .bind(username)
                        .bind(kind)
                        .bind(&key)
                        .bind(to)
                        .bind(p256dh)
                        .bind(auth)
                        .bind($crate::store::now_millis())
                        .execute(&mut *tx)
                        .await?;
                    // The oldest of the user's devices beyond `keep` go.
                    let oldest_kept: Option<i64> = sqlx::query_scalar(sql::NEWEST_DEVICE_AFTER)
                        .bind(username)
                        .bind(keep)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(id) = oldest_kept {
                        sqlx::query(sql::TRIM_DEVICES)
                            .bind(username)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                    Ok(match owner {
                        Some(owner) if owner == username => $crate::store::push::SavedDevice::Already,
                        _ => $crate::store::push::SavedDevice::New,
                    })
                })
                .await
            }

            async fn remove_device(
                &self,
                username: &str,
                address: &$crate::store::push::DeviceAddress,
            ) -> Result<bool, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    let (_, key, ..) = $crate::store::push::columns(address);
                    let removed = sqlx::query(sql::REMOVE_DEVICE)
                        .bind(key)
                        .bind(username)
                        .execute(&self.pool)
                        .await?;
                    Ok(removed.rows_affected() > 0)
                })
                .await
            }

            async fn forget_device(&self, device_id: i64) -> Result<(), $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    let mut tx = $crate::store::contention::WritePool::begin_write(&self.pool).await?;
                    sqlx::query(sql::DROP_DEVICE_PUSHES)
                        .bind(device_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(sql::FORGET_DEVICE)
                        .bind(device_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                })
                .await
            }

            async fn has_devices(&self) -> Result<bool, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                let any: Option<i64> = sqlx::query_scalar(sql::ANY_DEVICE)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(any.is_some())
            }

            async fn member_devices(
                &self,
                room: &str,
                sender: &str,
                limit: i64,
            ) -> Result<Vec<$crate::store::push::Recipient>, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                let rows: Vec<$crate::store::push::RecipientRow> =
                    sqlx::query_as(sql::MEMBER_DEVICES)
                        .bind(room)
                        .bind(sender)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn queue_pushes(
                &self,
                room: &str,
                message_id: i64,
                devices: &[i64],
                due_at: i64,
            ) -> Result<(), $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    // A few hundred rows per statement stays within every
                    // backend's limit on bound parameters.
                    for chunk in devices.chunks(200) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(sql::QUEUE_PUSHES);
                        insert.push_values(chunk, |mut row, device| {
                            row.push_bind(*device)
                                .push_bind(room)
                                .push_bind(message_id)
                                .push_bind(0_i64)
                                .push_bind(due_at);
                        });
                        insert.push(sql::QUEUE_PUSHES_CONFLICT);
                        insert.build().execute(&self.pool).await?;
                    }
                    Ok(())
                })
                .await
            }

            async fn due_pushes(
                &self,
                now: i64,
                limit: i64,
            ) -> Result<Vec<$crate::store::push::QueuedPush>, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                let rows: Vec<$crate::store::push::QueuedRow> = sqlx::query_as(sql::DUE_PUSHES)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn claim_push(
                &self,
                push: &$crate::store::push::QueuedPush,
                lease_until: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    let claimed = sqlx::query(sql::CLAIM_PUSH)
                        .bind(lease_until)
                        .bind(push.id)
                        .bind(push.due_at)
                        .execute(&self.pool)
                        .await?;
                    Ok(claimed.rows_affected() == 1)
                })
                .await
            }

            async fn take_push_window(
                &self,
                device_id: i64,
                now: i64,
                max: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    let window_over = now - $crate::store::push::WINDOW_MS;
                    let taken = sqlx::query(sql::TAKE_PUSH_WINDOW)
                        .bind(window_over)
                        .bind(window_over)
                        .bind(now)
                        .bind(device_id)
                        .bind(window_over)
                        .bind(max)
                        .execute(&self.pool)
                        .await?;
                    Ok(taken.rows_affected() == 1)
                })
                .await
            }

            async fn push_sent(
                &self,
                push: &$crate::store::push::QueuedPush,
                now: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    let removed = sqlx::query(sql::PUSH_SENT)
                        .bind(push.id)
                        .bind(push.message_id)
                        .execute(&self.pool)
                        .await?;
                    if removed.rows_affected() == 1 {
                        return Ok(true);
                    }
                    sqlx::query(sql::PUSH_AGAIN)
                        .bind(now)
                        .bind(push.id)
                        .execute(&self.pool)
                        .await?;
                    Ok(false)
                })
                .await
            }

            async fn reschedule_push(
                &self,
                push_id: i64,
                due_at: i64,
                attempts: i64,
            ) -> Result<(), $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::RESCHEDULE_PUSH)
                        .bind(due_at)
                        .bind(attempts)
                        .bind(push_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn drop_push(&self, push_id: i64) -> Result<(), $crate::store::StoreError> {
                use $($sql)::+ as sql;
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::DROP_PUSH)
                        .bind(push_id)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn next_push_due(&self) -> Result<Option<i64>, $crate::store::StoreError> {
                use $($sql)::+ as sql;
                let due: Option<i64> = sqlx::query_scalar(sql::NEXT_PUSH_DUE)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(due)
            }
        }
    };
}
pub(super) use impl_push_store;
