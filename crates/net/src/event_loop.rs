//! The network task: owns the swarm, turns handle commands into swarm calls, hands store work to
//! the worker thread and acts on its results (the rust-libp2p file-sharing example's pattern).

use crate::codec::{SyncAnswer, SyncCodec, SyncRequest, SyncTraffic, SYNC_PROTOCOL};
use crate::config::NetConfig;
use crate::error::NetError;
use crate::gossip::{self, GossipMessage, GossipSettings};
use crate::limits::{Decision, KeyedLimiter, StrikePolicy};
use crate::worker::{self, Done, GossipJob, GossipVerdict, Held, Job, StoredInfo};
use crate::{Command, Delivery, NetEvent, NetHandle, NetStatus, Via};
use coalition_record::sync::{Frontier, Head};
use coalition_record::{Hash32, NetworkId, PublicKey, SignedEntry, WireEntry};
use coalition_store::{ForkProof, Store};
use futures::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, PublishError};
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    allow_block_list, connection_limits, identify, kad, mdns, noise, ping, tcp, yamux, Multiaddr,
    PeerId, StreamProtocol, Swarm,
};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Command queue between handles and the task.
const COMMAND_QUEUE: usize = 64;
/// Jobs waiting for the store worker; beyond this, gossip is ignored (sync catches up later).
const JOB_QUEUE: usize = 256;
const DONE_QUEUE: usize = 64;
const EVENT_QUEUE: usize = 1024;
/// Entries held back for missing predecessors or an unknown author.
const MAX_HELD: usize = 1024;
const MAX_HELD_BYTES: usize = 64 * 1024 * 1024;
const HELD_TTL: Duration = Duration::from_secs(120);
/// Recently rejected ids: a replayed invalid message costs a lookup.
const REJECTED_MEMORY: usize = 4096;
/// Most requests in one sync session with one peer.
const MAX_REQUESTS_PER_SESSION: u32 = 10_000;
const SYNC_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Peers with sync rate-limit state (connections are capped far below this).
const MAX_LIMITED_PEERS: usize = 1024;
/// Authors with gossip rate-limit state: as many as a frontier may name.
const MAX_LIMITED_AUTHORS: usize = coalition_record::sync::MAX_FRONTIER_AUTHORS;
/// A refused requester waits at least this, and at most the longer bound, whatever it is told.
const MIN_RETRY_WAIT: Duration = Duration::from_millis(5);
const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// Refusals in a row (no batch between them) before a sync session gives up on its peer.
const MAX_REFUSALS_IN_A_ROW: u32 = 8;
/// The retry time given when a request is refused because the store worker is busy.
const BUSY_RETRY: Duration = Duration::from_millis(200);
/// Requests of one peer queued for or being served by the store worker. An honest requester has
/// one in flight; a peer that pipelines more is refused as busy, so it cannot fill the worker's
/// queue ahead of everyone else.
const MAX_SERVES_PER_PEER: u32 = 2;
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    limits: connection_limits::Behaviour,
    blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    gossipsub: gossipsub::Behaviour,
    sync: request_response::Behaviour<SyncCodec>,
    kad: Toggle<kad::Behaviour<kad::store::MemoryStore>>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    mdns: Toggle<mdns::tokio::Behaviour>,
}

impl Behaviour {
    fn new(
        key: &libp2p::identity::Keypair,
        config: &NetConfig,
        network_id: &NetworkId,
        traffic: Arc<SyncTraffic>,
        registry: &mut libp2p::metrics::Registry,
    ) -> Result<Self, NetError> {
        let peer_id = key.public().to_peer_id();
        let limits = connection_limits::ConnectionLimits::default()
            .with_max_established(Some(config.max_connections))
            .with_max_established_per_peer(Some(config.max_connections_per_peer))
            .with_max_pending_incoming(Some(config.max_pending_connections))
            .with_max_pending_outgoing(Some(config.max_pending_connections));
        let gossipsub = gossip::behaviour(
            &GossipSettings {
                network_id: *network_id,
                heartbeat: config.gossip_heartbeat,
                max_transmit_size: config.max_transmit_size(),
                allow_loopback: config.allow_loopback,
            },
            registry,
        )?;
        let sync = request_response::Behaviour::with_codec(
            SyncCodec {
                max_request: config.max_sync_request,
                max_response: config.max_sync_response,
                traffic,
            },
            [(SYNC_PROTOCOL, ProtocolSupport::Full)],
            request_response::Config::default()
                .with_request_timeout(SYNC_REQUEST_TIMEOUT)
                .with_max_concurrent_streams(16),
        );
        let kad = if config.kademlia {
            let protocol =
                StreamProtocol::try_from_owned(format!("/coalition/{}/kad/1", network_id.to_hex()))
                    .map_err(|e| NetError::Config(format!("kademlia protocol name: {e}")))?;
            let mut kad = kad::Behaviour::with_config(
                peer_id,
                kad::store::MemoryStore::new(peer_id),
                kad::Config::new(protocol),
            );
            kad.set_mode(Some(kad::Mode::Server));
            Some(kad)
        } else {
            None
        };
        let mdns = if config.mdns {
            Some(
                mdns::tokio::Behaviour::new(mdns::Config::default(), peer_id)
                    .map_err(|e| NetError::Config(format!("mdns: {e}")))?,
            )
        } else {
            None
        };
        Ok(Behaviour {
            limits: connection_limits::Behaviour::new(limits),
            blocked: allow_block_list::Behaviour::default(),
            gossipsub,
            sync,
            kad: Toggle::from(kad),
            identify: identify::Behaviour::new(
                identify::Config::new("/coalition/1.0.0".into(), key.public())
                    .with_agent_version(format!("coalition-net/{}", env!("CARGO_PKG_VERSION"))),
            ),
            ping: ping::Behaviour::default(),
            mdns: Toggle::from(mdns),
        })
    }
}

