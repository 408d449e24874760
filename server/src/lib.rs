//! The chat server as a library: `main` and the tests start it the same way,
//! through [`run`].

pub mod config;
mod error;
mod images;
mod metrics;
mod routes;
mod secret;
mod socket;
mod startup;

pub use startup::{StartupError, run, shutdown_signal};
