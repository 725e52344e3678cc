//! The HTTP server loop: HTTP/1.1 connections with a header read timeout (which also closes an
//! idle keep-alive connection), the peer address for the web form's loopback rule, and a
//! graceful shutdown that finishes the requests in flight.

use crate::ApiState;
use axum::extract::connect_info::ConnectInfo;
use axum::Extension;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use prometheus_client::registry::Registry;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;

/// How long the server waits for slow clients.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// For a request's headers, counted from when the server waits for them: a client that
    /// sends nothing (an idle keep-alive connection) or dribbles its headers is disconnected.
    pub header_read: Duration,
    /// For a POST body, after its headers.
    pub body_read: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            header_read: Duration::from_secs(15),
            body_read: Duration::from_secs(30),
        }
    }
}

/// Serves the router on `listener` with `timeouts` until `shutdown` completes, then finishes
/// the requests in flight. The HTTP layer registers its metrics in `registry` (which may hold
/// the node's own already); `/metrics` serves the whole registry.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: ApiState,
    timeouts: Timeouts,
    registry: Registry,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = crate::routes::build(state, timeouts, registry);
    let (close_tx, close_rx) = tokio::sync::watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a little, keep serving.
                        tracing::warn!(error = %e, "could not accept an API connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let service = TowerToHyperService::new(
                    app.clone().layer(Extension(ConnectInfo(peer))),
                );
                let mut close = close_rx.clone();
                connections.spawn(async move {
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    builder
                        .timer(TokioTimer::new())
                        .header_read_timeout(timeouts.header_read);
                    let connection = builder.serve_connection(TokioIo::new(stream), service);
                    let mut connection = std::pin::pin!(connection);
                    tokio::select! {
                        result = connection.as_mut() => {
                            if let Err(e) = result {
                                tracing::debug!(error = %e, %peer, "API connection ended");
                            }
                            return;
                        }
                        _ = close.wait_for(|closing| *closing) => {
                            connection.as_mut().graceful_shutdown();
                        }
                    }
                    let _ = connection.await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = close_tx.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}
