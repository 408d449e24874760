//! Server-wide counters for `GET /metrics`, in the Prometheus text format.
//!
//! Hand-written rather than the `metrics` facade: that records into one
//! process-wide registry, and tests run several servers in one process that
//! must each count only their own traffic.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// What the server counts. Cheap to bump from any handler.
#[derive(Debug, Default)]
pub struct Metrics {
    pub messages_stored: AtomicU64,
    pub images_stored: AtomicU64,
    pub uploads_refused: AtomicU64,
    pub sockets_open: AtomicI64,
    pub sockets_opened: AtomicU64,
    pub connections_refused: AtomicU64,
    pub rate_limited: AtomicU64,
    /// Pixels of uploads being decoded now, and the most at any one time.
    pub decode_pixels: AtomicU64,
    pub decode_pixels_peak: AtomicU64,
    /// 1 while this node cannot reach Redis (always 0 without Redis).
    pub redis_unreachable: AtomicU64,
    /// Messages waiting to be sent on to the other nodes.
    pub outbox: AtomicU64,
    /// Push notifications a push service took.
    pub pushes_sent: AtomicU64,
    /// Push notifications given up (refused, retried too often, or not
    /// queued because the queue was full).
    pub pushes_dropped: AtomicU64,
    /// Devices removed because their push service said they were gone.
    pub push_devices_removed: AtomicU64,
}

impl Metrics {
    /// Adds one to a counter.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let counters: [(&str, &str, &AtomicU64); 9] = [
            (
                "chat_messages_stored_total",
                "Messages stored (text and image).",
                &self.messages_stored,
            ),
            (
                "chat_images_stored_total",
                "Image files stored.",
                &self.images_stored,
            ),
            (
                "chat_uploads_refused_total",
                "Uploads refused (size, type, content).",
                &self.uploads_refused,
            ),
            (
                "chat_socket_connections_total",
                "Socket.IO connections accepted.",
                &self.sockets_opened,
            ),
            (
                "chat_socket_connections_refused_total",
                "Socket.IO connections refused.",
                &self.connections_refused,
            ),
            (
                "chat_rate_limited_total",
                "Requests refused as rate_limited.",
                &self.rate_limited,
            ),
            (
                "chat_pushes_sent_total",
                "Push notifications a push service accepted.",
                &self.pushes_sent,
            ),
            (
                "chat_pushes_dropped_total",
                "Push notifications given up.",
                &self.pushes_dropped,
            ),
            (
                "chat_push_devices_removed_total",
                "Push devices removed as gone.",
                &self.push_devices_removed,
            ),
        ];
        let mut out = String::new();
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        let gauges: [(&str, &str, i64); 5] = [
            (
                "chat_socket_connections_open",
                "Socket.IO connections open now.",
                self.sockets_open.load(Ordering::Relaxed),
            ),
            (
                "chat_image_decode_pixels",
                "Pixels of uploaded images being decoded now.",
                gauge(&self.decode_pixels),
            ),
            (
                "chat_image_decode_pixels_peak",
                "The most pixels of uploaded images decoded at one time since start.",
                gauge(&self.decode_pixels_peak),
            ),
            (
                "chat_redis_unreachable",
                "1 while this node cannot reach Redis: it serves its own clients only.",
                gauge(&self.redis_unreachable),
            ),
            (
                "chat_outbox_messages",
                "Messages stored while Redis was unreachable, waiting for the other nodes.",
                gauge(&self.outbox),
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
            );
        }
        out
    }
}

fn gauge(value: &AtomicU64) -> i64 {
    i64::try_from(value.load(Ordering::Relaxed)).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_series_with_its_type() {
        let metrics = Metrics::default();
        Metrics::bump(&metrics.messages_stored);
        metrics.sockets_open.fetch_add(2, Ordering::Relaxed);
        let text = metrics.render();
        assert!(
            text.contains(
                "# TYPE chat_messages_stored_total counter\nchat_messages_stored_total 1\n"
            )
        );
        assert!(text.contains(
            "# TYPE chat_socket_connections_open gauge\nchat_socket_connections_open 2\n"
        ));
        assert_eq!(text.lines().filter(|l| l.starts_with("# TYPE")).count(), 14);
    }
}
