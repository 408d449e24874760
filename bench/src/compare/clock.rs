//! Send times carried in the messages themselves, and the delivery
//! latencies and counts they give.

use hdrhistogram::Histogram;
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
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            epoch: Instant::now(),
            measuring: AtomicBool::new(false),
            deliveries: AtomicU64::new(0),
            latencies: Mutex::new(Histogram::new(3).expect("3 significant figures")),
        }
    }
}

impl Recorder {
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

    pub fn deliveries(&self) -> u64 {
        self.deliveries.load(Ordering::Relaxed)
    }

    /// p50, p99 and max latency in milliseconds.
    pub fn latency_ms(&self) -> Latency {
        let latencies = self.latencies.lock().unwrap_or_else(|e| e.into_inner());
        let ms = |micros: u64| micros as f64 / 1000.0;
        Latency {
            p50: ms(latencies.value_at_quantile(0.50)),
            p99: ms(latencies.value_at_quantile(0.99)),
            max: ms(latencies.max()),
        }
    }
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
}
