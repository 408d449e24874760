//! Building the application from its configuration and serving it.

use crate::config::Config;
use crate::metrics::Metrics;
use crate::routes::{AllowedOrigins, check_origin};
use crate::secret::{self, SecretError};
use crate::socket::{Rate, SocketState};
use crate::{routes, socket};
use app::server::db::{Database, StoreError};
use app::server::session::SessionKey;
use app::server::{AppState, Limits};
use app::shell;
use axum::{Extension, Router, middleware};
use leptos::config::LeptosOptions;
use socketioxide::SocketIo;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// How long shutdown waits for sends in flight.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot create directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("server error: {0}")]
    Serve(#[from] std::io::Error),
}

/// Serves the chat on `listener` until `shutdown` completes, then closes every
/// socket, finishes in-flight requests and closes the database.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartupError> {
    for dir in [&config.data_dir, &config.media_dir] {
        std::fs::create_dir_all(dir).map_err(|source| StartupError::Directory {
            path: dir.display().to_string(),
            source,
        })?;
    }
    // Leptos spawns rendering tasks on whichever executor is registered.
    let _ = any_spawner::Executor::init_tokio();
    let secret = secret::load_or_create(config.secret_key.as_deref(), &config.data_dir)?;
    let db = Database::connect(&config.database_url()).await?;
    let site_addr = listener.local_addr()?;

    let state = AppState {
        db: db.clone(),
        sessions: SessionKey::new(&secret),
        limits: Limits {
            message_max_chars: config.message_max_chars,
            max_upload_bytes: config.max_upload_bytes,
            ..Limits::default()
        },
        media_dir: config.media_dir.clone(),
        leptos_options: LeptosOptions::builder()
            .output_name(config.output_name.as_str())
            .site_root(config.site_root.display().to_string())
            .site_addr(site_addr)
            .build(),
    };
    let sends = Rate {
        burst: config.send_burst.max(1.0),
        per_second: config.send_rate.max(0.01),
    };
    let metrics = Arc::new(Metrics::default());
    let sockets = SocketState::new(sends, config.max_connections_per_ip, metrics.clone());
    let (socket_layer, io) = SocketIo::builder()
        .with_state(state.clone())
        .with_state(sockets.clone())
        .build_layer();
    socket::register(&io);

    let origins = AllowedOrigins::new(&config.allowed_origins);
    let app = Router::new()
        .merge(routes::router(&state))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(Extension(io.clone()))
        .layer(Extension(metrics))
        .layer(socket_layer)
        .layer(middleware::from_fn_with_state(origins, check_origin))
        .layer(TraceLayer::new_for_http())
        .with_state(state);

    tracing::info!(%site_addr, "serving");
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing sends in flight");
            sockets.drain.close(DRAIN_LIMIT).await;
            tracing::info!("shutting down: closing sockets");
            io.close().await;
        })
        .await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
