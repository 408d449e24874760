//! Idempotency keys: every send and upload carries one, so a retry is
//! stored once.

#[cfg(feature = "hydrate")]
use leptos::prelude::window;

/// 128 random bits, hex: the idempotency key of one send.
#[cfg(feature = "hydrate")]
pub(super) fn new_client_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = window()
        .crypto()
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).map(|_| ()));
    if filled.is_err() {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sends only happen in the browser; the server never makes a key.
#[cfg(not(feature = "hydrate"))]
pub(super) fn new_client_id() -> String {
    String::new()
}
