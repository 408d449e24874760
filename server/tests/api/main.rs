//! Integration tests: the real server on port 0 with a fresh SQLite file,
//! driven by real HTTP and Socket.IO clients.

mod fault;
mod fuzz;
mod helpers;
mod history;
mod http_login;
mod images;
mod metrics;
mod pages;
mod reliability;
mod socket_auth;
mod socket_messages;
mod socket_validation;
