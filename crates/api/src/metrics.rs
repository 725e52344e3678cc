//! `/metrics` in the Prometheus text format: store gauges read at scrape time, counters of
//! publishing and of HTTP requests by route, then whatever the node appends (libp2p's registry).

use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Middleware: counts every request by method, matched route (not the raw path, so ids do not
/// explode the label set) and status.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
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

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Renders the whole exposition.
pub fn render(state: &AppState) -> String {
    let api = &state.api;
    let store = &api.store;
    let mut out = String::new();

    header(
        &mut out,
        "coalition_entries",
        "gauge",
        "Entries held in the store, all cities.",
    );
    let _ = writeln!(out, "coalition_entries {}", store.entry_count());

    header(
        &mut out,
        "coalition_cities",
        "gauge",
        "Member cities on the roster, by status.",
    );
    let roster = store.roster();
    let mut by_state: BTreeMap<&str, u64> = ["active", "suspended", "revoked", "rotated"]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
    for member in roster.cities.values() {
        *by_state
            .entry(crate::views::state_name(&member.status))
            .or_default() += 1;
    }
    for (status, n) in &by_state {
        let _ = writeln!(out, "coalition_cities{{status=\"{status}\"}} {n}");
    }

    header(
        &mut out,
        "coalition_roster_version",
        "gauge",
        "Roster version applied.",
    );
    let _ = writeln!(out, "coalition_roster_version {}", roster.version);

    header(
        &mut out,
        "coalition_forks",
        "gauge",
        "Fork proofs held (a city signed two entries at one seq).",
    );
    match store.forks() {
        Ok(forks) => {
            let _ = writeln!(out, "coalition_forks {}", forks.len());
        }
        Err(e) => tracing::warn!(error = %e, "metrics: could not count fork proofs"),
    }

    header(
        &mut out,
        "coalition_search_documents",
        "gauge",
        "Documents in the full-text index.",
    );
    let _ = writeln!(out, "coalition_search_documents {}", api.search.doc_count());
    let index = api.indexer.as_ref().map(|i| i.status());
    if let Some(i) = &index {
        header(
            &mut out,
            "coalition_search_behind",
            "gauge",
            "Entries in the store the full-text index has not applied yet.",
        );
        let _ = writeln!(out, "coalition_search_behind {}", i.behind);
    }

    let net = api.network.status();
    let sync_state = crate::sync_state(&net, index.as_ref());
    header(&mut out, "coalition_peers", "gauge", "Connected peers.");
    let _ = writeln!(out, "coalition_peers {}", net.peers);
    header(
        &mut out,
        "coalition_sync_state",
        "gauge",
        "1 for the node's current sync state.",
    );
    for s in ["synced", "syncing", "degraded", "offline"] {
        let _ = writeln!(
            out,
            "coalition_sync_state{{state=\"{s}\"}} {}",
            u8::from(sync_state == s)
        );
    }
    if let Some(ms) = net.last_arrival_ms {
        header(
            &mut out,
            "coalition_last_arrival_timestamp_seconds",
            "gauge",
            "When the last entry arrived from a peer.",
        );
        let _ = writeln!(
            out,
            "coalition_last_arrival_timestamp_seconds {:.3}",
            ms as f64 / 1000.0
        );
    }

    header(
        &mut out,
        "coalition_api_publish_total",
        "counter",
        "Publish requests through the API and the web form, by kind and outcome.",
    );
    {
        let map = state
            .metrics
            .publishes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for ((kind, outcome), n) in map.iter() {
            let _ = writeln!(
                out,
                "coalition_api_publish_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}"
            );
        }
    }
    header(
        &mut out,
        "coalition_api_gossip_handoff_failed_total",
        "counter",
        "Entries published here but not handed to gossip (sync delivers them later).",
    );
    let _ = writeln!(
        out,
        "coalition_api_gossip_handoff_failed_total {}",
        *state
            .metrics
            .gossip_handoff_failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    );

    header(
        &mut out,
        "coalition_http_requests_total",
        "counter",
        "HTTP requests by method, route and status.",
    );
    {
        let map = state
            .metrics
            .requests
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for ((method, route, status), n) in map.iter() {
            let _ = writeln!(
                out,
                "coalition_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape_label(method),
                escape_label(route)
            );
        }
    }

    if let Some(extra) = &api.extra_metrics {
        let text = extra();
        out.push_str(&text);
        if !text.is_empty() && !text.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}
