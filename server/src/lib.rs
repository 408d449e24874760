//! The chat server as a library: `main` and the tests start it the same way,
//! through [`run`].

pub mod config;
mod error;
mod images;
mod routes;
mod secret;
mod socket;
mod startup;
mod state;

pub use startup::{StartupError, run, shutdown_signal};
