//! coalition-api: the node's HTTP face.
//!
//! * a JSON API under `/api/v1` (practices, reports, cities, entries, publishing, OpenAPI
//!   document),
//! * `/healthz` and `/metrics` (OpenMetrics text, from the node's one Prometheus registry) for
//!   operators,
//! * a server-rendered web page at `/` for coordinators: search with facets, practice and city
//!   pages, and a publish form for the local city, in English and French, working offline (every
//!   byte of CSS and JS is served from the binary).
//!
//! The node builds an [`ApiState`] from its store, search index, city key and network handle and
//! hands it to [`serve`] (or mounts [`router`] itself). Publishing through the JSON API needs the
//! bearer token; publishing through the web form needs a browser session opened with that token
//! (sign-in), from the node's own machine, with the session's CSRF token (see `docs/API.md` and
//! `docs/SECURITY.md`). Request bodies are limited and slow clients timed out ([`Timeouts`]).

// The OpenAPI document is one large `json!` literal.
#![recursion_limit = "256"]
#![warn(missing_docs, unreachable_pub)]

mod counters;
mod cycles;
mod error;
mod exchange;
mod guard;
pub(crate) use coalition_i18n as i18n;
mod metrics;
mod openapi;
mod openapi_cycles;
mod openapi_exchange;
mod params;
mod publish;
mod routes;
mod serve;
mod session;
mod state;
mod templates;
mod time;
mod views;

pub use error::ApiError;
pub use guard::MAX_BODY_BYTES;
pub use openapi::document as openapi_document;
pub use routes::{hit_json, route_list};
pub use serve::{serve_with, Timeouts};
pub use views::{entry_view, EntryView};

use coalition_record::{SecretKey, WireEntry};
use coalition_search::{Indexer, SearchIndex};
use coalition_store::Store;
use prometheus_client::registry::Registry;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;

/// What the node's network task reports about itself, for `/healthz`, `/metrics` and the page
/// footer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NetworkStatus {
    /// The libp2p peer id, when the network runs.
    pub peer_id: Option<String>,
    /// Connected peers.
    pub peers: usize,
    /// Listen addresses (multiaddrs).
    pub listen: Vec<String>,
    /// When the last entry arrived from a peer (ms since the Unix epoch).
    pub last_arrival_ms: Option<i64>,
    /// Where the network stands. `/healthz` and `/metrics` also count the search index: a node
    /// whose index is behind its store reports `syncing` there.
    pub sync_state: SyncState,
    /// Addresses AutoNAT confirmed this node is reachable at from outside.
    pub external: Vec<String>,
    /// Connected peers reached only through a relay.
    pub relayed_peers: usize,
    /// Relay reservations accepted (this node is reachable through a relay).
    pub relay_reservations: u64,
}

/// Where a node stands with the coalition: `/healthz`'s `status`, the `coalition_sync_state`
/// metric, `coalition status` and the page footer. Serialized in lowercase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncState {
    /// Connected, no entry waits for what precedes it, and the search index has applied the
    /// whole store.
    Synced,
    /// Connected, but entries wait for what precedes them, or the search index is behind.
    Syncing,
    /// Running, with no peer connected.
    Degraded,
    /// No network runs here.
    #[default]
    Offline,
}

impl SyncState {
    /// Every state, in the order the metric lists them.
    pub const ALL: [SyncState; 4] = [
        SyncState::Synced,
        SyncState::Syncing,
        SyncState::Degraded,
        SyncState::Offline,
    ];

    /// The lowercase name used in JSON and in the metric's `state` label.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Synced => "synced",
            SyncState::Syncing => "syncing",
            SyncState::Degraded => "degraded",
            SyncState::Offline => "offline",
        }
    }
}

impl std::fmt::Display for SyncState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A live view of the network, implemented by the node's network handle.
pub trait NetworkView: Send + Sync {
    /// The network's state now. Called on every `/healthz`, `/api/v1/status`, `/metrics` and web
    /// page request, so it must be cheap and must not block (the node's implementation returns
    /// the status its network task last reported).
    fn status(&self) -> NetworkStatus;
}

/// The network view of a node that runs no network (tests, a read-only viewer): no peers,
/// `sync_state` = `offline`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offline;

