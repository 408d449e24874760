//! What rooms keep beyond their messages: who is in them and how far each
//! member has read, which rooms are private, and the direct-message room of
//! each pair of accounts.
//!
//! A member's unread count is the room's message count less the number of
//! the newest message they have read (`read_seq`): messages are numbered
//! 1, 2, 3, … in their room as they are stored, so no count reads messages.

use super::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use protocol::names::RoomName;

/// A room as one reader may see it: whether it is private, whether they
/// are a member, how many messages it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomAccess {
    pub private: bool,
    /// A direct-message room (private, of two accounts).
    pub direct: bool,
    pub member: bool,
    pub message_count: i64,
}

/// How far a member has read a room: the newest message read and its
/// number in the room.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadMarker {
    pub read_up_to: i64,
    pub read_seq: i64,
}

/// A marker as its row holds it: `(read_up_to, read_seq)`.
impl From<(i64, i64)> for ReadMarker {
    fn from((read_up_to, read_seq): (i64, i64)) -> Self {
        ReadMarker {
            read_up_to,
            read_seq,
        }
    }
}

/// One of a member's rooms, as their sidebar lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRoom {
    pub name: String,
    pub private: bool,
    pub message_count: i64,
    /// Id of the newest message (0 for a room without any).
    pub last_message_id: i64,
    pub last_activity: DateTime<Utc>,
    pub marker: ReadMarker,
    /// For a direct-message room, the two accounts' names.
    pub direct: Option<(String, String)>,
}

impl MemberRoom {
    /// Messages stored after the member's marker.
    pub fn unread(&self) -> i64 {
        (self.message_count - self.marker.read_seq).max(0)
    }
}

/// A public room as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DirectoryRoom {
    pub name: String,
    pub members: i64,
    pub last_activity: DateTime<Utc>,
}

/// One side of a direct-message room: an account's name and its folded
/// form.
#[derive(Debug, Clone, Copy)]
pub struct DirectSide<'a> {
    pub username: &'a str,
    pub name_key: &'a str,
}

/// Storage for memberships, read markers, private rooms and direct
/// messages, the same on every backend.
#[async_trait]
pub trait RoomStore: Send + Sync {
    /// Whether `room` exists, and if so what `username` may see of it.
    async fn room_access(
        &self,
        room: &RoomName,
        username: &str,
    ) -> Result<Option<RoomAccess>, StoreError>;

    /// Creates `room` with `creator` its first member; `false` (and nothing
    /// stored) when the name is taken.
    async fn create_room(
        &self,
        room: &RoomName,
        private: bool,
        creator: &str,
    ) -> Result<bool, StoreError>;

    /// Makes `username` a member of the existing `room` (idempotent): a new
    /// member has read everything stored so far. Their marker.
    async fn join_room(&self, room: &RoomName, username: &str) -> Result<ReadMarker, StoreError>;

    /// Ends `username`'s membership of `room`; `false` when they had none.
    async fn leave_room(&self, room: &RoomName, username: &str) -> Result<bool, StoreError>;

    /// Moves `username`'s marker in `room` to the newest message with an id
    /// up to `id`, if that is forward; the marker as it then is, or `None`
    /// for someone who is not a member.
    async fn mark_read(
        &self,
        room: &RoomName,
        username: &str,
        id: i64,
    ) -> Result<Option<ReadMarker>, StoreError>;

    /// Up to `limit` of `username`'s rooms, most recently active first.
    async fn member_rooms(&self, username: &str, limit: i64)
    -> Result<Vec<MemberRoom>, StoreError>;

    /// Up to `limit` public rooms whose names start with `prefix`, most
    /// recently active first.
    async fn directory(&self, prefix: &str, limit: i64) -> Result<Vec<DirectoryRoom>, StoreError>;

    /// The direct-message room of `a` and `b`, created as `name` (private,
    /// both its members) if they have none; either of them who left it is
    /// a member again. The room's name.
    async fn direct_room(
        &self,
        a: DirectSide<'_>,
        b: DirectSide<'_>,
        name: &RoomName,
    ) -> Result<String, StoreError>;

    /// Ends `username`'s memberships of private rooms (an account that is
    /// deleted keeps none, for whoever takes its name next).
    async fn leave_private_rooms(&self, username: &str) -> Result<(), StoreError>;
}

