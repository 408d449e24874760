//! Open connections per client address, against a maximum.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts what each address holds open (TCP connections, Socket.IO
/// sessions); an address at the maximum is refused more.
#[derive(Debug)]
pub struct PerAddress {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl PerAddress {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(PerAddress {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// Counts one more for `ip`, unless it holds the maximum already.
    pub fn acquire(&self, ip: IpAddr) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= self.max {
            return false;
        }
        *count += 1;
        true
    }

    /// Counts one fewer for `ip`.
    pub fn release(&self, ip: IpAddr) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&ip);
            }
        }
    }
}

/// One counted slot, given back when dropped.
pub struct Slot {
    counter: Arc<PerAddress>,
    ip: IpAddr,
}

impl PerAddress {
    /// Like [`acquire`](Self::acquire), with the release tied to a value.
    pub fn slot(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        self.acquire(ip).then(|| Slot {
            counter: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.counter.release(self.ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_holds_at_most_the_maximum_and_gets_slots_back() {
        let counter = PerAddress::new(2);
        let (a, b) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let first = counter.slot(a).unwrap();
        assert!(counter.acquire(a));
        assert!(counter.slot(a).is_none());
        assert!(counter.acquire(b));
        drop(first);
        assert!(counter.acquire(a));
        counter.release(a);
        counter.release(a);
        assert!(counter.open.lock().unwrap().get(&a).is_none());
    }
}
