//! Counters the HTTP layer keeps: requests by route and status, publish attempts by outcome,
//! entries not handed to gossip. Rendered by `metrics`.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Counters kept by the HTTP layer.
#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) → requests.
    pub(crate) requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// (kind, outcome) → publish attempts. Outcomes: `stored`, `rejected`, `refused` (auth).
    pub(crate) publishes: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    /// Entries stored but not handed to gossip (channel full or closed); sync delivers them.
    pub(crate) gossip_handoff_failed: Mutex<u64>,
}

impl Metrics {
    pub fn count_publish(&self, kind: &'static str, outcome: &'static str) {
        let mut map = self.publishes.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((kind, outcome)).or_default() += 1;
    }

    pub fn count_gossip_handoff_failed(&self) {
        *self
            .gossip_handoff_failed
            .lock()
            .unwrap_or_else(|p| p.into_inner()) += 1;
    }

    pub(crate) fn count_request(&self, method: &str, route: &str, status: u16) {
        let mut map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
    }
}
