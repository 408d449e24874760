//! A chat server running inside the benchmark process, on a free port.

use serde_json::{Value, json};
use server::config::Config;
use std::error::Error;
use tokio::sync::oneshot;

pub struct Running {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), server::StartupError>>,
}

impl Running {
    /// Starts a server with `config`, listening on a free local port.
    pub async fn start(config: Config) -> Result<Self, Box<dyn Error>> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::run(config, listener, async {
            let _ = stopped.await;
        }));
        Ok(Running { base, stop, task })
    }

    /// Logs `user` in to `room` and returns the session token.
    pub async fn login(
        &self,
        http: &reqwest::Client,
        user: &str,
        room: &str,
    ) -> Result<String, Box<dyn Error>> {
        let reply: Value = http
            .post(format!("{}/api/login", self.base))
            .json(&json!({"username": user, "room": room}))
            .send()
            .await?
            .json()
            .await?;
        Ok(reply["token"].as_str().ok_or("login refused")?.to_owned())
    }

    /// Stops the server gracefully and reports how it ended.
    pub async fn stop(self) -> Result<(), Box<dyn Error>> {
        let _ = self.stop.send(());
        self.task.await??;
        Ok(())
    }
}
