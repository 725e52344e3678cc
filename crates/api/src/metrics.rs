//! `/metrics`: the node's one Prometheus registry in the OpenMetrics text format. The HTTP layer
//! adds to it its counters (`counters`) and a collector of the figures that are snapshots (the
//! store, the search index, the network view), read at scrape time; the node has registered its
//! own (the network task's figures, libp2p's metrics) before.

use crate::state::AppState;
use crate::{ApiState, NetworkView};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use coalition_search::{Indexer, SearchIndex};
use coalition_store::Store;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, EncodeMetric};
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The content type of [`encode`]'s text.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Middleware: counts every request by method, matched route (not the raw path, so ids do not
/// explode the label set) and status.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().as_str().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    state
        .metrics
        .count_request(&method, &route, response.status().as_u16());
    response
}

/// The whole exposition, `# EOF` included. Reads the store: call it off the async threads.
pub(crate) fn encode(registry: &Registry) -> Result<String, std::fmt::Error> {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, registry)?;
    Ok(text)
}

/// The gauges read at scrape time from what the API serves: entries, cities, roster, fork
/// proofs, the search index and the network view.
pub(crate) struct Snapshots {
    store: Arc<Store>,
    search: Arc<SearchIndex>,
    indexer: Option<Arc<Indexer>>,
    network: Arc<dyn NetworkView>,
}

impl Snapshots {
    pub(crate) fn of(api: &ApiState) -> Self {
        Snapshots {
            store: api.store.clone(),
            search: api.search.clone(),
            indexer: api.indexer.clone(),
            network: api.network.clone(),
        }
    }
}

// The registry wants its collectors to be `Debug`; the store and the index are not.
impl std::fmt::Debug for Snapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshots").finish_non_exhaustive()
    }
}

/// One unlabelled gauge.
fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: impl EncodeGaugeValue,
) -> std::fmt::Result {
    let metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    ConstGauge::new(value).encode(metric)
}

/// One gauge with a sample per value of `label`.
fn labelled_gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    label: &str,
    samples: impl IntoIterator<Item = (&'static str, u64)>,
) -> std::fmt::Result {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (value, n) in samples {
        ConstGauge::new(n).encode(metric.encode_family(&[(label, value)])?)?;
    }
    Ok(())
}

impl Collector for Snapshots {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let e = &mut encoder;
        let store = &self.store;
        gauge(
            e,
            "coalition_entries",
            "Entries held in the store, all cities.",
            store.entry_count(),
        )?;

        let roster = store.roster();
        let mut by_state: BTreeMap<&'static str, u64> =
            ["active", "suspended", "revoked", "rotated"]
                .into_iter()
                .map(|s| (s, 0))
                .collect();
        for member in roster.cities.values() {
            *by_state
                .entry(crate::views::state_name(&member.status))
                .or_default() += 1;
        }
        labelled_gauge(
            e,
            "coalition_cities",
            "Member cities on the roster, by status.",
            "status",
            by_state,
        )?;
        gauge(
            e,
            "coalition_roster_version",
            "Roster version applied.",
            roster.version,
        )?;
        match store.forks() {
            Ok(forks) => gauge(
                e,
                "coalition_forks",
                "Fork proofs held (a city signed two entries at one seq).",
                forks.len() as u64,
            )?,
            Err(error) => tracing::warn!(%error, "metrics: could not count fork proofs"),
        }

        match store.block_cache_bytes() {
            Ok(bytes) => gauge(
                e,
                "coalition_store_block_cache_bytes",
                "Bytes of uncompressed store blocks held in memory (limit 64 MiB).",
                bytes,
            )?,
            Err(error) => tracing::warn!(%error, "metrics: could not read the block cache usage"),
        }
        gauge(
            e,
            "coalition_search_documents",
            "Documents in the full-text index.",
            self.search.doc_count(),
        )?;
        let index = self.indexer.as_ref().map(|i| i.status());
        if let Some(i) = &index {
            gauge(
                e,
                "coalition_search_behind",
                "Entries in the store the full-text index has not applied yet.",
                i.behind,
            )?;
        }

        let net = self.network.status();
        let sync_state = crate::sync_state(&net, index.as_ref());
        gauge(e, "coalition_peers", "Connected peers.", net.peers as u64)?;
        labelled_gauge(
            e,
            "coalition_sync_state",
            "1 for the node's current sync state.",
            "state",
            crate::SyncState::ALL.map(|s| (s.as_str(), u64::from(sync_state == s))),
        )?;
        if let Some(ms) = net.last_arrival_ms {
            gauge(
                e,
                "coalition_last_arrival_timestamp_seconds",
                "When the last entry arrived from a peer.",
                ms as f64 / 1000.0,
            )?;
        }
        Ok(())
    }
}
