//! Throwaway databases for tests and benchmarks (feature `testing`).
//!
//! SQLite always; PostgreSQL and MySQL when `TEST_POSTGRES_URL` /
//! `TEST_MYSQL_URL` name a server whose user may create databases. Each
//! [`ScratchDb`] is a new, uniquely named database, dropped when it goes.

use crate::store::{Backend, sqlite_url_in};
use sqlx::{Connection, Executor};
use std::sync::atomic::{AtomicU32, Ordering};

/// Names scratch databases start with, so leftovers can be found.
pub const NAME_PREFIX: &str = "chat_scratch_";

/// The environment variable that names a server for `backend`.
pub fn url_variable(backend: Backend) -> Option<&'static str> {
    match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some("TEST_POSTGRES_URL"),
        Backend::MySql => Some("TEST_MYSQL_URL"),
    }
}

/// A fresh, empty database on one backend.
pub struct ScratchDb {
    url: String,
    backend: Backend,
    /// The server-level URL and the database's name (not SQLite).
    server: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl ScratchDb {
    /// A new database on `backend`, or `None` when no server is configured
    /// for it (the test is then skipped, and says so).
    pub async fn create(backend: Backend) -> Option<Self> {
        if backend == Backend::Sqlite {
            let dir = tempfile::tempdir().expect("a temporary directory");
            return Some(ScratchDb {
                url: sqlite_url_in(dir.path()),
                backend,
                server: None,
                _dir: Some(dir),
            });
        }
        let variable = url_variable(backend)?;
        let Ok(server_url) = std::env::var(variable) else {
            eprintln!("skipped on {backend:?}: set {variable} to run it");
            return None;
        };
        let name = unique_name();
        let create = match backend {
            Backend::MySql => {
                format!("CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
            }
            _ => format!("CREATE DATABASE {name}"),
        };
        admin(backend, &server_url, &create)
            .await
            .unwrap_or_else(|e| panic!("creating {name} with {variable}: {e}"));
        let mut url = url::Url::parse(&server_url).expect("a database URL");
        url.set_path(&format!("/{name}"));
        Some(ScratchDb {
            url: url.to_string(),
            backend,
            server: Some((server_url, name)),
            _dir: None,
        })
    }

    /// The `DATABASE_URL` of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Which backend it is on.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let Some((server_url, name)) = self.server.take() else {
            return;
        };
        let backend = self.backend;
        // Drop runs outside async code (or inside a runtime that is ending),
        // so the drop gets its own thread and runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let drop_sql = match backend {
                Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS {name}"),
            };
            runtime
                .block_on(async {
                    if backend == Backend::MySql {
                        end_mysql_sessions(&server_url, &name).await?;
                    }
                    admin(backend, &server_url, &drop_sql).await
                })
                .map_err(std::io::Error::other)
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop a scratch database: {dropped:?}");
        }
    }
}

/// Runs one statement on the server's administrative connection.
async fn admin(backend: Backend, server_url: &str, sql: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match backend {
        Backend::Postgres => {
            let mut conn = sqlx::PgConnection::connect(server_url).await?;
            conn.execute(sql).await?;
            conn.close().await
        }
        Backend::MySql => {
            let mut conn = sqlx::MySqlConnection::connect(server_url).await?;
            conn.execute(sql).await?;
            conn.close().await
        }
        Backend::Sqlite => Ok(()),
    }
}

/// Ends every MySQL session still using database `name`, as PostgreSQL's
/// `DROP DATABASE … WITH (FORCE)` does: a test whose server was dropped
/// mid-run (not shut down) leaves its pool's connections open, and enough
/// of those would reach the server's connection limit.
async fn end_mysql_sessions(server_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = sqlx::MySqlConnection::connect(server_url).await?;
    let sessions: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()",
    )
    .bind(name)
    .fetch_all(&mut conn)
    .await?;
    for id in sessions {
        // One may have ended by itself meanwhile.
        let _ = conn
            .execute(sqlx::AssertSqlSafe(format!("KILL CONNECTION {id}")))
            .await;
    }
    conn.close().await
}

/// A name no other scratch database has, now or in a parallel run.
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut random = [0u8; 4];
    getrandom::fill(&mut random).expect("randomness");
    format!(
        "{NAME_PREFIX}{}_{}_{:08x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        u32::from_le_bytes(random)
    )
}
