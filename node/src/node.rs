//! A running node: the store, the network task, the search index and the local API wired
//! together. `coalition run` starts one; `coalition demo` starts several in one process.
//!
//! The search index is a derived view with one owner, the node's [`Indexer`]: it catches up with
//! the store at start (whatever a crash or offline CLI writes left behind) and then applies what
//! the network stores and what the API publishes. Network arrivals only wake it.

use anyhow::{Context, Result};
use coalition_api::{ApiState, NetworkStatus, NetworkView, SyncState};
use coalition_net::{NetConfig, NetEvent, NetHandle};
use coalition_search::{Indexer, SearchIndex};
use coalition_store::Store;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub(crate) struct NodeOptions {
    pub data_dir: PathBuf,
    pub listen: Vec<coalition_net::Multiaddr>,
    pub bootstrap: Vec<coalition_net::Multiaddr>,
    pub api: SocketAddr,
    pub mdns: bool,
    pub sync_interval: Duration,
    pub max_peers: u32,
    pub sync_request_rate: coalition_net::Rate,
    pub author_gossip_rate: coalition_net::Rate,
    /// Several nodes on one host (the demo, tests): loopback peers are normal.
    pub allow_loopback: bool,
    /// Serve as a relay and AutoNAT server.
    pub relay_server: bool,
    /// Relays to be reachable through.
    pub relays: Vec<coalition_net::Multiaddr>,
    /// `[privacy] contact_retention_years`: contact data older than this is erased.
    pub contact_retention_years: Option<u32>,
}

/// The network view the API reads: refreshed every second from the network task, so that an HTTP
/// request never waits on the swarm.
#[derive(Clone, Default)]
pub(crate) struct CachedStatus {
    /// What the API's /healthz and pages show.
    view: Arc<Mutex<Option<NetworkStatus>>>,
    /// The network task's figures; registered in the node's metrics registry, for /metrics.
    counters: coalition_net::LatestStatus,
}

impl NetworkView for CachedStatus {
    fn status(&self) -> NetworkStatus {
        self.view
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_else(|| coalition_api::Offline.status())
    }
}

