//! The state every HTTP handler and middleware sees. Its own module, below the routes and the
//! middleware that use it, so that dependencies point one way.

use crate::counters::Metrics;
use crate::ApiState;
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// The state every handler sees: the node's [`ApiState`] and what the HTTP layer keeps itself.
#[derive(Clone)]
pub(crate) struct AppState {
    pub api: ApiState,
    /// The HTTP layer's counters, registered in `registry`.
    pub metrics: Arc<Metrics>,
    /// The node's one metrics registry, complete: `/metrics` encodes it.
    pub registry: Arc<Registry>,
    /// Signed-in browser sessions (each with its CSRF token).
    pub sessions: Arc<crate::session::Sessions>,
    /// How long a POST body may take to arrive.
    pub body_read_timeout: std::time::Duration,
}
