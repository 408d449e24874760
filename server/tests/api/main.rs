//! Integration tests: the real server on port 0 with fresh state, driven by
//! real HTTP and Socket.IO clients, once per database backend (SQLite
//! always; PostgreSQL and MySQL when `TEST_POSTGRES_URL` / `TEST_MYSQL_URL`
//! are set, each test on a database of its own).

use rstest_reuse::{self, template};

/// Every test runs once per backend.
#[template]
#[rstest::rstest]
#[case::sqlite(chat_core::store::Backend::Sqlite)]
#[case::postgres(chat_core::store::Backend::Postgres)]
#[case::mysql(chat_core::store::Backend::MySql)]
fn backends(#[case] backend: chat_core::store::Backend) {}

mod accounts;
mod admin_pages;
mod assets;
mod clients;
mod fault;
mod fuzz;
mod helpers;
mod history;
mod http_login;
mod images;
mod limits;
mod metrics;
mod moderation;
mod network;
mod nodes;
mod outage;
mod pages;
mod proxy;
mod push;
mod push_moderation;
mod push_services;
mod reliability;
mod rooms;
mod sanctions;
mod socket_auth;
mod socket_messages;
mod socket_validation;
mod staff;
mod throttles;
mod write_contention;
