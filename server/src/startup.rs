//! Building the application from its configuration and serving it.

use crate::cluster::{COMMAND_LIMIT, Cluster, ClusterError, PubSub};
use crate::config::{Config, exposed, threads_or_cores};
use crate::images::DecodeBudget;
use crate::net::{self, Network, PublicUrlError};
use crate::push::{Push, PushError};
use crate::routes::{AllowedOrigins, check_origin};
use crate::secret::{self, SecretError};
use crate::site::Site;
use crate::socket::{
    Handshakes, LiveRooms, SocketState, keep_room_lists, limit_handshakes, own_request_head,
    sweep_ended_sessions,
};
use crate::state::AppState;
use crate::throttles::Throttles;
use crate::{routes, socket};
use app::shell;
use axum::{Router, middleware};
use chat_core::allowance::SharedBuckets;
use chat_core::metrics::Metrics;
use chat_core::rate::Rate;
use chat_core::sanctions::Sanctions;
use chat_core::session::SessionKey;
use chat_core::store::{self, StoreError};
use chat_core::{Access, Chat, Delivery, Limits};
use socketioxide::adapter::Adapter;
use socketioxide::{SocketIo, SocketIoBuilder};
use socketioxide_redis::{CustomRedisAdapter, RedisAdapterConfig, RedisAdapterCtr};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

