//! Server-only parts of the app (feature `ssr`): storage, sessions and the
//! state every handler shares.

pub mod db;
pub mod session;
mod state;

pub use state::{AppState, Limits};