fn build_swarm(
    config: &NetConfig,
    network_id: NetworkId,
    traffic: Arc<SyncTraffic>,
    registry: &mut libp2p::metrics::Registry,
) -> Result<Swarm<Behaviour>, NetError> {
    let transport_error = |e: &dyn std::fmt::Display| NetError::Transport(e.to_string());
    let swarm = libp2p::SwarmBuilder::with_existing_identity(config.keypair.clone())
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|e| transport_error(&e))?
        .with_quic()
        .with_dns()
        .map_err(|e| transport_error(&e))?
        .with_behaviour(|key| {
            Behaviour::new(key, config, &network_id, traffic, registry)
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
        })
        .map_err(|e| transport_error(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    Ok(swarm)
}

/// Polls the swarm until each listen address has reported where it is bound.
async fn wait_for_listeners(swarm: &mut Swarm<Behaviour>, count: usize) -> Result<(), NetError> {
    let mut bound = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while bound < count {
        let event = tokio::time::timeout_at(deadline, swarm.select_next_some())
            .await
            .map_err(|_| NetError::Listen {
                addr: format!("{count} listen addresses"),
                detail: format!("only {bound} bound within 10 s"),
            })?;
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "listening");
                bound += 1;
            }
            SwarmEvent::ListenerError { error, .. } => {
                return Err(NetError::Listen {
                    addr: "listener".into(),
                    detail: error.to_string(),
                })
            }
            SwarmEvent::ListenerClosed {
                addresses, reason, ..
            } => {
                return Err(NetError::Listen {
                    addr: format!("{addresses:?}"),
                    detail: format!("closed: {reason:?}"),
                })
            }
            _ => {}
        }
    }
    Ok(())
}

pub(crate) async fn spawn(
    config: NetConfig,
    store: Arc<Store>,
) -> Result<(NetHandle, tokio::task::JoinHandle<()>), NetError> {
    config.validate()?;
    if store.is_read_only() {
        return Err(NetError::Config(
            "the store is open read-only; the network needs to write".into(),
        ));
    }
    let network_id = store.network_id();
    let traffic = Arc::new(SyncTraffic::default());
    let mut registry = libp2p::metrics::Registry::default();
    let mut swarm = build_swarm(
        &config,
        network_id,
        traffic.clone(),
        registry.sub_registry_with_prefix("libp2p"),
    )?;
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| NetError::Listen {
                addr: addr.to_string(),
                detail: e.to_string(),
            })?;
    }
    wait_for_listeners(&mut swarm, config.listen.len()).await?;

    let peer_id = *swarm.local_peer_id();
    let (command_tx, command_rx) = mpsc::channel(COMMAND_QUEUE);
    let (job_tx, job_rx) = mpsc::channel(JOB_QUEUE);
    let (done_tx, done_rx) = mpsc::channel(DONE_QUEUE);
    let (event_tx, _) = broadcast::channel(EVENT_QUEUE);
    let worker_store = store.clone();
    let max_response = config.max_sync_response;
    let worker = tokio::task::spawn_blocking(move || {
        worker::run(worker_store, job_rx, done_tx, max_response)
    });

    let mut event_loop = EventLoop {
        swarm,
        store,
        topic: gossip::topic(&network_id),
        network_id,
        commands: command_rx,
        jobs: Some(job_tx),
        done: Some(done_rx),
        worker: Some(worker),
        events: event_tx.clone(),
        stats: Stats::default(),
        traffic,
        registry,
        session: None,
        sync_queue: VecDeque::new(),
        no_sync: HashSet::new(),
        held: VecDeque::new(),
        held_bytes: 0,
        reingest_running: false,
        rejected: RecentSet::new(REJECTED_MEMORY),
        invalid_counts: HashMap::new(),
        bans: HashMap::new(),
        sync_limiter: KeyedLimiter::with_strikes(
            config.sync_request_rate,
            MAX_LIMITED_PEERS,
            StrikePolicy {
                max_strikes: config.max_sync_strikes,
                window: config.sync_strike_window,
            },
        ),
        author_limiter: KeyedLimiter::new(config.author_gossip_rate, MAX_LIMITED_AUTHORS),
        sync_not_before: HashMap::new(),
        sync_retry_at: None,
        serving: HashMap::new(),
        config,
    };
    event_loop.dial_bootstrap();
    let task = tokio::spawn(event_loop.run());
    Ok((
        NetHandle {
            peer_id,
            commands: command_tx,
            events: event_tx,
        },
        task,
    ))
}

#[derive(Default)]
struct Stats {
    last_arrival: Option<SystemTime>,
    entries_via_gossip: u64,
    entries_via_sync: u64,
    entries_via_held: u64,
    sync_entries_received: u64,
    sync_requests: u64,
    sync_rounds: u64,
    sync_served: u64,
    sync_refused: u64,
    sync_refusals_received: u64,
    sync_bans: u64,
    gossip_received: u64,
    gossip_accepted: u64,
    gossip_rejected: u64,
    gossip_ignored: u64,
    gossip_rate_limited: u64,
    gaps_seen: u64,
    forks_seen: u64,
}

