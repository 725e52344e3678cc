//! Counters the HTTP layer keeps: requests by route and status, publish attempts by outcome,
//! entries not handed to gossip. Registered once in the node's registry, which `/metrics`
//! encodes.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

/// The labels of `coalition_http_requests_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The matched route template, not the raw path, so that ids do not explode the label set.
    route: String,
    status: u16,
}

/// The labels of `coalition_api_publish_total`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PublishLabels {
    kind: &'static str,
    /// `stored`, `rejected` (invalid) or `refused` (auth).
    outcome: &'static str,
}

/// Counters kept by the HTTP layer. Each is a handle on what the registry encodes.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    requests: Family<RequestLabels, Counter>,
    publishes: Family<PublishLabels, Counter>,
    /// Entries stored but not handed to gossip (channel full or closed); sync delivers them.
    gossip_handoff_failed: Counter,
}

impl Metrics {
    /// Fresh counters, registered in `registry`. The registry adds `_total` to counter names and
    /// a full stop to help texts.
    pub(crate) fn registered(registry: &mut Registry) -> Self {
        let metrics = Metrics::default();
        registry.register(
            "coalition_api_publish",
            "Publish requests through the API and the web form, by kind and outcome",
            metrics.publishes.clone(),
        );
        registry.register(
            "coalition_api_gossip_handoff_failed",
            "Entries published here but not handed to gossip (sync delivers them later)",
            metrics.gossip_handoff_failed.clone(),
        );
        registry.register(
            "coalition_http_requests",
            "HTTP requests by method, route and status",
            metrics.requests.clone(),
        );
        metrics
    }

    pub(crate) fn count_publish(&self, kind: &'static str, outcome: &'static str) {
        self.publishes
            .get_or_create(&PublishLabels { kind, outcome })
            .inc();
    }

    pub(crate) fn count_gossip_handoff_failed(&self) {
        self.gossip_handoff_failed.inc();
    }

    pub(crate) fn count_request(&self, method: &str, route: &str, status: u16) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
    }
}
