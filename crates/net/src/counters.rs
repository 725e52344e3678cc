//! The network task's counters, each named once: its field, its metric name and its help text
//! sit in the one table below. The event loop increments them, [`NetStatus`](crate::NetStatus)
//! carries a copy, and the metrics collector exports every one as a `coalition_net_*_total`
//! counter.

/// Defines [`NetCounters`] from one table: `field => "metric name", "help";`.
macro_rules! counters {
    ($( $(#[doc = $doc:literal])* $field:ident => $metric:literal, $help:literal; )*) => {
        /// What the network task counted since it started. The sync byte counters are counted
        /// by the codec as frames pass and copied in when a [`NetStatus`](crate::NetStatus) is
        /// taken.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct NetCounters {
            $( $(#[doc = $doc])* pub $field: u64, )*
        }

        impl NetCounters {
            /// Every counter as (metric name without the `_total` the encoder appends, help
            /// text, value).
            pub fn metrics(&self) -> Vec<(&'static str, &'static str, u64)> {
                vec![ $( ($metric, $help, self.$field), )* ]
            }
        }
    };
}

counters! {
    /// Gossip messages gossipsub handed to the node, before any check.
    gossip_received => "coalition_net_gossip_received", "Gossip messages received.";
    /// Gossip messages reported Accept (stored or applied, then forwarded).
    gossip_accepted => "coalition_net_gossip_accepted", "Gossip messages accepted and forwarded.";
    /// Gossip messages reported Reject (invalid whoever relays them; the sender is penalised).
    gossip_rejected => "coalition_net_gossip_rejected",
        "Gossip messages rejected as invalid (sender penalised).";
    /// Gossip messages reported Ignore (duplicates, held, over a rate limit, worker busy): not
    /// forwarded, not punished.
    gossip_ignored => "coalition_net_gossip_ignored",
        "Gossip messages ignored (duplicates, unknown authors, held).";
    /// Gossiped entries ignored over their author's rate limit (also in `gossip_ignored`); sync
    /// fetches them later.
    gossip_rate_limited => "coalition_net_gossip_rate_limited",
        "Gossiped entries ignored over their author's rate limit (fetched later by sync).";
    /// Entries stored from gossip ([`Via::Gossip`](crate::Via::Gossip)).
    entries_via_gossip => "coalition_net_entries_via_gossip", "Entries stored from gossip.";
    /// Entries stored from sync responses ([`Via::Sync`](crate::Via::Sync)).
    entries_via_sync => "coalition_net_entries_via_sync", "Entries stored from sync responses.";
    /// Held entries stored once what they needed arrived ([`Via::Held`](crate::Via::Held)).
    entries_via_held => "coalition_net_entries_via_held",
        "Held entries stored once what they waited for arrived.";
    /// Gossiped entries held back because they needed predecessors or their author's admission.
    gaps_seen => "coalition_net_gaps_seen", "Entries that arrived before their predecessors.";
    /// Fork proofs found, from gossip, sync or held entries (two entries of one city at one seq).
    forks_seen => "coalition_net_forks_seen", "Equivocations detected.";
    /// Sync requests sent and answered.
    sync_requests => "coalition_net_sync_requests", "Sync requests sent and answered.";
    /// Sync sessions (one or more requests with one peer) completed.
    sync_rounds => "coalition_net_sync_rounds",
        "Sync sessions (one or more requests to one peer) completed.";
    /// Entries carried by sync responses this node received (stored or not).
    sync_entries_received => "coalition_net_sync_entries_received",
        "Entries carried by sync responses received, stored or not.";
    /// Sync requests this node answered.
    sync_served => "coalition_net_sync_served", "Sync requests this node answered.";
    /// Inbound sync requests refused: over the peer's rate limit (answered without touching the
    /// store) or while the store worker was busy.
    sync_refused => "coalition_net_sync_refused",
        "Inbound sync requests refused (over the peer's rate limit or while the store was busy).";
    /// Refusals this node received to its own sync requests (it waited and asked again).
    sync_refusals_received => "coalition_net_sync_refusals_received",
        "Refusals received to this node's own sync requests.";
    /// Peers banned for asking for sync again and again before their retry time.
    sync_bans => "coalition_net_sync_bans",
        "Peers banned for repeating sync requests before their retry time.";
    /// Bytes of sync request frames sent (length prefix included; Noise and Yamux framing not
    /// counted).
    sync_request_bytes_sent => "coalition_net_sync_request_bytes_sent",
        "Bytes of sync request frames sent.";
    /// Bytes of sync request frames received (counted like `sync_request_bytes_sent`).
    sync_request_bytes_received => "coalition_net_sync_request_bytes_received",
        "Bytes of sync request frames received.";
    /// Bytes of sync answers sent: batches and refusals.
    sync_response_bytes_sent => "coalition_net_sync_response_bytes_sent",
        "Bytes of sync response frames sent.";
    /// Bytes of sync answers received: batches and refusals.
    sync_response_bytes_received => "coalition_net_sync_response_bytes_received",
        "Bytes of sync response frames received.";
    /// Relay reservations accepted (this node is reachable through a relay).
    relay_reservations => "coalition_net_relay_reservations", "Relay reservations accepted.";
    /// Relayed connections upgraded to direct ones by hole punching.
    hole_punches => "coalition_net_hole_punches",
        "Relayed connections upgraded to direct ones by hole punching.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_counter_has_its_own_coalition_net_name() {
        let metrics = NetCounters::default().metrics();
        let mut names: Vec<&str> = metrics.iter().map(|(name, _, _)| *name).collect();
        assert!(names
            .iter()
            .all(|n| n.starts_with("coalition_net_") && !n.ends_with("_total")));
        assert!(metrics.iter().all(|(_, help, _)| help.ends_with('.')));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), metrics.len(), "a metric name used twice");
    }
}
