//! What only this server has: the server-rendered room page, and the
//! bundle a browser downloads on its first visit.

use super::crowd::Venue;
use super::target::Target;
use super::wire::Error;
use crate::stats::Samples;
use chat_core::session::COOKIE_NAME;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

type Result<T> = std::result::Result<T, Error>;

/// Server-rendered room page latency.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page {
    pub requests: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Requests `/chat/<room>/` (a room of 50 messages) one after another, as
/// a signed-in browser does, and times each to its last byte.
pub async fn room_page(target: &Target, requests: usize) -> Result<Page> {
    let venue = Venue::new(target.addr)?;
    let mut members = venue.gather("page", 1, 1, None, |_| {}).await?;
    let member = &mut members[0];
    for n in 0..50 {
        let content = format!("message {n} of the page's history");
        member
            .conn
            .call(
                "send_message",
                &json!({ "room": member.room, "content": content }),
            )
            .await?;
    }
    let http = reqwest::Client::new();
    let token = login(&http, target, &member.room).await?;
    let url = format!("{}/chat/{}/", target.base(), member.room);
    let mut timings = Vec::with_capacity(requests);
    for n in 0..requests + requests / 10 {
        let started = Instant::now();
        let reply = http
            .get(&url)
            .header("cookie", format!("{COOKIE_NAME}={token}"))
            .send()
            .await?
            .error_for_status()?;
        let body = reply.bytes().await?;
        if n == 0 && !body.windows(12).any(|w| w == b"of the page'") {
            return Err("the room page does not show the room's messages".into());
        }
        // The first tenth warms up.
        if n >= requests / 10 {
            timings.push(started.elapsed());
        }
    }
    let samples = Samples::new(timings);
    Ok(Page {
        requests,
        p50_ms: samples.percentile_ms(50.0),
        p99_ms: samples.percentile_ms(99.0),
    })
}

async fn login(http: &reqwest::Client, target: &Target, room: &str) -> Result<String> {
    let reply: serde_json::Value = http
        .post(format!("{}/api/login", target.base()))
        .json(&json!({ "username": "reader", "room": room }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(reply["token"].as_str().ok_or("login refused")?.to_owned())
}

/// The first visit's download: the script, WASM and stylesheet.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bundle {
    pub raw_bytes: u64,
    pub brotli_bytes: u64,
    pub gzip_bytes: u64,
}

/// Sizes of the built site's bundle files, as stored and as sent.
pub fn bundle(pkg: &Path) -> Result<Bundle> {
    let mut bundle = Bundle {
        raw_bytes: 0,
        brotli_bytes: 0,
        gzip_bytes: 0,
    };
    for entry in std::fs::read_dir(pkg)? {
        let path = entry?.path();
        let size = |extension: &str| -> Result<u64> {
            let mut name = path.as_os_str().to_owned();
            name.push(extension);
            Ok(std::fs::metadata(name)?.len())
        };
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("js" | "wasm" | "css")
        ) {
            bundle.raw_bytes += size("")?;
            bundle.brotli_bytes += size(".br")?;
            bundle.gzip_bytes += size(".gz")?;
        }
    }
    if bundle.raw_bytes == 0 {
        return Err(format!("no bundle in {} (run scripts/build-site.sh)", pkg.display()).into());
    }
    Ok(bundle)
}
