//! Which databases a benchmark runs on: SQLite always, PostgreSQL and MySQL
//! when `TEST_POSTGRES_URL` / `TEST_MYSQL_URL` name a server (as for the
//! tests); each run gets a fresh database there, dropped afterwards.

use chat_core::store::Backend;
use chat_core::testing::ScratchDb;
use std::error::Error;

/// A backend named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Choice {
    Sqlite,
    Postgres,
    Mysql,
}

impl Choice {
    pub fn backend(self) -> Backend {
        match self {
            Choice::Sqlite => Backend::Sqlite,
            Choice::Postgres => Backend::Postgres,
            Choice::Mysql => Backend::MySql,
        }
    }
}

/// The backends to run: those asked for, or every one.
fn chosen(asked: &[Choice]) -> Vec<Backend> {
    let all = [Choice::Sqlite, Choice::Postgres, Choice::Mysql];
    let asked = if asked.is_empty() { &all[..] } else { asked };
    asked.iter().map(|c| c.backend()).collect()
}

/// Runs `bench` on a fresh database of each chosen backend, skipping (and
/// saying so) those without a configured server.
pub async fn on_each(
    asked: &[Choice],
    mut bench: impl AsyncFnMut(Backend, &ScratchDb) -> Result<(), Box<dyn Error>>,
) -> Result<(), Box<dyn Error>> {
    for backend in chosen(asked) {
        match ScratchDb::create(backend).await {
            Some(db) => bench(backend, &db).await?,
            None => println!("{}: not configured, skipped", label(backend)),
        }
    }
    Ok(())
}

/// How a backend is named in the report.
pub fn label(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
        Backend::MySql => "MySQL/MariaDB",
    }
}

/// The `--backend` value that selects it.
pub fn flag(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
    }
}

/// What the reproduce line must add for a backend that needs a server.
pub fn env_note(backend: Backend) -> String {
    chat_core::testing::url_variable(backend)
        .map(|var| format!("; set `{var}` to a server whose user may create databases"))
        .unwrap_or_default()
}

/// The report section of a benchmark on a backend.
pub fn section(bench: &str, backend: Backend) -> String {
    format!("{bench}-{}", flag(backend))
}
