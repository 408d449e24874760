//! Send times carried in the messages themselves, and the delivery
//! latencies and counts they give.

use hdrhistogram::Histogram;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

/// What receivers saw while measuring.
pub struct Recorder {
    epoch: Instant,
    measuring: AtomicBool,
    deliveries: AtomicU64,
    /// Send → delivery, in microseconds.
    latencies: Mutex<Histogram<u64>>,
    /// Whether `room_activity` is timed (which keeps every message's send
    /// time; the other benches need not).
    announcing: bool,
    /// When each stored message was sent, by room and id (from its ack),
    /// to time the `room_activity` that announces it.
    sent: Mutex<HashMap<String, BTreeMap<u64, u64>>>,
    announcements: AtomicU64,
    /// Send → `room_activity`, in microseconds.
    announcement_latencies: Mutex<Histogram<u64>>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            epoch: Instant::now(),
            measuring: AtomicBool::new(false),
            announcing: false,
            deliveries: AtomicU64::new(0),
            latencies: Mutex::new(Histogram::new(3).expect("3 significant figures")),
            sent: Mutex::new(HashMap::new()),
            announcements: AtomicU64::new(0),
            announcement_latencies: Mutex::new(Histogram::new(3).expect("3 significant figures")),
        }
    }
}

impl Recorder {
    /// A recorder that also times `room_activity` by the messages it
    /// announces.
    pub fn announcing() -> Self {
        Recorder {
            announcing: true,
            ..Recorder::default()
        }
    }

    /// A message's content: `t` and its send time.
    pub fn stamp(&self) -> String {
        format!("t{}", self.epoch.elapsed().as_micros())
    }

    /// Starts or stops counting.
    pub fn measure(&self, on: bool) {
        self.measuring.store(on, Ordering::SeqCst);
    }

    /// Times one `message` packet by the stamp in its `content`.
    pub fn delivered(&self, packet: &str) {
        if !self.measuring.load(Ordering::Relaxed) {
            return;
        }
        let Some(at) = packet.find("\"content\":\"t") else {
            return;
        };
        let digits = &packet[at + 12..];
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        let Ok(sent) = digits[..end].parse::<u64>() else {
            return;
        };
        let now = self.epoch.elapsed().as_micros() as u64;
        self.deliveries.fetch_add(1, Ordering::Relaxed);
        let mut latencies = self.latencies.lock().unwrap_or_else(|e| e.into_inner());
        let _ = latencies.record(now.saturating_sub(sent).max(1));
    }

    /// Notes when the message a `send_message` ack stores was sent (the
    /// stamp in its content), by its room and id.
    pub fn stored(&self, ack: &str) {
        if !self.announcing {
            return;
        }
        let (Some(id), Some(room), Some(sent)) = (
            number_after(ack, "\"id\":"),
            text_after(ack, "\"room\":\""),
            number_after(ack, "\"content\":\"t"),
        ) else {
            return;
        };
        let mut by_room = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        by_room.entry(room.to_owned()).or_default().insert(id, sent);
    }

    /// Times one `room_activity` packet a connection got, whose earlier
    /// ones are in `told` (the newest id each room announced): from the
    /// send of the oldest message it is the first to announce, the longest
    /// a sidebar lagged behind. A connection's first notice of a room is
    /// counted, not timed.
    pub fn announced(&self, packet: &str, told: &mut HashMap<String, u64>) {
        let (Some(room), Some(id)) = (
            text_after(packet, "\"room\":\""),
            number_after(packet, "\"last_message_id\":"),
        ) else {
            return;
        };
        let before = told.insert(room.to_owned(), id);
        if !self.measuring.load(Ordering::Relaxed) {
            return;
        }
        self.announcements.fetch_add(1, Ordering::Relaxed);
        let Some(before) = before.filter(|b| *b < id) else {
            return;
        };
        let oldest = {
            let by_room = self.sent.lock().unwrap_or_else(|e| e.into_inner());
            by_room
                .get(room)
                .and_then(|sent| sent.range(before + 1..=id).next().map(|(_, at)| *at))
        };
        if let Some(sent) = oldest {
            let now = self.epoch.elapsed().as_micros() as u64;
            let mut latencies = self
                .announcement_latencies
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let _ = latencies.record(now.saturating_sub(sent).max(1));
        }
    }