/// `a` and `b` in the order their folded names sort, as stored.
pub(super) fn in_order<'a>(
    a: DirectSide<'a>,
    b: DirectSide<'a>,
) -> (DirectSide<'a>, DirectSide<'a>) {
    if a.name_key <= b.name_key {
        (a, b)
    } else {
        (b, a)
    }
}

/// A membership joined with its room, as stored.
#[derive(sqlx::FromRow)]
pub(super) struct MemberRoomRow {
    name: String,
    private: bool,
    message_count: i64,
    last_message_id: Option<i64>,
    last_activity: DateTime<Utc>,
    read_up_to: i64,
    read_seq: i64,
    first_name: Option<String>,
    second_name: Option<String>,
}

impl From<MemberRoomRow> for MemberRoom {
    fn from(row: MemberRoomRow) -> Self {
        MemberRoom {
            name: row.name,
            private: row.private,
            message_count: row.message_count,
            last_message_id: row.last_message_id.unwrap_or(0),
            last_activity: row.last_activity,
            marker: ReadMarker {
                read_up_to: row.read_up_to,
                read_seq: row.read_seq,
            },
            direct: row.first_name.zip(row.second_name),
        }
    }
}

/// Implements [`RoomStore`] for `$store` (a struct with a `pool` field)
/// with the queries in the dialect module `$sql`.
macro_rules! impl_room_store {
    ($store:ty, $sql:path) => {
        #[async_trait::async_trait]
        impl $crate::store::RoomStore for $store {
            async fn room_access(
                &self,
                room: &protocol::names::RoomName,
                username: &str,
            ) -> Result<Option<$crate::store::RoomAccess>, $crate::store::StoreError> {
                use $sql as sql;
                let row: Option<(bool, i64, Option<String>, Option<String>)> =
                    sqlx::query_as(sql::ROOM_ACCESS)
                        .bind(username)
                        .bind(room.as_str())
                        .fetch_optional(&self.pool)
                        .await?;
                Ok(row.map(
                    |(private, message_count, member, direct)| $crate::store::RoomAccess {
                        private,
                        direct: direct.is_some(),
                        member: member.is_some(),
                        message_count,
                    },
                ))
            }

            async fn create_room(
                &self,
                room: &protocol::names::RoomName,
                private: bool,
                creator: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                use $sql as sql;
                let now = $crate::store::now_millis();
                $crate::store::contention::retrying(move || async move {
                    use $crate::store::contention::WritePool;
                    let mut tx = self.pool.begin_write().await?;
                    let created = sqlx::query(sql::CREATE_ROOM)
                        .bind(room.as_str())
                        .bind(private)
                        .bind(now)
                        .bind(now)
                        .execute(&mut *tx)
                        .await;
                    match created {
                        Ok(_) => {}
                        Err(e) if $crate::store::is_unique_violation(&e) => return Ok(false),
                        Err(e) => return Err(e.into()),
                    }
                    sqlx::query(sql::ADD_MEMBER)
                        .bind(room.as_str())
                        .bind(creator)
                        .bind(now)
                        .bind(room.as_str())
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(true)
                })
                .await
            }

            async fn join_room(
                &self,
                room: &protocol::names::RoomName,
                username: &str,
            ) -> Result<$crate::store::ReadMarker, $crate::store::StoreError> {
                use $sql as sql;
                let now = $crate::store::now_millis();
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::ADD_MEMBER)
                        .bind(room.as_str())
                        .bind(username)
                        .bind(now)
                        .bind(room.as_str())
                        .execute(&self.pool)
                        .await?;
                    Ok::<_, $crate::store::StoreError>(())
                })
                .await?;
                let marker: Option<(i64, i64)> = sqlx::query_as(sql::MARKER)
                    .bind(room.as_str())
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?;
                // Only a leave racing this join finds no row: nothing read.
                Ok(marker
                    .map($crate::store::ReadMarker::from)
                    .unwrap_or_default())
            }

            async fn leave_room(
                &self,
                room: &protocol::names::RoomName,
                username: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    let done = sqlx::query(sql::LEAVE_ROOM)
                        .bind(room.as_str())
                        .bind(username)
                        .execute(&self.pool)
                        .await?;
                    Ok(done.rows_affected() > 0)
                })
                .await
            }

            async fn mark_read(
                &self,
                room: &protocol::names::RoomName,
                username: &str,
                id: i64,
            ) -> Result<Option<$crate::store::ReadMarker>, $crate::store::StoreError> {
                use $sql as sql;
                let newest: Option<(i64, i64)> = sqlx::query_as(sql::NEWEST_UP_TO)
                    .bind(room.as_str())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                if let Some((id, seq)) = newest {
                    $crate::store::contention::retrying(move || async move {
                        sqlx::query(sql::MOVE_MARKER)
                            .bind(id)
                            .bind(seq)
                            .bind(room.as_str())
                            .bind(username)
                            .bind(seq)
                            .execute(&self.pool)
                            .await?;
                        Ok::<_, $crate::store::StoreError>(())
                    })
                    .await?;
                }
                let marker: Option<(i64, i64)> = sqlx::query_as(sql::MARKER)
                    .bind(room.as_str())
                    .bind(username)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(marker.map($crate::store::ReadMarker::from))
            }

            async fn member_rooms(
                &self,
                username: &str,
                limit: i64,
            ) -> Result<Vec<$crate::store::MemberRoom>, $crate::store::StoreError> {
                use $sql as sql;
                let rows: Vec<$crate::store::rooms::MemberRoomRow> =
                    sqlx::query_as(sql::MEMBER_ROOMS)
                        .bind(username)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn directory(
                &self,
                prefix: &str,
                limit: i64,
            ) -> Result<Vec<$crate::store::DirectoryRoom>, $crate::store::StoreError> {
                use $sql as sql;
                // Room names hold letters, digits, `_`, `-` and `.`: only
                // `_` means something to LIKE, and `!` escapes it.
                let pattern = format!("{}%", prefix.replace('!', "!!").replace('_', "!_"));
                Ok(sqlx::query_as(sql::DIRECTORY)
                    .bind(pattern)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn direct_room(
                &self,
                a: $crate::store::DirectSide<'_>,
                b: $crate::store::DirectSide<'_>,
                name: &protocol::names::RoomName,
            ) -> Result<String, $crate::store::StoreError> {
                use $sql as sql;
                let (first, second) = $crate::store::rooms::in_order(a, b);
                let now = $crate::store::now_millis();
                // Two people opening their room at once: the one whose
                // insert runs into the other's finds theirs on a second go.
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    let opened = $crate::store::contention::retrying(move || async move {
                        use $crate::store::contention::WritePool;
                        let mut tx = self.pool.begin_write().await?;
                        let existing: Option<String> = sqlx::query_scalar(sql::DIRECT_ROOM)
                            .bind(first.name_key)
                            .bind(second.name_key)
                            .fetch_optional(&mut *tx)
                            .await?;
                        let room = match existing {
                            Some(room) => room,
                            None => {
                                sqlx::query(sql::CREATE_ROOM)
                                    .bind(name.as_str())
                                    .bind(true)
                                    .bind(now)
                                    .bind(now)
                                    .execute(&mut *tx)
                                    .await?;
                                sqlx::query(sql::CREATE_DIRECT_ROOM)
                                    .bind(name.as_str())
                                    .bind(first.name_key)
                                    .bind(second.name_key)
                                    .bind(first.username)
                                    .bind(second.username)
                                    .execute(&mut *tx)
                                    .await?;
                                name.to_string()
                            }
                        };
                        for side in [first, second] {
                            sqlx::query(sql::ADD_MEMBER)
                                .bind(room.as_str())
                                .bind(side.username)
                                .bind(now)
                                .bind(room.as_str())
                                .execute(&mut *tx)
                                .await?;
                        }
                        tx.commit().await?;
                        Ok::<_, sqlx::Error>(room)
                    })
                    .await;
                    match opened {
                        Err(e) if attempts < 3 && $crate::store::is_unique_violation(&e) => {}
                        other => return Ok(other?),
                    }
                }
            }

            async fn leave_private_rooms(
                &self,
                username: &str,
            ) -> Result<(), $crate::store::StoreError> {
                use $sql as sql;
                $crate::store::contention::retrying(move || async move {
                    sqlx::query(sql::LEAVE_PRIVATE_ROOMS)
                        .bind(username)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }
        }
    };
}
pub(super) use impl_room_store;
