use clap::Parser;
use server::config::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let config = Config::parse();
    let listener = tokio::net::TcpListener::bind(config.site_addr).await?;
    // Printed on stdout (not only logged) so scripts and tests can find the
    // port when the address ends in `:0`.
    println!("listening on http://{}", listener.local_addr()?);
    server::run(config, listener, server::shutdown_signal()).await?;
    Ok(())
}
