//! People signed in and joined to their rooms, each on their own
//! connection from one of many loopback addresses.

use super::clock::Recorder;
use super::wire::{Conn, Error};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// Connections are spread over this many loopback addresses (127.0.0.2
/// and up), so 100,000 of them do not run out of one address's ports.
const ADDRESSES: u8 = 200;

/// Sign-ins and connections under way at once while a crowd gathers.
const GATHERING: usize = 128;

/// One member of a crowd.
pub struct Member {
    pub room: String,
    pub conn: Conn,
}

/// Where the members connect, and one HTTP client per source address.
pub struct Venue {
    server: SocketAddr,
    http: Vec<reqwest::Client>,
}

impl Venue {
    pub fn new(server: SocketAddr) -> Result<Venue, Error> {
        let http = (0..ADDRESSES)
            .map(|n| {
                reqwest::Client::builder()
                    .local_address(address(n as usize))
                    .build()
            })
            .collect::<Result<_, _>>()?;
        Ok(Venue { server, http })
    }

    /// Signs `count` people in, `per_room` to a room (named `{prefix}{n}`),
    /// connects and joins each; every member's deliveries go to
    /// `recorder`. `progress` hears how many are in so far.
    pub async fn gather(
        &self,
        prefix: &str,
        count: usize,
        per_room: usize,
        recorder: Option<Arc<Recorder>>,
        progress: impl Fn(usize),
    ) -> Result<Vec<Member>, Error> {
        let mut members = Vec::with_capacity(count);
        let mut joining = futures::stream::iter(0..count)
            .map(|n| {
                let room = format!("{prefix}{}", n / per_room.max(1));
                let user = format!("{prefix}u{n}");
                self.join(n, user, room, recorder.clone())
            })
            .buffered(GATHERING);
        while let Some(member) = joining.try_next().await? {
            members.push(member);
            if members.len() % 1000 == 0 {
                progress(members.len());
            }
        }
        Ok(members)
    }

    async fn join(
        &self,
        n: usize,
        user: String,
        room: String,
        recorder: Option<Arc<Recorder>>,
    ) -> Result<Member, Error> {
        let token = self.sign_in(n, &user, &room).await?;
        let mut conn = self.connect(n, &token, recorder).await?;
        conn.call("join", &json!({ "room": room })).await?;
        Ok(Member { room, conn })
    }

    /// Person `n` signs in as `user` (a guest) to `room`: their token.
    pub async fn sign_in(&self, n: usize, user: &str, room: &str) -> Result<String, Error> {
        let http = &self.http[n % self.http.len()];
        let reply: Value = http
            .post(format!("http://{}/api/login", self.server))
            .json(&json!({ "username": user, "room": room }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(reply["token"].as_str().ok_or("login refused")?.to_owned())
    }

    /// A connection of person `n`, from their address.
    pub async fn connect(
        &self,
        n: usize,
        token: &str,
        recorder: Option<Arc<Recorder>>,
    ) -> Result<Conn, Error> {
        Conn::connect(self.server, address(n), token, recorder).await
    }
}

fn address(n: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (n % ADDRESSES as usize) as u8))
}
