//! The network task's figures as Prometheus metrics (`coalition_net_*`). They are a snapshot,
//! [`NetStatus`], which the node fetches from the task (an HTTP scrape must not wait on the
//! swarm); [`LatestStatus`] holds the last one and, registered as a collector in the node's
//! registry, encodes it at scrape time. libp2p's own metrics are registered in the same registry
//! when the swarm is built (see [`crate::spawn`]).

use crate::NetStatus;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use std::sync::{Arc, Mutex};

/// The latest [`NetStatus`], shared: whoever polls the network task stores it here, and the
/// metrics registry reads it at scrape time. Nothing stored yet: no `coalition_net_*` metrics.
#[derive(Debug, Clone, Default)]
pub struct LatestStatus(Arc<Mutex<Option<NetStatus>>>);

impl LatestStatus {
    /// Keeps `status` as the snapshot the next scrape encodes (the node polls it every second).
    pub fn set(&self, status: NetStatus) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(status);
    }
}

impl Collector for LatestStatus {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = guard.as_ref() else {
            return Ok(());
        };
        let gauges = [
            (
                "coalition_net_connected_peers",
                "Peers connected now.",
                s.connected_peers.len() as u64,
            ),
            (
                "coalition_net_mesh_peers",
                "Peers in the gossipsub mesh of the coalition topic.",
                s.mesh_peers as u64,
            ),
            (
                "coalition_net_banned_peers",
                "Peers disconnected and blocked for invalid messages.",
                s.banned_peers as u64,
            ),
            (
                "coalition_net_held_entries",
                "Entries held back waiting for predecessors or roster changes.",
                s.held_entries as u64,
            ),
        ];
        for (name, help, value) in gauges {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            ConstGauge::new(value).encode(metric)?;
        }
        for (name, help, value) in s.counters.metrics() {
            let metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            ConstCounter::new(value).encode(metric)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NetCounters;
    use prometheus_client::registry::Registry;

    fn status() -> NetStatus {
        NetStatus {
            peer_id: libp2p::PeerId::random(),
            listen_addrs: Vec::new(),
            connected_peers: vec![libp2p::PeerId::random(), libp2p::PeerId::random()],
            mesh_peers: 1,
            entries_held: 9,
            roster_version: 3,
            last_arrival: None,
            held_entries: 0,
            banned_peers: 0,
            banned_addresses: 0,
            external_addrs: Vec::new(),
            counters: NetCounters {
                entries_via_gossip: 4,
                entries_via_sync: 5,
                entries_via_held: 0,
                sync_entries_received: 5,
                sync_requests: 2,
                sync_rounds: 1,
                sync_served: 1,
                sync_refused: 0,
                sync_refusals_received: 0,
                sync_bans: 0,
                sync_request_bytes_sent: 100,
                sync_request_bytes_received: 50,
                sync_response_bytes_sent: 60,
                sync_response_bytes_received: 700,
                gossip_received: 6,
                gossip_accepted: 4,
                gossip_rejected: 1,
                gossip_ignored: 1,
                gossip_rate_limited: 0,
                gaps_seen: 0,
                forks_seen: 0,
                relay_reservations: 0,
                hole_punches: 0,
            },
            relayed_peers: 0,
        }
    }

    fn encode(latest: &LatestStatus) -> String {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(latest.clone()));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
        text
    }

    #[test]
    fn the_latest_status_is_served_under_the_names_of_the_alert_rules() {
        let latest = LatestStatus::default();
        assert_eq!(
            encode(&latest),
            "# EOF\n",
            "nothing before the first status"
        );
        latest.set(status());
        let text = encode(&latest);
        for line in [
            "# TYPE coalition_net_connected_peers gauge\n",
            "\ncoalition_net_connected_peers 2\n",
            "\ncoalition_net_mesh_peers 1\n",
            "# HELP coalition_net_gossip_rejected Gossip messages rejected as invalid (sender penalised).\n",
            "# TYPE coalition_net_gossip_rejected counter\n",
            "\ncoalition_net_gossip_rejected_total 1\n",
            "\ncoalition_net_sync_response_bytes_received_total 700\n",
            "\ncoalition_net_forks_seen_total 0\n",
        ] {
            assert!(text.contains(line), "{line:?} not in:\n{text}");
        }
        // The figures are read when encoding: a newer status shows at once.
        let mut newer = status();
        newer.counters.gossip_rejected = 5;
        latest.set(newer);
        assert!(encode(&latest).contains("\ncoalition_net_gossip_rejected_total 5\n"));
    }
}
