//! `GET /api/chat/<room>/messages/`: the Django REST Framework envelope
//! `{"count", "next", "previous", "results"}`, newest first, so clients of the
//! original API keep working. Numbered pages (`page`, `page_size`) read a
//! range of the room's message numbers; `cursor` pages read by id. Neither
//! scans with OFFSET or counts rows: `count` is kept with the room.

use super::reader::{SessionUser, int_param, readable_room};
use crate::error::ApiError;
use crate::net::SiteBase;
use axum::Json;
use axum::extract::{OriginalUri, Path, Query, State};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chat_core::Chat;
use protocol::message::ChatMessage;
use serde::Serialize;
use std::collections::HashMap;

const DEFAULT_PAGE_SIZE: i64 = 20;
/// Larger requests are served at this size, as DRF's `max_page_size` does.
const MAX_PAGE_SIZE: i64 = 100;

/// One page in DRF's shape.
#[derive(Debug, Serialize)]
pub struct ApiPage {
    count: i64,
    next: Option<String>,
    previous: Option<String>,
    results: Vec<ChatMessage>,
}

pub async fn messages(
    State(chat): State<Chat>,
    SessionUser(reader): SessionUser,
    Path(room): Path<String>,
    OriginalUri(uri): OriginalUri,
    SiteBase(site): SiteBase,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<ApiPage>, ApiError> {
    let size = int_param(&query, "page_size", 1, i64::MAX)?
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .min(MAX_PAGE_SIZE);
    let (room, access) = readable_room(&chat, &reader, &room).await?;
    let count = access.message_count;
    let links = Links {
        base: format!("{site}{}", uri.path()),
        query: &query,
    };

    if let Some(cursor) = query.get("cursor") {
        let cursor = Cursor::decode(cursor)?;
        return Ok(Json(
            cursor_page(&chat, &room, count, cursor, size, &links).await?,
        ));
    }
    let page = int_param(&query, "page", 1, i64::MAX)?.unwrap_or(1);
    // DRF answers a page past the end with 404, and so do we.
    if page > 1 && (page - 1).saturating_mul(size) >= count {
        return Err(ApiError::not_found("Invalid page."));
    }
    let last = count - (page - 1) * size;
    let first = (last - size + 1).max(1);
    let mut results = chat.store().seq_range(&room, first, last).await?;
    results.reverse();
    Ok(Json(ApiPage {
        count,
        next: (first > 1).then(|| links.with("page", Some((page + 1).to_string()))),
        previous: (page > 1).then(|| {
            // DRF links the first page without a `page` parameter.
            links.with("page", (page > 2).then(|| (page - 1).to_string()))
        }),
        results,
    }))
}

async fn cursor_page(
    chat: &Chat,
    room: &protocol::names::RoomName,
    count: i64,
    cursor: Cursor,
    size: i64,
    links: &Links<'_>,
) -> Result<ApiPage, ApiError> {
    let db = chat.store();
    let (oldest_first, older_exist, newer_exist) = match cursor {
        Cursor::Before(id) => {
            let page = db.page_before(room, id, size).await?;
            let newer = match page.messages.last() {
                Some(newest) => db.page_after(room, newest.id, 0).await?.has_more,
                None => false,
            };
            (page.messages, page.has_more, newer)
        }
        Cursor::After(id) => {
            let page = db.page_after(room, id, size).await?;
            let older = match page.messages.first() {
                Some(oldest) => db.page_before(room, Some(oldest.id), 0).await?.has_more,
                None => false,
            };
            (page.messages, older, page.has_more)
        }
    };
    let next = match oldest_first.first() {
        Some(oldest) if older_exist => {
            Some(links.with("cursor", Some(Cursor::Before(Some(oldest.id)).encode())))
        }
        _ => None,
    };
    let previous = match oldest_first.last() {
        Some(newest) if newer_exist => {
            Some(links.with("cursor", Some(Cursor::After(newest.id).encode())))
        }
        _ => None,
    };
    let mut results = oldest_first;
    results.reverse();
    Ok(ApiPage {
        count,
        next,
        previous,
        results,
    })
}

/// A position in the room: before an id (the newest page when `None`) or after one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    Before(Option<i64>),
    After(i64),
}

impl Cursor {
    fn encode(self) -> String {
        match self {
            Cursor::Before(Some(id)) => B64.encode(format!("b{id}")),
            Cursor::Before(None) => String::new(),
            Cursor::After(id) => B64.encode(format!("a{id}")),
        }
    }

    /// An empty cursor starts at the newest page.
    fn decode(raw: &str) -> Result<Self, ApiError> {
        if raw.is_empty() {
            return Ok(Cursor::Before(None));
        }
        let bad = || ApiError::invalid("invalid cursor");
        let text = B64
            .decode(raw)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(bad)?;
        let (kind, id) = text.split_at_checked(1).ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        match kind {
            "b" => Ok(Cursor::Before(Some(id))),
            "a" => Ok(Cursor::After(id)),
            _ => Err(bad()),
        }
    }
}

/// Builds the absolute `next` / `previous` links from the request's own URL.
struct Links<'a> {
    base: String,
    query: &'a HashMap<String, String>,
}

impl Links<'_> {
    /// The request's URL with `key` set to `value` (or removed), keeping the
    /// other parameters in a stable order.
    fn with(&self, key: &str, value: Option<String>) -> String {
        let mut params: Vec<(&str, &str)> = self
            .query
            .iter()
            .filter(|(k, _)| k.as_str() != key)
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(value) = value.as_deref() {
            params.push((key, value));
        }
        params.sort();
        let query = serde_urlencoded::to_string(&params).unwrap_or_default();
        if query.is_empty() {
            self.base.clone()
        } else {
            format!("{}?{query}", self.base)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        for cursor in [
            Cursor::Before(Some(42)),
            Cursor::After(7),
            Cursor::Before(None),
        ] {
            assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
        }
        for bad in [
            "!!",
            "eA",
            &B64.encode("b"),
            &B64.encode("z12"),
            &B64.encode("b1x"),
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