impl NetworkView for Offline {
    fn status(&self) -> NetworkStatus {
        NetworkStatus {
            peer_id: None,
            peers: 0,
            listen: Vec::new(),
            last_arrival_ms: None,
            sync_state: SyncState::Offline,
            ..Default::default()
        }
    }
}

/// Everything the HTTP layer needs from the node.
#[derive(Clone)]
pub struct ApiState {
    /// The node's store: every read route and page reads it, publishing appends to it.
    pub store: Arc<Store>,
    /// The full-text index that `/api/v1/search` and the web page's search query.
    pub search: Arc<SearchIndex>,
    /// The search index's one writer: publishes wake it and wait (bounded) until it has applied
    /// them; `/healthz` reports `syncing` while it is behind the store. `None`: nothing here
    /// updates the index (a read-only viewer).
    pub indexer: Option<Arc<Indexer>>,
    /// The local city's key; publishing needs it. `None`: the node only serves.
    pub city_key: Option<Arc<SecretKey>>,
    /// Bearer token for publishing through the JSON API. `None`: JSON publishing is refused.
    pub token: Option<String>,
    /// Where `/healthz`, `/metrics` and the page footer get the network's status; [`Offline`]
    /// when the node runs no network.
    pub network: Arc<dyn NetworkView>,
    /// Entries published here go to this (bounded) channel; the node gossips them.
    pub published: Option<tokio::sync::mpsc::Sender<WireEntry>>,
}

impl ApiState {
    /// A state with no city key, no token, no network, no gossip channel and no indexer:
    /// read-only serving.
    pub fn new(store: Arc<Store>, search: Arc<SearchIndex>) -> Self {
        ApiState {
            store,
            search,
            indexer: None,
            city_key: None,
            token: None,
            network: Arc::new(Offline),
            published: None,
        }
    }
}

/// The node's sync state for `/healthz` and `/metrics`: the network's, except `syncing` while
/// the search index has not applied everything the store holds.
pub(crate) fn sync_state(
    net: &NetworkStatus,
    index: Option<&coalition_search::IndexerStatus>,
) -> SyncState {
    match index {
        Some(i) if net.sync_state == SyncState::Synced && !i.caught_up() => SyncState::Syncing,
        _ => net.sync_state,
    }
}

/// The whole HTTP application: JSON API, web page, health and metrics, with the default
/// [`Timeouts`]. The HTTP layer registers its metrics in `registry` (which may hold the node's
/// own already); `/metrics` serves the whole registry.
///
/// The web publish form needs the peer address: serve this router with
/// `into_make_service_with_connect_info::<SocketAddr>()` (as [`serve`] does); without it the
/// form refuses every submission.
pub fn router(state: ApiState, registry: Registry) -> axum::Router {
    routes::build(state, Timeouts::default(), registry)
}

/// Serves the application on `listener` with the default [`Timeouts`] until `shutdown`
/// completes, then finishes the requests in flight. `registry` as for [`router`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    registry: Registry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, Timeouts::default(), registry, shutdown).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_search::IndexerStatus;

    fn net(state: SyncState) -> NetworkStatus {
        NetworkStatus {
            sync_state: state,
            ..Offline.status()
        }
    }

    fn index(behind: u64, roster_behind: bool, error: Option<&str>) -> IndexerStatus {
        IndexerStatus {
            applied: 10,
            behind,
            roster_behind,
            error: error.map(str::to_string),
        }
    }

    #[test]
    fn synced_needs_the_search_index_caught_up_too() {
        let caught_up = index(0, false, None);
        assert_eq!(
            sync_state(&net(SyncState::Synced), Some(&caught_up)),
            SyncState::Synced
        );
        assert_eq!(sync_state(&net(SyncState::Synced), None), SyncState::Synced);
        for lagging in [
            index(3, false, None),
            index(0, true, None),
            index(0, false, Some("disk full")),
        ] {
            assert_eq!(
                sync_state(&net(SyncState::Synced), Some(&lagging)),
                SyncState::Syncing
            );
            // A worse network state is not hidden.
            assert_eq!(
                sync_state(&net(SyncState::Degraded), Some(&lagging)),
                SyncState::Degraded
            );
            assert_eq!(
                sync_state(&net(SyncState::Offline), Some(&lagging)),
                SyncState::Offline
            );
        }
    }
}