/// How long shutdown waits for messages in flight.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);
/// How long an upload waits for its turn to be decoded before it is
/// refused as busy.
const DECODE_WAIT: Duration = Duration::from_secs(30);

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
    PublicUrl(#[from] PublicUrlError),
    #[error("database {url}: {source}")]
    Store { url: String, source: StoreError },
    #[error("redis {url}: {source}")]
    Redis { url: String, source: ClusterError },
    #[error("push notifications: {0}")]
    Push(#[from] PushError),
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
    let network = Network::new(&config.trusted_proxies, config.public_url.as_deref())?;
    // Leptos spawns rendering tasks on whichever executor is registered.
    let _ = any_spawner::Executor::init_tokio();
    let secret = secret::load_or_create(exposed(&config.secret_key), &config.data_dir)?;
    let url = config.database_url();
    let store = store::connect(&url, &config.pool())
        .await
        .map_err(|source| StartupError::Store {
            url: store::redact(&url),
            source,
        })?;
    tracing::info!(backend = ?store.backend(), "database ready");
    let parts = Parts {
        network,
        store,
        sessions: SessionKey::new(&secret),
    };
    let packet_limit = socket::packet_limit(config.message_max_chars);
    let sockets = SocketIo::builder()
        .max_payload(packet_limit as u64)
        .ws_max_message_size(packet_limit)
        .ws_max_frame_size(packet_limit)
        .ws_read_buffer_size(socket::WS_READ_BUFFER)
        .connect_timeout(socket::SIGN_IN_TIMEOUT);

    let Some(redis_url) = exposed(&config.redis_url).map(str::to_owned) else {
        let node = Node::build(&config, parts, sockets, None, &listener)?;
        socket::register(&node.io);
        return node.serve(&config, listener, shutdown).await;
    };
    let (cluster, pubsub) =
        Cluster::connect(&redis_url, config.redis_cluster, &config.redis_prefix)
            .await
            .map_err(|source| StartupError::Redis {
                url: store::redact(&redis_url),
                source,
            })?;
    let adapter = RedisAdapterConfig::new()
        .with_prefix(cluster.adapter_prefix())
        .with_request_timeout(COMMAND_LIMIT);
    let sockets =
        sockets.with_adapter::<NodeAdapter>(RedisAdapterCtr::new_with_driver(pubsub, adapter));
    let node = Node::build(&config, parts, sockets, Some(cluster.clone()), &listener)?;
    socket::register(&node.io)
        .await
        .map_err(|e| StartupError::Redis {
            url: store::redact(&redis_url),
            source: ClusterError::Subscribe(e.to_string()),
        })?;
    tracing::info!(node = cluster.node(), "joined the cluster");
    // In a set, so that it stops with the server however that ends.
    let mut heartbeat = tokio::task::JoinSet::new();
    heartbeat.spawn(socket::keep_in_touch(
        node.live.clone(),
        cluster,
        node.chat.clone(),
    ));
    let leaving = node.live.clone();
    let shutdown = async move {
        shutdown.await;
        // Waits for a heartbeat under way, which would write this node back in.
        heartbeat.shutdown().await;
        leaving.say_goodbye().await;
    };
    node.serve(&config, listener, shutdown).await
}

/// The Socket.IO adapter of a node in a cluster.
type NodeAdapter = CustomRedisAdapter<socketioxide::adapter::Emitter, PubSub>;

/// What every node is built from, whatever its adapter.
struct Parts {
    network: Network,
    store: Arc<dyn store::Store>,
    sessions: SessionKey,
}

/// One server: the HTTP routes and Socket.IO, ready to serve.
struct Node<A: Adapter> {
    app: Router,
    io: SocketIo<A>,
    live: Arc<LiveRooms<A>>,
    chat: Chat,
    push: Arc<Push>,
    network: Network,
}

impl<A: Adapter> Node<A> {
    fn build(
        config: &Config,
        parts: Parts,
        sockets: SocketIoBuilder<A>,
        cluster: Option<Cluster>,
        listener: &TcpListener,
    ) -> Result<Self, StartupError> {
        let Parts {
            network,
            store,
            sessions,
        } = parts;
        let metrics = Arc::new(Metrics::default());
        let live = LiveRooms::<A>::new(cluster.clone(), metrics.clone());
        let limits = Limits {
            message_max_chars: config.message_max_chars,
            max_upload_bytes: config.max_upload_bytes,
            room_creations: Rate::per_hour(config.rooms_per_hour),
            password_hashing_threads: threads_or_cores(config.password_hashing_threads),
            ..Limits::default()
        };
        let shared = cluster
            .clone()
            .map(|cluster| Arc::new(cluster) as Arc<dyn SharedBuckets>);
        let sanctions = Arc::new(Sanctions::new(store.clone()));
        let push = Push::start(
            config,
            store.clone(),
            sanctions.clone(),
            live.clone(),
            metrics.clone(),
        )?;
        let delivery = Delivery {
            fanout: live.clone(),
            notifier: push.clone(),
        };
        let access = Access {
            guests: config.guest_access.is_open(),
            registration: config.registration.is_open(),
        };
        let chat = Chat::new(
            store,
            sanctions,
            sessions,
            access,
            limits,
            delivery,
            metrics.clone(),
            shared.clone(),
        );
        let decode = DecodeBudget::new(
            config.decode_pixels_in_flight,
            threads_or_cores(config.decode_threads),
            DECODE_WAIT,
            metrics.clone(),
        );
        let sends = Rate {
            burst: config.send_burst,
            per_second: config.send_rate,
        };
        let socket_state = SocketState::new(
            sends,
            config.max_connections_per_ip,
            network.clone(),
            live.clone(),
            metrics,
            shared.clone(),
            config.media_dir.clone(),
        );
        let (socket_layer, io) = sockets
            .with_state(chat.clone())
            .with_state(socket_state)
            .build_layer();
        live.attach(io.clone());

        let site = Site::load(config, listener.local_addr()?);
        let state = AppState {
            chat: chat.clone(),
            cluster,
            media_dir: config.media_dir.clone(),
            network: network.clone(),
            throttles: Throttles::new(
                Rate::per_minute(config.logins_per_minute),
                Rate::per_minute(config.login_failures_per_minute),
                Rate::per_minute(config.uploads_per_minute),
                shared,
            ),
            push: push.clone(),
            decode,
            leptos_options: site.options,
            stylesheet: site.stylesheet.clone(),
        };
        let origins = AllowedOrigins::new(&config.allowed_origins, network.clone());
        let app = Router::new()
            .merge(routes::router(&state))
            .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
                move |options| shell(options, site.stylesheet.clone()),
            ))
            .layer(socket_layer)
            .layer(middleware::from_fn(own_request_head))
            .layer(middleware::from_fn_with_state(
                Handshakes::new(config.max_connections_per_ip, network.clone()),
                limit_handshakes,
            ))
            .layer(middleware::from_fn_with_state(origins, check_origin))
            .layer(TraceLayer::new_for_http())
            .with_state(state);
        Ok(Node {
            app,
            io,
            live,
            chat,
            push,
            network,
        })
    }

    async fn serve(
        self,
        config: &Config,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let Node {
            app,
            io,
            live,
            chat,
            push,
            network,
        } = self;
        let _sessions = Background::spawn(keep_sessions(chat.clone(), live.clone()));
        let _room_lists = Background::spawn(keep_room_lists(chat.clone(), live.clone()));
        let _detach = Detach(live);
        tracing::info!(site_addr = %listener.local_addr()?, "serving");
        let closing = chat.clone();
        let shutdown = async move {
            shutdown.await;
            tracing::info!("shutting down: finishing messages in flight");
            closing.stop_posting(DRAIN_LIMIT).await;
            tracing::info!("shutting down: closing sockets");
            io.close().await;
        };
        net::serve(listener, app, config.serve_limits(), network, shutdown).await?;
        push.stop().await;
        chat.close_store().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Detaches live delivery from Socket.IO when serving ends, however it
/// ends (a future dropped mid-run included), so nothing is kept alive by
/// the cycle between them.
struct Detach<A: Adapter>(Arc<LiveRooms<A>>);

impl<A: Adapter> Drop for Detach<A> {
    fn drop(&mut self) {
        self.0.detach();
    }
}

/// A task that ends with serving, however serving ends.
struct Background(tokio::task::AbortHandle);

impl Background {
    fn spawn(task: impl Future<Output = ()> + Send + 'static) -> Self {
        Background(tokio::spawn(task).abort_handle())
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Closes the connections of sessions ended elsewhere, and every
/// [`PURGE_EVERY`] forgets the sessions unused for their whole lifetime.
async fn keep_sessions<A: Adapter>(chat: Chat, live: Arc<LiveRooms<A>>) {
    let purge = chat.clone();
    let purging = async move {
        let mut every = tokio::time::interval(PURGE_EVERY);
        loop {
            every.tick().await;
            match purge.purge_idle_sessions().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "forgot sessions unused for 30 days"),
                Err(e) => tracing::warn!(error = %e, "could not forget unused sessions"),
            }
        }
    };
    tokio::join!(sweep_ended_sessions(chat, live), purging);
}

/// How often unused sessions are forgotten.
const PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

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
