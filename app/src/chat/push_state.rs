//! Where notifications stand in this browser: what the notifications
//! control shows, and what the browser logic finds out and reports.

/// Where notifications stand in this browser (only the browser finds out).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushState {
    /// No Push API here (or the page is not secure): nothing to offer.
    Unsupported,
    Off,
    /// Asking the browser or the server.
    Working,
    On,
    /// The reader (or the browser) denied notifications for this site.
    Blocked,
    /// Turning them on failed; why, for the reader.
    Failed(String),
}
