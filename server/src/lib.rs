//! The chat server as a library: `main` and the tests start it the same way,
//! through [`run`].

mod cluster;
pub mod config;
mod error;
mod images;
mod moderation;
mod net;
mod push;
mod routes;
mod secret;
mod site;
mod socket;
mod startup;
mod state;
mod superuser;
mod throttles;

pub use net::raise_open_files;
pub use startup::{StartupError, run, shutdown_signal};
pub use superuser::{create_superuser, reset_password};
