use clap::Parser;
use server::config::{Command, Config};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = Config::parse();
    let command = match &config.command {
        Some(Command::CreateSuperuser { username }) => {
            Some(server::create_superuser(&config, username).await)
        }
        Some(Command::ResetPassword { username }) => {
            Some(server::reset_password(&config, username).await)
        }
        None => None,
    };
    if let Some(outcome) = command {
        return match outcome {
            Ok(done) => {
                println!("{done}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        };
    }
    server::raise_open_files(config.max_open_connections);
    let listener = match tokio::net::TcpListener::bind(config.site_addr).await {
        Ok(listener) => listener,
        Err(e) => return fail(format!("cannot listen on {}: {e}", config.site_addr)),
    };
    // Printed on stdout (not only logged) so scripts and tests can find the
    // port when the address ends in `:0`.
    if let Ok(addr) = listener.local_addr() {
        println!("listening on http://{addr}");
    }
    match server::run(config, listener, server::shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => fail(e.to_string()),
    }
}

/// Says why the server stopped, for the person who started it.
fn fail(reason: String) -> std::process::ExitCode {
    eprintln!("error: {reason}");
    std::process::ExitCode::FAILURE
}