/// A bounded set that forgets its oldest members.
struct RecentSet {
    set: HashSet<Hash32>,
    order: VecDeque<Hash32>,
    cap: usize,
}

impl RecentSet {
    fn new(cap: usize) -> Self {
        RecentSet {
            set: HashSet::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    fn insert(&mut self, key: Hash32) {
        if self.set.insert(key) {
            self.order.push_back(key);
            while self.order.len() > self.cap {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }

    fn contains(&self, key: &Hash32) -> bool {
        self.set.contains(key)
    }
}

/// One or more sync requests to one peer, while it has more we lack.
struct SyncSession {
    peer: PeerId,
    /// The request in flight; `None` while its response is being stored or while waiting.
    request: Option<OutboundRequestId>,
    requests: u32,
    /// Refused, and waiting for the peer's retry time before asking again.
    waiting: bool,
    refused_in_a_row: u32,
    /// Heads of the responses handed to the store worker and not yet reported back, oldest
    /// first: what a pipelined request claims as held.
    in_worker: VecDeque<Vec<Head>>,
    /// Whether the latest response said the peer holds more.
    more: bool,
}

struct EventLoop {
    swarm: Swarm<Behaviour>,
    store: Arc<Store>,
    topic: IdentTopic,
    network_id: NetworkId,
    config: NetConfig,
    commands: mpsc::Receiver<Command>,
    jobs: Option<mpsc::Sender<Job>>,
    done: Option<mpsc::Receiver<Done>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    events: broadcast::Sender<NetEvent>,
    stats: Stats,
    traffic: Arc<SyncTraffic>,
    /// libp2p's own metrics (gossipsub), encoded on request for /metrics.
    registry: libp2p::metrics::Registry,
    /// At most one sync session at a time: a node coming back from downtime fetches what it
    /// lacks once, not once per peer.
    session: Option<SyncSession>,
    sync_queue: VecDeque<PeerId>,
    /// Peers that do not speak the sync protocol.
    no_sync: HashSet<PeerId>,
    held: VecDeque<Held>,
    held_bytes: usize,
    reingest_running: bool,
    rejected: RecentSet,
    invalid_counts: HashMap<PeerId, u32>,
    bans: HashMap<PeerId, Instant>,
    /// Inbound sync requests per peer.
    sync_limiter: KeyedLimiter<PeerId>,
    /// New gossiped entries per author.
    author_limiter: KeyedLimiter<PublicKey>,
    /// Peers that refused our sync request: not asked again before then.
    sync_not_before: HashMap<PeerId, Instant>,
    /// When the waiting sync session asks again.
    sync_retry_at: Option<Instant>,
    /// Inbound sync requests handed to the store worker and not answered yet, per peer.
    serving: HashMap<PeerId, u32>,
}

impl EventLoop {
    async fn run(mut self) {
        let mut tick = tokio::time::interval(self.config.sync_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut shutdown_reply = None;
        loop {
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                command = self.commands.recv() => match command {
                    Some(Command::Shutdown { reply }) => {
                        shutdown_reply = Some(reply);
                        break;
                    }
                    Some(command) => self.on_command(command),
                    None => break,
                },
                Some(done) = recv_done(&mut self.done) => self.on_done(done),
                _ = sleep_until(self.sync_retry_at) => self.on_sync_retry(),
                _ = tick.tick() => self.on_tick(),
            }
        }
        self.stop(shutdown_reply).await;
    }

    async fn stop(mut self, reply: Option<oneshot::Sender<()>>) {
        // Close the result queue first, so a worker blocked on sending gives up, then the job
        // queue, so it finishes; then wait for it to release the store.
        drop(self.done.take());
        drop(self.jobs.take());
        if let Some(worker) = self.worker.take() {
            if let Err(e) = worker.await {
                tracing::warn!(error = %e, "the store worker ended abnormally");
            }
        }
        drop(self.swarm);
        drop(self.store);
        if let Some(reply) = reply {
            let _ = reply.send(());
        }
    }

    fn dial_bootstrap(&mut self) {
        for addr in self.config.bootstrap.clone() {
            if let (Some(peer), true) = (peer_of(&addr), self.config.kademlia) {
                if let Some(kad) = self.swarm.behaviour_mut().kad.as_mut() {
                    kad.add_address(&peer, addr.clone());
                }
            }
            if let Err(e) = self.swarm.dial(addr.clone()) {
                tracing::warn!(%addr, error = %e, "dialling a bootstrap peer failed");
            }
        }
    }

    /// Hands a job to the store worker without waiting; gives it back when the queue is full.
    fn submit(&mut self, job: Job) -> Result<(), Box<Job>> {
        match &self.jobs {
            Some(jobs) => jobs.try_send(job).map_err(|e| match e {
                mpsc::error::TrySendError::Full(job) | mpsc::error::TrySendError::Closed(job) => {
                    Box::new(job)
                }
            }),
            None => Err(Box::new(job)),
        }
    }

    fn emit(&self, event: NetEvent) {
        // No receiver is fine.
        let _ = self.events.send(event);
    }

    // ----- commands -----

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Publish { message, reply } => {
                let _ = reply.send(self.publish(message));
            }
            Command::Status { reply } => {
                let _ = reply.send(self.status());
            }
            Command::Metrics { reply } => {
                let mut text = String::new();
                if let Err(error) =
                    prometheus_client::encoding::text::encode(&mut text, &self.registry)
                {
                    tracing::warn!(%error, "could not encode libp2p metrics");
                }
                // The node appends these to its own metrics: the end marker belongs at the end.
                if let Some(body) = text.strip_suffix("# EOF\n") {
                    text.truncate(body.len());
                }
                let _ = reply.send(text);
            }
            Command::Dial { addr, reply } => {
                let result = self.swarm.dial(addr.clone()).map_err(|e| NetError::Dial {
                    addr: addr.to_string(),
                    detail: e.to_string(),
                });
                let _ = reply.send(result);
            }
            Command::SyncNow { reply } => {
                let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
                for peer in &peers {
                    self.queue_sync(*peer);
                }
                let _ = reply.send(peers.len());
            }
            Command::Shutdown { .. } => {}
        }
    }

    fn publish(&mut self, message: GossipMessage) -> Result<Delivery, NetError> {
        let bytes = message.to_bytes();
        if bytes.len() > self.config.max_gossip_message {
            return Err(NetError::Publish(format!(
                "message of {} bytes is over the gossip limit of {}",
                bytes.len(),
                self.config.max_gossip_message
            )));
        }
        match self
            .swarm
            .behaviour_mut()
            .gossipsub
            .publish(self.topic.clone(), bytes)
        {
            Ok(_) => Ok(Delivery::Sent),
            Err(PublishError::NoPeersSubscribedToTopic) => Ok(Delivery::NoPeers),
            Err(PublishError::Duplicate) => Ok(Delivery::Duplicate),
            Err(PublishError::AllQueuesFull(n)) => {
                tracing::warn!(peers = n, "gossip queues full; sync will deliver the entry");
                Ok(Delivery::NoPeers)
            }
            Err(e) => Err(NetError::Publish(e.to_string())),
        }
    }

    fn status(&mut self) -> NetStatus {
        let s = &self.stats;
        NetStatus {
            peer_id: *self.swarm.local_peer_id(),
            listen_addrs: self.swarm.listeners().cloned().collect(),
            connected_peers: self.swarm.connected_peers().copied().collect(),
            mesh_peers: self
                .swarm
                .behaviour()
                .gossipsub
                .mesh_peers(&self.topic.hash())
                .count(),
            entries_held: self.store.entry_count(),
            roster_version: self.store.roster_version(),
            last_arrival: s.last_arrival,
            entries_via_gossip: s.entries_via_gossip,
            entries_via_sync: s.entries_via_sync,
            entries_via_held: s.entries_via_held,
            sync_entries_received: s.sync_entries_received,
            sync_requests: s.sync_requests,
            sync_rounds: s.sync_rounds,
            sync_served: s.sync_served,
            sync_refused: s.sync_refused,
            sync_refusals_received: s.sync_refusals_received,
            sync_bans: s.sync_bans,
            sync_request_bytes_sent: self.traffic.request_bytes_sent.load(Ordering::Relaxed),
            sync_request_bytes_received: self
                .traffic
                .request_bytes_received
                .load(Ordering::Relaxed),
            sync_response_bytes_sent: self.traffic.response_bytes_sent.load(Ordering::Relaxed),
            sync_response_bytes_received: self
                .traffic
                .response_bytes_received
                .load(Ordering::Relaxed),
            gossip_received: s.gossip_received,
            gossip_accepted: s.gossip_accepted,
            gossip_rejected: s.gossip_rejected,
            gossip_ignored: s.gossip_ignored,
            gossip_rate_limited: s.gossip_rate_limited,
            held_entries: self.held.len(),
            gaps_seen: s.gaps_seen,
            forks_seen: s.forks_seen,
            banned_peers: self.bans.len(),
        }
    }

    // ----- swarm events -----

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(event)) => self.on_gossip(event),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) => self.on_sync(event),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                if !info.protocols.contains(&SYNC_PROTOCOL) {
                    self.no_sync.insert(peer_id);
                }
                if self.config.kademlia {
                    let allow_loopback = self.config.allow_loopback;
                    if let Some(kad) = self.swarm.behaviour_mut().kad.as_mut() {
                        for addr in info.listen_addrs {
                            if allow_loopback || !is_loopback(&addr) {
                                kad.add_address(&peer_id, addr);
                            }
                        }
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::RoutingUpdated {
                peer, ..
            })) => self.maybe_dial(peer),
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
                for (peer, addr) in found {
                    if let Some(kad) = self.swarm.behaviour_mut().kad.as_mut() {
                        kad.add_address(&peer, addr.clone());
                    }
                    if !self.swarm.is_connected(&peer) && self.wants_more_peers() {
                        let _ = self.swarm.dial(addr);
                    }
                }
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                num_established,
                endpoint,
                ..
            } => {
                tracing::debug!(peer = %peer_id, addr = %endpoint.get_remote_address(), "connected");
                if num_established.get() == 1 {
                    self.queue_sync(peer_id);
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } => {
                self.sync_queue.retain(|p| *p != peer_id);
                self.no_sync.remove(&peer_id);
                let waiting_on_it = self
                    .session
                    .as_ref()
                    .is_some_and(|s| s.peer == peer_id && s.waiting);
                if waiting_on_it {
                    self.end_session(false);
                }
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "listening");
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                tracing::debug!(peer = ?peer_id, %error, "dial failed");
            }
            _ => {}
        }
    }

    fn wants_more_peers(&self) -> bool {
        self.swarm.connected_peers().count() < self.config.target_peers
    }

    fn maybe_dial(&mut self, peer: PeerId) {
        if !self.swarm.is_connected(&peer)
            && !self.bans.contains_key(&peer)
            && self.wants_more_peers()
        {
            let _ = self.swarm.dial(peer);
        }
    }

    // ----- gossip -----

    fn on_gossip(&mut self, event: gossipsub::Event) {
        let gossipsub::Event::Message {
            propagation_source: source,
            message_id,
            message,
        } = event
        else {
            return;
        };
        self.stats.gossip_received += 1;
        let data = message.data;
        let id = gossip::message_id_of(&data);
        let data_hash = Hash32::of(&data);
        if self.rejected.contains(&id) || self.rejected.contains(&data_hash) {
            self.report(&message_id, &source, MessageAcceptance::Reject);
            return;
        }
        let message = match GossipMessage::decode(&data, self.config.max_gossip_message) {
            Ok(message) => message,
            Err(detail) => {
                tracing::debug!(peer = %source, %detail, "invalid gossip message");
                self.rejected.insert(data_hash);
                self.report(&message_id, &source, MessageAcceptance::Reject);
                return;
            }
        };
        if let GossipMessage::Entry(wire) = &message {
            if self.over_author_limit(wire) {
                // Not invalid: an honest relay forwards what it was sent. Sync fetches it later.
                self.stats.gossip_rate_limited += 1;
                self.report(&message_id, &source, MessageAcceptance::Ignore);
                return;
            }
        }
        let job = Job::Gossip(GossipJob {
            msg_id: message_id.clone(),
            source,
            data_hash,
            message,
        });
        if self.submit(job).is_err() {
            tracing::debug!("store worker busy; ignoring a gossip message (sync will catch up)");
            self.report(&message_id, &source, MessageAcceptance::Ignore);
        }
    }

    /// New entries (past the author's head here) count against their author's gossip rate.
    /// Duplicates and fork halves are left to the store: replaying a city's old entries must not
    /// use up its allowance.
    fn over_author_limit(&mut self, wire: &WireEntry) -> bool {
        let Ok(entry) = SignedEntry::decode(&wire.entry) else {
            return false; // the store worker rejects it
        };
        let (author, seq) = (entry.header.author, entry.header.seq);
        if self
            .store
            .head(&author)
            .is_some_and(|(head, _)| seq <= head)
        {
            return false;
        }
        match self.author_limiter.check(&author, Instant::now()) {
            Decision::Allow => false,
            Decision::Deny { .. } | Decision::Ban { .. } => {
                tracing::debug!(author = %author.short(), seq, "author over its gossip rate; sync will fetch the entry");
                true
            }
        }
    }

    fn report(
        &mut self,
        id: &gossipsub::MessageId,
        source: &PeerId,
        acceptance: MessageAcceptance,
    ) {
        let reject = acceptance == MessageAcceptance::Reject;
        match acceptance {
            MessageAcceptance::Accept => self.stats.gossip_accepted += 1,
            MessageAcceptance::Reject => self.stats.gossip_rejected += 1,
            MessageAcceptance::Ignore => self.stats.gossip_ignored += 1,
        }
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(id, source, acceptance);
        if reject {
            // After the report, so the score already counts this message.
            self.penalise(*source);
        }
    }

    /// Scoring graylists but never disconnects: after too many invalid messages, or once the
    /// score reaches the graylist (from then on gossipsub drops the peer's messages before we
    /// see them, so the count alone would never be reached), disconnect and block the peer for
    /// a while.
    fn penalise(&mut self, peer: PeerId) {
        let count = self.invalid_counts.entry(peer).or_insert(0);
        *count += 1;
        let graylisted = self
            .swarm
            .behaviour()
            .gossipsub
            .peer_score(&peer)
            .is_some_and(|score| score < gossip::GRAYLIST_THRESHOLD);
        if *count >= self.config.max_invalid_messages || graylisted {
            let reason = format!("{count} invalid message(s), graylisted: {graylisted}");
            self.ban(peer, &reason);
        }
        if self.invalid_counts.len() > 10_000 {
            self.invalid_counts.clear();
        }
    }

    /// Disconnects `peer` and blocks it for `ban_duration`.
    fn ban(&mut self, peer: PeerId, reason: &str) {
        tracing::warn!(%peer, reason, ban = ?self.config.ban_duration, "blocking a peer");
        self.invalid_counts.remove(&peer);
        self.sync_limiter.forget(&peer);
        self.bans
            .insert(peer, Instant::now() + self.config.ban_duration);
        self.swarm.behaviour_mut().blocked.block_peer(peer);
    }

    fn on_gossip_verdicts(&mut self, verdicts: Vec<GossipVerdict>) {
        for verdict in verdicts {
            if let Some(rule) = verdict.rule {
                tracing::debug!(peer = %verdict.source, rule, acceptance = ?verdict.acceptance, "gossip message not accepted");
            }
            if let Some(key) = verdict.reject_key {
                self.rejected.insert(key);
            }
            self.report(&verdict.msg_id, &verdict.source, verdict.acceptance);
            if let Some(stored) = verdict.stored {
                self.stats.entries_via_gossip += 1;
                self.arrived(stored, Via::Gossip);
            }
            if let Some(held) = verdict.hold {
                self.stats.gaps_seen += 1;
                let source = held.source;
                self.hold(held);
                self.sync_for_held(source);
            }
            if verdict.want_sync {
                self.queue_sync_first(verdict.source);
            }
            if let Some(proof) = verdict.fork {
                self.fork_found(proof);
            }
            if let Some(version) = verdict.roster_applied {
                self.emit(NetEvent::RosterApplied { version });
                self.reingest();
            }
        }
    }

    fn arrived(&mut self, stored: StoredInfo, via: Via) {
        self.stats.last_arrival = Some(SystemTime::now());
        self.emit(NetEvent::EntryStored {
            id: stored.id,
            author: stored.author,
            seq: stored.seq,
            via,
        });
    }

    fn fork_found(&mut self, proof: ForkProof) {
        self.stats.forks_seen += 1;
        if let Ok((author, seq)) = coalition_store::ForkProof::verify(&proof) {
            tracing::warn!(author = %author.short(), seq, "fork: the city signed two entries at one seq");
            self.emit(NetEvent::ForkDetected { author, seq });
        }
        if let Err(e) = self.publish(GossipMessage::Fork(proof)) {
            tracing::debug!(error = %e, "gossiping a fork proof failed");
        }
    }

    fn hold(&mut self, held: Held) {
        if self.held.iter().any(|h| h.id == held.id) {
            return;
        }
        self.held_bytes += held_size(&held);
        self.held.push_back(held);
        while self.held.len() > MAX_HELD || self.held_bytes > MAX_HELD_BYTES {
            match self.held.pop_front() {
                Some(old) => self.held_bytes = self.held_bytes.saturating_sub(held_size(&old)),
                None => break,
            }
        }
    }

    fn reingest(&mut self) {
        if self.reingest_running || self.held.is_empty() {
            return;
        }
        let held: Vec<Held> = self.held.drain(..).collect();
        self.held_bytes = 0;
        if let Err(job) = self.submit(Job::Reingest(held)) {
            if let Job::Reingest(held) = *job {
                for h in held {
                    self.hold(h);
                }
            }
        } else {
            self.reingest_running = true;
        }
    }

    // ----- sync -----

    fn queue_sync(&mut self, peer: PeerId) {
        let busy_with = self.session.as_ref().map(|s| s.peer);
        if busy_with != Some(peer) && !self.sync_queue.contains(&peer) {
            self.sync_queue.push_back(peer);
        }
        self.start_sync();
    }

    fn queue_sync_first(&mut self, peer: PeerId) {
        self.sync_queue.retain(|p| *p != peer);
        if self.session.as_ref().map(|s| s.peer) != Some(peer) {
            self.sync_queue.push_front(peer);
        }
        self.start_sync();
    }

    /// Held entries need what their sender has; a sender that cannot sync (a bare gossip peer)
    /// sends us to another peer.
    fn sync_for_held(&mut self, source: PeerId) {
        if self.no_sync.contains(&source) || !self.swarm.is_connected(&source) {
            self.queue_random_peer(Some(source));
        } else {
            self.queue_sync_first(source);
        }
    }

    fn start_sync(&mut self) {
        if self.session.is_some() {
            return;
        }
        while let Some(peer) = self.sync_queue.pop_front() {
            if self.swarm.is_connected(&peer)
                && !self.no_sync.contains(&peer)
                && !self.bans.contains_key(&peer)
            {
                self.session = Some(SyncSession {
                    peer,
                    request: None,
                    requests: 0,
                    waiting: false,
                    refused_in_a_row: 0,
                    in_worker: VecDeque::new(),
                    more: false,
                });
                self.send_sync_request();
                return;
            }
        }
    }

    /// Sends the session's next request, or waits until the peer's retry time if it refused us.
    fn send_sync_request(&mut self) {
        self.send_sync_request_ahead(Vec::new(), 0);
    }

    /// As [`Self::send_sync_request`], claiming `ahead` (entries received and not yet stored) as
    /// held, so the peer prepares the next batch while this one is being stored.
    fn send_sync_request_ahead(&mut self, ahead: Vec<Head>, roster_ahead: u64) {
        let Some(peer) = self.session.as_ref().map(|s| s.peer) else {
            return;
        };
        if let Some(until) = self.sync_not_before.get(&peer).copied() {
            if until > Instant::now() {
                if let Some(session) = self.session.as_mut() {
                    session.waiting = true;
                    session.request = None;
                }
                self.sync_retry_at = Some(until);
                return;
            }
            self.sync_not_before.remove(&peer);
        }
        let local = worker::local_frontier(&self.store);
        let frontier = if ahead.is_empty() {
            local
        } else {
            Frontier::new(
                local.roster_version.max(roster_ahead),
                local.heads.into_iter().chain(ahead),
            )
        };
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let request = SyncRequest {
            network_id: self.network_id,
            frontier,
        };
        session.waiting = false;
        session.requests += 1;
        session.request = Some(
            self.swarm
                .behaviour_mut()
                .sync
                .send_request(&session.peer, request),
        );
    }

    /// Ends the sync session. After one that delivered, held entries are retried; after one that
    /// failed, they are not (nothing new arrived) and another peer is asked instead.
    fn end_session(&mut self, completed: bool) {
        let peer = self.session.take().map(|s| s.peer);
        if completed {
            self.stats.sync_rounds += 1;
            self.reingest();
        } else if !self.held.is_empty() {
            self.queue_random_peer(peer);
        }
        self.start_sync();
    }

    fn on_sync_retry(&mut self) {
        self.sync_retry_at = None;
        let Some(peer) = self.session.as_ref().filter(|s| s.waiting).map(|s| s.peer) else {
            return;
        };
        if self.swarm.is_connected(&peer) {
            self.send_sync_request();
        } else {
            self.end_session(false);
        }
    }

    /// The peer refused our request over its rate limit: wait as told, then ask again; after
    /// too many refusals in a row, leave it and try another peer later.
    fn on_refused(&mut self, peer: PeerId, retry_after_ms: u32) {
        self.stats.sync_refusals_received += 1;
        let now = Instant::now();
        let wait =
            Duration::from_millis(u64::from(retry_after_ms)).clamp(MIN_RETRY_WAIT, MAX_RETRY_WAIT);
        if self.sync_not_before.len() >= MAX_LIMITED_PEERS {
            self.sync_not_before.retain(|_, until| *until > now);
        }
        self.sync_not_before.insert(peer, now + wait);
        let give_up = match self.session.as_mut() {
            Some(session) => {
                session.request = None;
                session.refused_in_a_row += 1;
                session.refused_in_a_row > MAX_REFUSALS_IN_A_ROW
            }
            None => true,
        };
        tracing::debug!(%peer, retry_after_ms, give_up, "sync request refused");
        if give_up {
            self.end_session(false);
        } else {
            self.send_sync_request();
        }
    }

    /// An inbound request: served by the store worker if the peer is within its rate, refused
    /// cheaply if not, and the peer banned if it keeps asking before its retry time.
    fn on_sync_request(
        &mut self,
        peer: PeerId,
        request: SyncRequest,
        channel: ResponseChannel<SyncAnswer>,
    ) {
        let now = Instant::now();
        match self.sync_limiter.check(&peer, now) {
            Decision::Allow => {
                let serving = self.serving.get(&peer).copied().unwrap_or(0);
                if serving >= MAX_SERVES_PER_PEER {
                    tracing::debug!(%peer, serving, "refusing a pipelined sync request");
                    self.sync_limiter.defer(&peer, now, BUSY_RETRY);
                    self.refuse(peer, channel, BUSY_RETRY);
                    return;
                }
                match self.submit(Job::Serve {
                    peer,
                    request,
                    channel,
                }) {
                    Ok(()) => *self.serving.entry(peer).or_insert(0) += 1,
                    Err(job) => {
                        tracing::debug!(%peer, "store worker busy; refusing a sync request");
                        self.sync_limiter.defer(&peer, now, BUSY_RETRY);
                        if let Job::Serve { channel, .. } = *job {
                            self.refuse(peer, channel, BUSY_RETRY);
                        }
                    }
                }
            }
            Decision::Deny { retry_after } => self.refuse(peer, channel, retry_after),
            Decision::Ban { strikes } => {
                self.stats.sync_refused += 1;
                self.stats.sync_bans += 1;
                drop(channel);
                let reason = format!("{strikes} sync requests before their retry time");
                self.ban(peer, &reason);
            }
        }
    }

    fn refuse(&mut self, peer: PeerId, channel: ResponseChannel<SyncAnswer>, wait: Duration) {
        self.stats.sync_refused += 1;
        let retry_after_ms = u32::try_from(wait.as_micros().div_ceil(1000))
            .unwrap_or(u32::MAX)
            .max(1);
        let refusal = SyncAnswer::Refused { retry_after_ms };
        if self
            .swarm
            .behaviour_mut()
            .sync
            .send_response(channel, refusal)
            .is_err()
        {
            tracing::debug!(%peer, "the sync requester went away before the refusal");
        }
    }

    fn on_sync(&mut self, event: request_response::Event<SyncRequest, SyncAnswer>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => self.on_sync_request(peer, request, channel),
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    let ours = self
                        .session
                        .as_ref()
                        .is_some_and(|s| s.request == Some(request_id));
                    if !ours {
                        return;
                    }
                    let response = match response {
                        SyncAnswer::Batch(response) => response,
                        SyncAnswer::Refused { retry_after_ms } => {
                            self.on_refused(peer, retry_after_ms);
                            return;
                        }
                    };
                    let heads: Vec<Head> = response
                        .entries
                        .iter()
                        .filter_map(|w| SignedEntry::decode(&w.entry).ok())
                        .map(|e| Head {
                            author: e.header.author,
                            seq: e.header.seq,
                            id: e.id(),
                        })
                        .collect();
                    let roster_ahead = response.roster.last().map_or(0, |c| c.change.seq);
                    // Ask for the next batch now, as if the batches handed to the worker were
                    // stored: the peer reads it while our worker verifies and writes. At most
                    // one batch waits in the worker, so the pipeline cannot run ahead of it.
                    let mut ahead = None;
                    if let Some(session) = self.session.as_mut() {
                        session.request = None;
                        session.refused_in_a_row = 0;
                        session.more = response.more;
                        let pipeline = response.more
                            && !heads.is_empty()
                            && session.in_worker.is_empty()
                            && session.requests < MAX_REQUESTS_PER_SESSION;
                        if pipeline {
                            ahead = Some(heads.clone());
                        }
                        session.in_worker.push_back(heads);
                    }
                    self.stats.sync_requests += 1;
                    self.stats.sync_entries_received += response.entries.len() as u64;
                    if self.submit(Job::SyncBatch { peer, response }).is_err() {
                        tracing::debug!(%peer, "store worker busy; dropping a sync response");
                        self.end_session(false);
                        return;
                    }
                    if let Some(ahead) = ahead {
                        self.send_sync_request_ahead(ahead, roster_ahead);
                    }
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                tracing::debug!(%peer, %error, "sync request failed");
                if matches!(
                    error,
                    request_response::OutboundFailure::UnsupportedProtocols
                ) {
                    self.no_sync.insert(peer);
                }
                let ours = self
                    .session
                    .as_ref()
                    .is_some_and(|s| s.request == Some(request_id));
                if ours {
                    self.end_session(false);
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "answering a sync request failed");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn on_synced(&mut self, peer: PeerId, report: worker::SyncReport) {
        if let Some(error) = &report.error {
            tracing::debug!(%peer, %error, rejected = report.rejected, "sync batch had problems");
        }
        let progressed = report.progressed();
        self.stats.entries_via_sync += report.stored.len() as u64;
        for stored in report.stored {
            self.arrived(stored, Via::Sync);
        }
        for version in report.roster_applied {
            self.emit(NetEvent::RosterApplied { version });
        }
        for proof in report.forks {
            self.fork_found(proof);
        }
        let Some(session) = self.session.as_mut() else {
            self.end_session(true);
            return;
        };
        if session.peer != peer {
            // A batch from an earlier session with another peer; the current one goes on.
            return;
        }
        session.in_worker.pop_front();
        if progressed && (session.request.is_some() || session.waiting) {
            // A pipelined request is under way; its answer continues the session.
            return;
        }
        let again = session.more
            && progressed
            && self.swarm.is_connected(&peer)
            && session.requests < MAX_REQUESTS_PER_SESSION;
        if again {
            // Claim what still waits in the worker, so the peer does not send it twice.
            let ahead: Vec<Head> = session.in_worker.iter().flatten().copied().collect();
            self.send_sync_request_ahead(ahead, 0);
        } else if !progressed || session.in_worker.is_empty() {
            // Otherwise the last batch is still being stored, and its report ends the session.
            self.end_session(true);
        }
    }

    fn queue_random_peer(&mut self, except: Option<PeerId>) {
        let candidates: Vec<PeerId> = self
            .swarm
            .connected_peers()
            .filter(|p| Some(**p) != except && !self.no_sync.contains(p))
            .copied()
            .collect();
        if candidates.is_empty() {
            return;
        }
        if let Some(pick) = candidates.get(rand::random_range(0..candidates.len())) {
            self.queue_sync(*pick);
        }
    }

    // ----- worker results and housekeeping -----

    fn on_done(&mut self, done: Done) {
        match done {
            Done::Gossip(verdicts) => self.on_gossip_verdicts(verdicts),
            Done::Synced { peer, report } => self.on_synced(peer, report),
            Done::Served {
                peer,
                channel,
                response,
                we_lack,
            } => {
                self.stats.sync_served += 1;
                if let Some(n) = self.serving.get_mut(&peer) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        self.serving.remove(&peer);
                    }
                }
                if self
                    .swarm
                    .behaviour_mut()
                    .sync
                    .send_response(channel, SyncAnswer::Batch(response))
                    .is_err()
                {
                    tracing::debug!(%peer, "the sync requester went away before the answer");
                }
                if we_lack {
                    self.queue_sync(peer);
                }
            }
            Done::Reingested(report) => {
                self.reingest_running = false;
                self.stats.entries_via_held += report.stored.len() as u64;
                for stored in report.stored {
                    self.arrived(stored, Via::Held);
                }
                for proof in report.forks {
                    self.fork_found(proof);
                }
                if report.dropped > 0 {
                    tracing::debug!(dropped = report.dropped, "held entries dropped after sync");
                }
                for held in report.still_held {
                    self.hold(held);
                }
            }
        }
    }

    fn on_tick(&mut self) {
        let now = Instant::now();
        self.sync_not_before.retain(|_, until| *until > now);
        let expired: Vec<PeerId> = self
            .bans
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(peer, _)| *peer)
            .collect();
        for peer in expired {
            self.bans.remove(&peer);
            self.swarm.behaviour_mut().blocked.unblock_peer(peer);
        }
        let before = self.held.len();
        self.held.retain(|h| now.duration_since(h.since) < HELD_TTL);
        if self.held.len() != before {
            self.held_bytes = self.held.iter().map(held_size).sum();
        }
        let connected = self.swarm.connected_peers().count();
        if connected == 0 {
            self.dial_bootstrap();
            return;
        }
        if connected < self.config.target_peers {
            // Redial bootstrap peers we lost, when their peer id tells us who they are.
            for addr in self.config.bootstrap.clone() {
                if let Some(peer) = peer_of(&addr) {
                    if !self.swarm.is_connected(&peer) && !self.bans.contains_key(&peer) {
                        let _ = self.swarm.dial(addr);
                    }
                }
            }
        }
        self.queue_random_peer(None);
    }
}

/// Sleeps until `at`, or forever when there is nothing to wait for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

async fn recv_done(done: &mut Option<mpsc::Receiver<Done>>) -> Option<Done> {
    match done {
        Some(done) => done.recv().await,
        None => std::future::pending().await,
    }
}

fn held_size(held: &Held) -> usize {
    coalition_record::sync::wire_entry_size(&held.wire)
}

fn peer_of(addr: &Multiaddr) -> Option<PeerId> {
    addr.iter().find_map(|p| match p {
        Protocol::P2p(peer) => Some(peer),
        _ => None,
    })
}

fn is_loopback(addr: &Multiaddr) -> bool {
    addr.iter().any(|p| match p {
        Protocol::Ip4(ip) => ip.is_loopback(),
        Protocol::Ip6(ip) => ip.is_loopback(),
        _ => false,
    })
}
