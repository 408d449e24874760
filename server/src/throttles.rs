//! Allowances for the HTTP requests that cost the server something: logins
//! per client address (each may create a room and always signs a token) and
//! image uploads per sign-in (each is decoded and stored), push devices
//! saved per sign-in. Room creation is
//! limited in the core, for logins and socket joins alike.

use chat_core::allowance::{Allowance, SharedBuckets};
use chat_core::rate::Rate;
use std::net::IpAddr;
use std::sync::Arc;

/// Push devices one sign-in may save or remove: a browser saves one when
/// notifications are turned on, an app when its token changes.
const DEVICE_CHANGES: Rate = Rate {
    burst: 20.0,
    per_second: 20.0 / 60.0,
};

#[derive(Clone)]
pub struct Throttles {
    pub logins: Arc<Allowance<IpAddr>>,
    /// Failed staff sign-ins per client address: password guessing.
    pub staff_login_failures: Arc<Allowance<IpAddr>>,
    /// Keyed by sign-in, like socket sends: a stranger who signs in under
    /// the same name has their own allowance.
    pub uploads: Arc<Allowance<String>>,
    /// Push devices saved or removed per sign-in: each is a write.
    pub device_changes: Arc<Allowance<String>>,
}

impl Throttles {
    /// `shared` keeps the allowances across nodes when there are several.
    pub fn new(
        logins: Rate,
        staff_login_failures: Rate,
        uploads: Rate,
        shared: Option<Arc<dyn SharedBuckets>>,
    ) -> Self {
        Throttles {
            logins: Allowance::new("logins", logins, shared.clone()),
            staff_login_failures: Allowance::new(
                "staff_login_failures",
                staff_login_failures,
                shared.clone(),
            ),
            uploads: Allowance::new("uploads", uploads, shared.clone()),
            device_changes: Allowance::new("device_changes", DEVICE_CHANGES, shared),
        }
    }
}
