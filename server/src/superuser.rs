//! `server create-superuser --username NAME` (creates a staff account, or
//! gives an account the staff role) and `server reset-password --username
//! NAME`, on the database the server is configured with. Both end the
//! account's sessions: requests with them are refused at once, and each
//! running node closes their connections at its next sweep (every 15 s).

use crate::config::Config;
use chat_core::passwords::Passwords;
use chat_core::staff::{self, Saved};
use chat_core::store;
use protocol::names::Username;
use std::io::{BufRead, IsTerminal};

/// Saves the staff account and says what was done, or why not.
pub async fn create_superuser(config: &Config, username: &str) -> Result<String, String> {
    let username = Username::parse(username).map_err(|e| format!("the username {e}"))?;
    let password = read_password()?;
    let store = open_store(config).await?;
    let saved = staff::save(store.as_ref(), &Passwords::new(1), &username, &password).await;
    store.close().await;
    Ok(match saved.map_err(|e| e.to_string())?.0 {
        Saved::Created => format!("Staff account {username} created."),
        Saved::PasswordChanged => format!("Password of staff account {username} changed."),
        Saved::Promoted => format!("Account {username} is staff now, with the new password."),
    })
}

/// Sets the account's password and says what was done, or why not.
pub async fn reset_password(config: &Config, username: &str) -> Result<String, String> {
    let username = Username::parse(username).map_err(|e| format!("the username {e}"))?;
    let password = read_password()?;
    let store = open_store(config).await?;
    let reset =
        staff::reset_password(store.as_ref(), &Passwords::new(1), &username, &password).await;
    store.close().await;
    let ended = reset.map_err(|e| e.to_string())?.len();
    Ok(format!(
        "Password of {username} changed; {ended} session(s) signed out."
    ))
}

async fn open_store(config: &Config) -> Result<std::sync::Arc<dyn store::Store>, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", config.data_dir.display()))?;
    let url = config.database_url();
    store::connect(&url, &config.pool())
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", store::redact(&url)))
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
