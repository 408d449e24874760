//! Allowances for the HTTP requests that cost the server something: logins
//! per client address (each may create a room and always stores a
//! session), failed password sign-ins per address and per account, and
//! image uploads per sign-in (each is decoded and stored), push devices
//! saved per sign-in. Room creation is
//! limited in the core, for logins and socket joins alike.

use chat_core::allowance::{Allowance, SharedBuckets};
use chat_core::rate::Rate;
use std::net::{IpAddr, Ipv6Addr};
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
    /// Failed password sign-ins per client address (an IPv6 client's
    /// whole /64, which one subscriber usually has): password guessing.
    pub login_failures: Arc<Allowance<IpAddr>>,
    /// Failed password sign-ins per account (its folded name): guessing
    /// from many addresses.
    pub account_failures: Arc<Allowance<String>>,
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
        login_failures: Rate,
        uploads: Rate,
        shared: Option<Arc<dyn SharedBuckets>>,
    ) -> Self {
        Throttles {
            logins: Allowance::new("logins", logins, shared.clone()),
            login_failures: Allowance::new("login_failures", login_failures, shared.clone()),
            account_failures: Allowance::new("account_failures", login_failures, shared.clone()),
            uploads: Allowance::new("uploads", uploads, shared.clone()),
            device_changes: Allowance::new("device_changes", DEVICE_CHANGES, shared),
        }
    }
}

/// Whose allowance an address's sign-in failures count against: the
/// address itself, or for IPv6 its /64 (one home or phone gets a whole /64
/// and can pick any address in it).
pub fn address_group(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let network = u128::from(v6) & !(u128::MAX >> 64);
            IpAddr::V6(Ipv6Addr::from(network))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::address_group;
    use std::net::IpAddr;

    #[test]
    fn an_ipv6_client_counts_as_its_whole_64() {
        let group = |ip: &str| address_group(ip.parse::<IpAddr>().unwrap()).to_string();
        assert_eq!(group("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
        assert_eq!(group("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::");
        assert_ne!(group("2001:db8:1:3::1"), group("2001:db8:1:2::1"));
        assert_eq!(group("203.0.113.7"), "203.0.113.7");
        assert_eq!(group("::ffff:203.0.113.7"), "::ffff:203.0.113.7");
    }
}
