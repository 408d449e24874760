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
            fn backend(&self) -> $crate::store::Backend {
                $backend
            }

            async fn ensure_room(
                &self,
                room: &protocol::names::RoomName,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query($sql::ENSURE_ROOM)
                    .bind(room.as_str())
                    .bind($crate::store::now_millis())
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn insert_message(
                &self,
                new: $crate::store::NewMessage<'_>,
            ) -> Result<$crate::store::Inserted, $crate::store::StoreError> {
                match self.writes.insert(new.unsaved()).await? {
                    Some(message) => Ok($crate::store::Inserted {
                        message,
                        is_new: true,
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

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}
pub(super) use impl_store;
