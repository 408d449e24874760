//! `server create-superuser --username NAME`: creates a staff account or
//! sets its password, on the database the server is configured with.

use crate::config::Config;
use chat_core::passwords::Passwords;
use chat_core::staff::{self, Saved};
use chat_core::store;
use protocol::names::Username;
use std::io::{BufRead, IsTerminal};

/// Saves the account and says what was done, or why not.
pub async fn create_superuser(config: &Config, username: &str) -> Result<String, String> {
    let username = Username::parse(username).map_err(|e| format!("the username {e}"))?;
    let password = read_password()?;
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    let url = config.database_url();
    let store = store::connect(&url, &config.pool())
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", store::redact(&url)))?;
    let saved = staff::save(store.as_ref(), &Passwords::new(1), &username, &password).await;
    store.close().await;
    Ok(match saved.map_err(|e| e.to_string())? {
        Saved::Created => format!("Staff account {username} created."),
        Saved::PasswordChanged => format!("Password of staff account {username} changed."),
    })
}

/// One line from standard input, or, at a terminal, the password typed
/// twice without echo.
fn read_password() -> Result<String, String> {
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("reading the password: {e}"))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let ask = |prompt: &str| {
        rpassword::prompt_password(prompt).map_err(|e| format!("reading the password: {e}"))
    };
    let password = ask("Password: ")?;
    if ask("Password (again): ")? != password {
        return Err("the passwords differ; nothing was changed".into());
    }
    Ok(password)
}
