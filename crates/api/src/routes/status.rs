//! `GET /api/v1/status`: what `coalition status` asks a running node — its version, network
//! view and counts — always answered with 200 (health verdicts are /healthz's job).

use super::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub(super) async fn status(State(s): State<AppState>) -> Response {
    let net = s.api.network.status();
    let index = s.api.indexer.as_ref().map(|i| i.status());
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "peer_id": net.peer_id,
        "peers": net.peers,
        "listen": net.listen,
        "external": net.external,
        "relayed_peers": net.relayed_peers,
        "relay_reservations": net.relay_reservations,
        "last_arrival_ms": net.last_arrival_ms,
        // As /healthz says it: `syncing` while the search index lags the store.
        "sync_state": crate::sync_state(&net, index.as_ref()),
        "entries": s.api.store.entry_count(),
        "roster_version": s.api.store.roster_version(),
        "search_documents": s.api.search.doc_count(),
        "search_behind": index.as_ref().map(|i| i.behind),
    }))
    .into_response()
}