    pub fn announcements(&self) -> u64 {
        self.announcements.load(Ordering::Relaxed)
    }

    /// p50, p99 and max of send → `room_activity`, in milliseconds.
    pub fn announcement_latency_ms(&self) -> Latency {
        quantiles(
            &self
                .announcement_latencies
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        )
    }

    pub fn deliveries(&self) -> u64 {
        self.deliveries.load(Ordering::Relaxed)
    }

    /// p50, p99 and max latency in milliseconds.
    pub fn latency_ms(&self) -> Latency {
        quantiles(&self.latencies.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

fn quantiles(latencies: &Histogram<u64>) -> Latency {
    let ms = |micros: u64| micros as f64 / 1000.0;
    Latency {
        p50: ms(latencies.value_at_quantile(0.50)),
        p99: ms(latencies.value_at_quantile(0.99)),
        max: ms(latencies.max()),
    }
}

/// The string (without escapes) right after the first `key` in `text`.
fn text_after<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let rest = &text[text.find(key)? + key.len()..];
    Some(&rest[..rest.find('"')?])
}

/// The whole number right after the first `key` in `text`.
fn number_after(text: &str, key: &str) -> Option<u64> {
    let digits = &text[text.find(key)? + key.len()..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// Delivery latency, in milliseconds.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p99: f64,
    pub max: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_is_timed_by_its_stamp() {
        let recorder = Recorder::default();
        let stamp = recorder.stamp();
        recorder.delivered(&format!("42[\"message\",{{\"content\":\"{stamp}\"}}]"));
        assert_eq!(recorder.deliveries(), 0, "counted before measuring");
        recorder.measure(true);
        std::thread::sleep(std::time::Duration::from_millis(5));
        recorder.delivered(&format!(
            "42[\"message\",{{\"id\":1,\"content\":\"{stamp}\",\"image\":null}}]"
        ));
        assert_eq!(recorder.deliveries(), 1);
        let latency = recorder.latency_ms();
        assert!(latency.p50 >= 5.0 && latency.p50 < 1000.0, "{latency:?}");
    }

    #[test]
    fn an_announcement_is_timed_from_the_oldest_message_it_is_first_to_tell() {
        let recorder = Recorder::announcing();
        recorder.measure(true);
        let ack = |id: u64, stamp: &str| {
            format!(
                "{{\"ok\":true,\"message\":{{\"id\":{id},\"room\":\"r\",\"content\":\"{stamp}\"}}}}"
            )
        };
        let notice = |id: u64| {
            format!(
                "42[\"room_activity\",{{\"room\":\"r\",\"last_message_id\":{id},\"unread\":1,\"mentions\":0}}]"
            )
        };
        let mut told = HashMap::new();
        recorder.stored(&ack(40, &recorder.stamp()));
        // A first notice on a connection is counted only.
        recorder.announced(&notice(40), &mut told);
        assert_eq!(recorder.announcements(), 1);
        assert_eq!(recorder.announcement_latency_ms().max, 0.0);
        let oldest = recorder.stamp();
        std::thread::sleep(std::time::Duration::from_millis(20));
        recorder.stored(&ack(41, &oldest));
        recorder.stored(&ack(45, &recorder.stamp()));
        recorder.announced(&notice(45), &mut told);
        assert_eq!(recorder.announcements(), 2);
        let latency = recorder.announcement_latency_ms();
        assert!(
            latency.max >= 20.0 && latency.max < 1000.0,
            "timed from 41, the oldest: {latency:?}"
        );
    }
}
