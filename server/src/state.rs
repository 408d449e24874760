//! The one state every HTTP handler shares.

use crate::cluster::Cluster;
use crate::images::DecodeBudget;
use crate::net::Network;
use crate::push::Push;
use crate::throttles::Throttles;
use axum::extract::FromRef;
use chat_core::Chat;
use leptos::config::LeptosOptions;
use std::path::PathBuf;
use std::sync::Arc;

/// What the HTTP side shares; handlers take the part they need
/// (`State<Chat>`, `State<AppState>`).
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Storage, sessions, limits, the posting path and the counters.
    pub chat: Chat,
    /// The other nodes, when there are any.
    pub cluster: Option<Cluster>,
    /// Uploads live in `chat_images/` inside.
    pub media_dir: PathBuf,
    /// Who requests come from, and the site's public address.
    pub network: Network,
    /// Logins per address, uploads per sign-in.
    pub throttles: Throttles,
    /// Push notifications: devices are saved here, pushes sent from here.
    pub push: Arc<Push>,
    /// Pixels of uploads decoded at once.
    pub decode: DecodeBudget,
    pub leptos_options: LeptosOptions,
    /// The stylesheet's path, named after its content.
    pub stylesheet: Arc<str>,
}
