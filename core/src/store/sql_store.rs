//! The [`Store`](super::Store) implementation every backend shares, stamped
//! out for each pool type.
//!
//! The backends differ only in their SQL text (kept in each backend's `sql`
//! module), how they connect, and how they write a batch of messages (MySQL
//! has no `RETURNING`); everything else is the same code over a different
//! pool. A
//! macro rather than a function generic over `sqlx::Database`: sqlx's
//! executor bounds do not hold up inside the `Send` futures the trait needs.

/// Implements `Store` for `$store` (a struct with a `pool` field and a
/// `writes` field, the [`GroupCommit`](super::group_commit::GroupCommit)
/// every insert goes through), reading with the queries in module `$sql`.
macro_rules! impl_store {
    ($store:ty, $backend:expr, $sql:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            // Every write here waits its turn behind others (see
            // `contention`); inserts go through `writes`.
            fn backend(&self) -> $crate::store::Backend {
                $backend
            }

            async fn ensure_room(
                &self,
                room: &protocol::names::RoomName,
            ) -> Result<(), $crate::store::StoreError> {
                let now = $crate::store::now_millis();
                $crate::store::contention::retrying(move || async move {
                    sqlx::query($sql::ENSURE_ROOM)
                        .bind(room.as_str())
                        .bind(now)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                })
                .await
            }

            async fn insert_message(
                &self,
                new: $crate::store::NewMessage<'_>,
            ) -> Result<$crate::store::Inserted, $crate::store::StoreError> {
                match self.writes.insert(new.unsaved()).await? {
                    Some((message, seq)) => Ok($crate::store::Inserted {
                        message,
                        is_new: true,
                        seq: Some(seq),
                    }),
                    // A retry of a stored send: answer with the original.
                    None => $crate::store::stored_earlier(self, &new).await,
                }
            }

            async fn find_by_client_id(
                &self,
                room: &protocol::names::RoomName,
                username: &protocol::names::Username,
                client_id: &str,
            ) -> Result<Option<protocol::message::ChatMessage>, $crate::store::StoreError> {
                let row: Option<$crate::store::row::MessageRow> =
                    sqlx::query_as($sql::FIND_BY_CLIENT_ID)
                        .bind(room.as_str())
                        .bind(username.as_str())
                        .bind(client_id)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map(protocol::message::ChatMessage::try_from)
                    .transpose()
            }

            async fn room_size(
                &self,
                room: &protocol::names::RoomName,
            ) -> Result<Option<i64>, $crate::store::StoreError> {
                let count = sqlx::query_scalar($sql::ROOM_SIZE)
                    .bind(room.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(count)
            }

            async fn page_before(
                &self,
                room: &protocol::names::RoomName,
                before: Option<i64>,
                limit: i64,
            ) -> Result<protocol::message::HistoryPage, $crate::store::StoreError> {
                let rows = $crate::store::row::fetch_rows(
                    &self.pool,
                    $sql::PAGE_BEFORE,
                    room,
                    before.unwrap_or(i64::MAX),
                    limit + 1,
                )
                .await?;
                $crate::store::row::into_page(rows, limit, true)
            }

            async fn page_after(
                &self,
                room: &protocol::names::RoomName,
                after: i64,
                limit: i64,
            ) -> Result<protocol::message::HistoryPage, $crate::store::StoreError> {
                let rows = $crate::store::row::fetch_rows(
                    &self.pool,
                    $sql::PAGE_AFTER,
                    room,
                    after,
                    limit + 1,
                )
                .await?;
                $crate::store::row::into_page(rows, limit, false)
            }

            async fn seq_range(
                &self,
                room: &protocol::names::RoomName,
                first: i64,
                last: i64,
            ) -> Result<Vec<protocol::message::ChatMessage>, $crate::store::StoreError> {
                let rows =
                    $crate::store::row::fetch_rows(&self.pool, $sql::SEQ_RANGE, room, first, last)
                        .await?;
                $crate::store::row::into_messages(rows)
            }

            async fn message(
                &self,
                room: &protocol::names::RoomName,
                id: i64,
            ) -> Result<Option<protocol::message::ChatMessage>, $crate::store::StoreError> {
                let row: Option<$crate::store::row::MessageRow> = sqlx::query_as($sql::MESSAGE)
                    .bind(room.as_str())
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(protocol::message::ChatMessage::try_from)
                    .transpose()
            }

            async fn change_message(
                &self,
                room: &protocol::names::RoomName,
                id: i64,
                change: $crate::store::Change<'_>,
            ) -> Result<Option<protocol::message::ChatMessage>, $crate::store::StoreError> {
                $crate::store::contention::retrying(move || async move {
                    let mut tx =
                        $crate::store::contention::WritePool::begin_write(&self.pool).await?;
                    // Locks the room's row until commit (as every insert into
                    // the room does), so its changes are numbered in the order
                    // they commit, and each knows how many messages came before.
                    let room_found = sqlx::query($sql::BUMP_CHANGES)
                        .bind(room.as_str())
                        .execute(&mut *tx)
                        .await?;
                    if room_found.rows_affected() == 0 {
                        return Ok(None);
                    }
                    let (change_no, message_count): (i64, i64) = sqlx::query_as($sql::ROOM_COUNTS)
                        .bind(room.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    let update = match change {
                        $crate::store::Change::Edit { content, at } => {
                            sqlx::query($sql::EDIT_MESSAGE).bind(content).bind(at)
                        }
                        $crate::store::Change::Delete => sqlx::query($sql::DELETE_MESSAGE),
                    };
                    let changed = update
                        .bind(change_no)
                        .bind(message_count)
                        .bind(room.as_str())
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    if changed.rows_affected() == 0 {
                        // Dropping the transaction rolls the count back.
                        return Ok(None);
                    }
                    let row: $crate::store::row::MessageRow = sqlx::query_as($sql::MESSAGE)
                        .bind(room.as_str())
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    protocol::message::ChatMessage::try_from(row).map(Some)
                })
                .await
            }

            async fn changes_since(
                &self,
                room: &protocol::names::RoomName,
                since: i64,
                limit: i64,
            ) -> Result<protocol::message::HistoryPage, $crate::store::StoreError> {
                // The number of message `since` (or of the last one before
                // it): changes made with at least that many messages in the
                // room came after it.
                let seq: i64 = sqlx::query_scalar($sql::SEQ_AT)
                    .bind(room.as_str())
                    .bind(since)
                    .fetch_one(&self.pool)
                    .await?;
                let rows: Vec<$crate::store::row::MessageRow> = sqlx::query_as($sql::CHANGES_SINCE)
                    .bind(room.as_str())
                    .bind(since)
                    .bind(seq)
                    .bind(limit + 1)
                    .fetch_all(&self.pool)
                    .await?;
                $crate::store::row::into_page(rows, limit, false)
            }

            async fn rooms(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::store::RoomSummary>, $crate::store::StoreError> {
                let rooms = sqlx::query_as($sql::ROOMS)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rooms)
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn close(&self) {
                self.writes.close().await;
                self.pool.close().await;
            }
        }
    };
}
pub(super) use impl_store;