pub(crate) struct RunningNode {
    pub store: Arc<Store>,
    pub net: NetHandle,
    pub api_addr: SocketAddr,
    pub status: CachedStatus,
    pub search: Arc<SearchIndex>,
    /// The search index's one writer.
    pub indexer: Arc<Indexer>,
    data_dir: PathBuf,
    stop_api: watch::Sender<bool>,
    api_task: JoinHandle<()>,
    tasks: Vec<JoinHandle<()>>,
    net_task: JoinHandle<()>,
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// How long a stopping node waits for API requests in flight (publishes) to be answered.
const API_DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

impl RunningNode {
    pub(crate) async fn start(options: NodeOptions) -> Result<RunningNode> {
        let dir = crate::datadir::DataDir::new(&options.data_dir);
        let store = Arc::new(open_store_waiting(&dir).await?);
        let search = Arc::new(open_search_waiting(&dir, &store).await?);
        catch_up_before_serving(&store, &search).await;
        let indexer = Arc::new(
            Indexer::start(store.clone(), search.clone())
                .context("cannot start the search indexer")?,
        );

        let keypair = coalition_net::load_or_create_keypair(&dir.node_key_path())?;
        let mut config = NetConfig::new(keypair);
        config.listen = options.listen.clone();
        config.bootstrap = options.bootstrap.clone();
        config.mdns = options.mdns;
        config.sync_interval = options.sync_interval;
        config.max_connections = options.max_peers.max(1);
        config.sync_request_rate = options.sync_request_rate;
        config.author_gossip_rate = options.author_gossip_rate;
        config.allow_loopback = options.allow_loopback;
        config.relay_server = options.relay_server;
        config.relays = options.relays.clone();
        if options.allow_loopback {
            config.gossip_heartbeat = Duration::from_millis(300);
        }
        // The node's one metrics registry: libp2p registers in it while the swarm is built, the
        // network figures and the API's own metrics are added, then the API serves it.
        let mut registry = Registry::default();
        let (net, net_task) = coalition_net::spawn(config, store.clone(), &mut registry)
            .await
            .context("cannot start the network")?;

        let status = CachedStatus::default();
        registry.register_collector(Box::new(status.counters.clone()));
        let mut tasks = Vec::new();
        refresh_status(&net, &status).await;
        tasks.push(tokio::spawn(poll_status(net.clone(), status.clone())));
        tasks.push(tokio::spawn(wake_on_arrivals(net.clone(), indexer.clone())));

        // Entries published through the API are stored by the API, then gossiped from here.
        let (published_tx, mut published_rx) = mpsc::channel(256);
        {
            let net = net.clone();
            tasks.push(tokio::spawn(async move {
                while let Some(entry) = published_rx.recv().await {
                    if let Err(e) = net.publish(entry).await {
                        tracing::warn!(error = %e, "could not gossip a published entry; sync will deliver it");
                    }
                }
            }));
        }

        let token = dir.api_token().ok();
        let city_key = dir.city_key().ok().map(Arc::new);
        tasks.push(tokio::spawn(crate::erasure_duty::run(
            net.clone(),
            store.clone(),
            search.clone(),
            city_key.clone(),
            options.contact_retention_years,
        )));
        let state = ApiState {
            store: store.clone(),
            search: search.clone(),
            indexer: Some(indexer.clone()),
            city_key,
            token,
            network: Arc::new(status.clone()),
            published: Some(published_tx),
        };
        let listener = tokio::net::TcpListener::bind(options.api)
            .await
            .with_context(|| {
                format!(
                    "cannot listen for the API on {} (in use? set [api] listen or --api)",
                    options.api
                )
            })?;
        let api_addr = listener.local_addr()?;
        // Tells local CLI commands where this node's API is, whatever --api said.
        std::fs::write(dir.api_addr_path(), format!("{api_addr}\n"))?;
        let (stop_api, mut stop_rx) = watch::channel(false);
        let api_task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stop_rx.wait_for(|stop| *stop).await;
            };
            if let Err(e) = coalition_api::serve(listener, state, registry, shutdown).await {
                tracing::error!(error = %e, "the API server stopped");
            }
        });
        Ok(RunningNode {
            store,
            net,
            api_addr,
            status,
            search,
            indexer,
            data_dir: dir.root.clone(),
            stop_api,
            api_task,
            tasks,
            net_task,
        })
    }

    /// Stops the API (finishing requests in flight), then the network (finishing its writes),
    /// then closes the store.
    pub(crate) async fn stop(self) -> Result<()> {
        // The API first, and wait for it: a publish in flight is stored and answered before the
        // network and the store close (its entry is then gossiped or left to the next sync).
        let _ = self.stop_api.send(true);
        if tokio::time::timeout(API_DRAIN_TIMEOUT, self.api_task)
            .await
            .is_err()
        {
            tracing::warn!("requests still open after {API_DRAIN_TIMEOUT:?}; closing them");
        }
        let _ = self.net.shutdown().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.net_task).await;
        for task in self.tasks {
            task.abort();
        }
        let _ = std::fs::remove_file(crate::datadir::DataDir::new(&self.data_dir).api_addr_path());
        // After the chunk it is applying; what is left is applied at the next start.
        let indexer = self.indexer;
        let _ = tokio::task::spawn_blocking(move || {
            indexer.stop();
            drop(indexer);
        })
        .await;
        drop(self.search);
        drop(self.store);
        Ok(())
    }
}

/// How long `run` waits for the store lock: a short CLI command (publish, retract…) holds it
/// for a moment and must not make the node refuse to start.
const LOCK_WAIT: Duration = Duration::from_secs(10);

