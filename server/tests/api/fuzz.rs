//! Every socket event handler, fed malformed payloads: each gets an
//! `ok: false` ack (or, by chance, a valid payload an `ok: true`), the
//! connection keeps working, and the server stays up.

use chat_core::store::Backend;
use rstest_reuse::apply;

use crate::backends;
use crate::helpers::{TestApp, spawn_app};
use serde_json::{Map, Value, json};

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn string(&mut self) -> String {
        let len = match self.below(4) {
            0 => 0,
            1 => self.below(40),
            2 => 4_000 + self.below(10),
            _ => 20_000,
        };
        let alphabet = [
            'a', 'Z', ' ', '\n', '\0', '\u{7f}', 'é', '漢', '🎉', '<', '"', '\\', '.', '/',
        ];
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize])
            .collect()
    }

    fn value(&mut self, depth: u32) -> Value {
        match self.below(if depth > 6 { 5 } else { 8 }) {
            0 => Value::Null,
            1 => json!(self.below(2) == 0),
            2 => json!([i64::MIN, -1, 0, 7, i64::MAX][self.below(5) as usize]),
            3 => json!([f64::MIN_POSITIVE, -0.5, 1e300][self.below(3) as usize]),
            4 => json!(self.string()),
            5 => Value::Array((0..self.below(5)).map(|_| self.value(depth + 1)).collect()),
            _ => {
                let keys = [
                    "room",
                    "content",
                    "client_id",
                    "since",
                    "typing",
                    "username",
                    "extra",
                ];
                let mut object = Map::new();
                for _ in 0..self.below(6) {
                    let key = keys[self.below(keys.len() as u64) as usize];
                    object.insert(key.to_owned(), self.value(depth + 1));
                }
                Value::Object(object)
            }
        }
    }
}

/// An array nested `depth` times: a parser without a depth bound overflows.
fn deeply_nested(depth: usize) -> Value {
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Comfortably under the server's 64 KiB packet limit, event name included.
const MAX_PACKET: usize = 60 * 1024;

async fn fresh_socket(app: &TestApp, token: &str) -> crate::helpers::TestSocket {
    let socket = app.socket(token).await;
    assert_eq!(socket.join("fuzz").await["ok"], true);
    socket
}

#[apply(backends)]
#[tokio::test]
async fn malformed_payloads_never_go_unanswered_or_break_the_connection(#[case] backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let token = app.login("Fuzzer", "fuzz").await;
    let mut rng = Rng(0x5eed_cafe_f00d_u64);
    let events = ["join", "send_message", "typing", "leave"];
    let mut refused = 0;

    for batch in 0..12 {
        // A fresh connection per batch stays under the per-connection limits.
        let socket = fresh_socket(&app, &token).await;
        for case in 0..12 {
            let event = events[(batch * 12 + case) % events.len()];
            let payload = match case {
                0 => deeply_nested(64),
                1 => json!({"room": {"$gt": ""}, "content": ["x"]}),
                _ => rng.value(0),
            };
            // A packet past the size limit closes its connection instead
            // (`limits.rs`); this is about what is inside the limit.
            if payload.to_string().len() > MAX_PACKET {
                continue;
            }
            let ack = socket.ack(event, payload.clone()).await;
            match ack["ok"].as_bool() {
                Some(true) => {}
                Some(false) => {
                    refused += 1;
                    assert!(ack["error"]["code"].is_string(), "{event} {payload}: {ack}");
                }
                None => panic!("{event} {payload}: not an ack: {ack}"),
            }
            // Whatever came before, the room can still be (re)joined.
            if case % 4 == 3 {
                assert_eq!(
                    socket.join("fuzz").await["ok"],
                    true,
                    "after {event} {payload}"
                );
            }
        }
        socket.disconnect().await;
    }
    assert!(refused > 100, "only {refused} payloads were refused");

    // The server is up and serving others.
    let other = fresh_socket(&app, &app.login("Bystander", "fuzz").await).await;
    assert_eq!(other.send("fuzz", "still here").await["ok"], true);
}

#[apply(backends)]
#[tokio::test]
async fn garbage_frames_do_not_take_the_server_down(#[case] backend: Backend) {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;

    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let url = format!("ws://{}/socket.io/?EIO=4&transport=websocket", app.addr);
    let frames: [&[u8]; 9] = [
        b"42[",
        b"42[]",
        b"42[1,2]",
        b"451-[\"send_message\",{\"_placeholder\":true,\"num\":0}]",
        b"4/nowhere,2[\"join\"]",
        b"9",
        b"",
        b"40{\"token\":",
        &[0xff, 0xfe, 0x00],
    ];
    for frame in frames {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("websocket");
        let _open = ws.next().await;
        let message = match std::str::from_utf8(frame) {
            Ok(text) => Message::text(text),
            Err(_) => Message::binary(frame.to_vec()),
        };
        let _ = ws.send(message).await;
        let _ = tokio::time::timeout(std::time::Duration::from_millis(200), ws.next()).await;
    }
    let alice = app.socket(&app.login("Alice", "general").await).await;
    assert_eq!(alice.join("general").await["ok"], true);
    assert_eq!(
        alice.send("general", "the server survived").await["ok"],
        true
    );
}
