//! Where a stored message goes besides the live connections: push
//! notifications for those who are away. The server implements it; the
//! core only says when.

use protocol::message::ChatMessage;

/// Told of each new message once it is stored and delivered live. It must
/// return at once: the sender's acknowledgement waits for it.
pub trait Notifier: Send + Sync + 'static {
    fn message_stored(&self, message: &ChatMessage);
}

/// Tells no one: a chat without push notifications.
pub struct NoNotifier;

impl Notifier for NoNotifier {
    fn message_stored(&self, _: &ChatMessage) {}
}
