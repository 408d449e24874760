//! Pages of the room from `GET /chat/<room>/history/`: the route other
//! clients read history from too.

use crate::message::HistoryPage;

/// The page of `room` just older than message `before`, oldest first, at
/// the server's default page size.
#[cfg(feature = "hydrate")]
pub async fn load_older(room: &str, before: i64) -> Result<HistoryPage, String> {
    crate::xhr::get_json(&format!("/chat/{room}/history/?before={before}")).await
}

/// The newest page of `room`: what a room opened in place starts from.
#[cfg(feature = "hydrate")]
pub async fn load_newest(room: &str) -> Result<HistoryPage, String> {
    crate::xhr::get_json(&format!("/chat/{room}/history/")).await
}

/// Older pages load only in the browser, as the reader scrolls up.
#[cfg(not(feature = "hydrate"))]
pub async fn load_older(_room: &str, _before: i64) -> Result<HistoryPage, String> {
    Err("Older messages load in the browser.".to_owned())
}