/// Opens the store for writing, waiting up to [`LOCK_WAIT`] for another process to let go of it.
async fn open_store_waiting(dir: &crate::datadir::DataDir) -> Result<Store> {
    let started = std::time::Instant::now();
    let mut told = false;
    loop {
        if let Some(store) = dir.open_store_for_write()? {
            return Ok(store);
        }
        if started.elapsed() >= LOCK_WAIT {
            anyhow::bail!(
                "the store in {} stayed locked for {} s: {}",
                dir.store_path().display(),
                LOCK_WAIT.as_secs(),
                dir.lock_owner()
            );
        }
        if !told {
            tracing::info!(holder = %dir.lock_owner(), "the store is locked; waiting up to {} s", LOCK_WAIT.as_secs());
            told = true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Up to this many entries, the index catches up before the API serves (after a crash, a few
/// seconds of work at most), so searches right after a restart see everything; more (a rebuild
/// of a large store) is left to the indexer, and `/healthz` says `syncing` meanwhile.
const CATCH_UP_BEFORE_SERVING: u64 = 20_000;

async fn catch_up_before_serving(store: &Arc<Store>, search: &Arc<SearchIndex>) {
    let lacking = search
        .applied()
        .map_or(store.entry_count(), |a| a.behind(&store.frontier()));
    if lacking > CATCH_UP_BEFORE_SERVING {
        tracing::info!(
            lacking,
            "the search index lacks many entries; catching up in the background (/healthz says syncing until done)"
        );
        return;
    }
    let (store, search) = (store.clone(), search.clone());
    match tokio::task::spawn_blocking(move || search.catch_up(&store, &|| false)).await {
        Ok(Ok(_)) => {}
        // The indexer retries, and says so.
        Ok(Err(e)) => tracing::warn!(error = %e, "the search index could not catch up at start"),
        Err(e) => tracing::warn!(error = %e, "the search index catch-up task failed"),
    }
}

/// Opens the search index (repairing it if damaged), waiting up to [`LOCK_WAIT`] while a CLI
/// command (an offline `search`) holds it.
async fn open_search_waiting(
    dir: &crate::datadir::DataDir,
    store: &Arc<Store>,
) -> Result<SearchIndex> {
    let started = std::time::Instant::now();
    loop {
        let (path, store) = (dir.search_path(), store.clone());
        let opened = tokio::task::spawn_blocking(move || {
            crate::search_index::open(&path, &store, false).map(|o| o.index)
        })
        .await?;
        match opened {
            Err(e)
                if e.downcast_ref::<crate::search_index::Busy>().is_some()
                    && started.elapsed() < LOCK_WAIT =>
            {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            other => return other,
        }
    }
}

/// Refreshes the cached network view every second, so that an HTTP request never waits on the
/// network task.
async fn poll_status(net: NetHandle, cache: CachedStatus) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        if !refresh_status(&net, &cache).await {
            return;
        }
    }
}

/// One refresh of the cached network view; false once the network task has stopped. Called
/// once before the API serves, so that its first answer describes the node rather than
/// "offline".
async fn refresh_status(net: &NetHandle, cache: &CachedStatus) -> bool {
    let Ok(s) = net.status().await else {
        return false;
    };
    let state = if s.connected_peers.is_empty() {
        SyncState::Degraded
    } else if s.held_entries > 0 {
        SyncState::Syncing
    } else {
        SyncState::Synced
    };
    let network_status = NetworkStatus {
        peer_id: Some(s.peer_id.to_string()),
        peers: s.connected_peers.len(),
        listen: s.listen_addrs.iter().map(|a| a.to_string()).collect(),
        last_arrival_ms: s.last_arrival.map(millis),
        sync_state: state,
        external: s.external_addrs.iter().map(|a| a.to_string()).collect(),
        relayed_peers: s.relayed_peers,
        relay_reservations: s.counters.relay_reservations,
    };
    *cache.view.lock().unwrap_or_else(|p| p.into_inner()) = Some(network_status);
    cache.counters.set(s);
    true
}

/// Wakes the indexer when the network stores entries; missed events (a lagging receiver) wake
/// it too, and its tick catches anything else.
async fn wake_on_arrivals(net: NetHandle, indexer: Arc<Indexer>) {
    let mut events = net.subscribe();
    loop {
        match events.recv().await {
            Ok(NetEvent::EntryStored { .. })
            | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => indexer.wake(),
            Ok(_) => {}
            Err(_) => return,
        }
    }
}
