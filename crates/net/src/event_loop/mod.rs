//! The network task: owns the swarm, turns handle commands into swarm calls, hands store work to
//! the worker thread and acts on its results (the rust-libp2p file-sharing example's pattern).

use crate::admission::ip_of;
use crate::behaviour::{build_swarm, wait_for_listeners, Behaviour, BehaviourEvent};
use crate::codec::{SyncAnswer, SyncRequest, SyncTraffic, SYNC_PROTOCOL, SYNC_PROTOCOL_V2};
use crate::config::NetConfig;
use crate::error::NetError;
use crate::gossip::{self, GossipMessage};
use crate::held::HeldQueue;
use crate::jobs::{GossipJob, Held, StoredInfo};
use crate::limits::{Decision, KeyedLimiter, StrikePolicy};
use crate::offences::{Action, OffencePolicy, Offences};
use crate::sync_session::{SyncAction, SyncScheduler};
use crate::verdict::{GossipOutcome, GossipVerdict};
use crate::worker::{self, Done, Job};
use crate::{Command, Delivery, NetCounters, NetEvent, NetHandle, NetStatus, Via};
use coalition_record::sync::{AuthorRange, Frontier, Head};
use coalition_record::ForkProof;
use coalition_record::{Hash32, NetworkId, PublicKey, SignedEntry, WireEntry};
use coalition_store::Store;
use futures::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, PublishError};
use libp2p::multiaddr::Protocol;
use libp2p::request_response::{self, OutboundRequestId, ResponseChannel};
use libp2p::swarm::SwarmEvent;
use libp2p::{dcutr, identify, kad, mdns, relay, Multiaddr, PeerId, Swarm};
use prometheus_client::registry::Registry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{broadcast, mpsc, oneshot};

/// How often connected peers' gossipsub scores are looked at.
const SCORE_CHECK_INTERVAL: Duration = Duration::from_secs(1);
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
/// Peers with sync rate-limit state (connections are capped far below this).
const MAX_LIMITED_PEERS: usize = 1024;
/// Authors with gossip rate-limit state: as many as a frontier may name.
const MAX_LIMITED_AUTHORS: usize = coalition_record::sync::MAX_FRONTIER_AUTHORS;
/// The retry time given when a request is refused because the store worker is busy.
const BUSY_RETRY: Duration = Duration::from_millis(200);
/// Requests of one peer queued for or being served by the store worker. An honest requester has
/// one in flight; a peer that pipelines more is refused as busy, so it cannot fill the worker's
/// queue ahead of everyone else.
const MAX_SERVES_PER_PEER: u32 = 2;

pub(crate) async fn spawn(
    config: NetConfig,
    store: Arc<Store>,
    registry: &mut Registry,
) -> Result<(NetHandle, tokio::task::JoinHandle<()>), NetError> {
    config.validate()?;
    if store.is_read_only() {
        return Err(NetError::Config(
            "the store is open read-only; the network needs to write".into(),
        ));
    }
    let network_id = store.network_id();
    let traffic = Arc::new(SyncTraffic::default());
    let mut swarm = build_swarm(
        &config,
        network_id,
        traffic.clone(),
        registry.sub_registry_with_prefix("libp2p"),
    )
    .await?;
    for addr in &config.listen {
        swarm
            .listen_on(addr.clone())
            .map_err(|e| NetError::Listen {
                addr: addr.to_string(),
                detail: e.to_string(),
            })?;
    }
    let bound = wait_for_listeners(&mut swarm, config.listen.len()).await?;
    if config.relay_server {
        // A relay is configured as public: its own addresses are what it tells the nodes it
        // relays for (a relay serves reservations only once it has external addresses).
        for address in bound.into_iter().filter(|a| !is_loopback(a)) {
            swarm.add_external_address(address);
        }
    }
    let peer_id = *swarm.local_peer_id();
    let (command_tx, command_rx) = mpsc::channel(COMMAND_QUEUE);
    // A std channel: the network task only ever `try_send`s, and the worker's sync stream waits
    // for its next batch with a timeout that needs no runtime timer.
    let (job_tx, job_rx) = std::sync::mpsc::sync_channel(JOB_QUEUE);
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
        counters: NetCounters::default(),
        last_arrival: None,
        traffic,
        sync: SyncScheduler::new(),
        no_sync: HashSet::new(),
        sync_v2: HashSet::new(),
        held: HeldQueue::new(MAX_HELD, MAX_HELD_BYTES, HELD_TTL),
        reingest_running: false,
        rejected: RecentSet::new(REJECTED_MEMORY),
        offences: Offences::new(OffencePolicy {
            max_per_peer: config.max_invalid_messages,
            max_per_ip: config.max_invalid_per_ip,
            window: config.invalid_per_ip_window,
            ban_duration: config.ban_duration,
        }),
        peer_ips: HashMap::new(),
        paths: HashMap::new(),
        relay_listeners: HashMap::new(),
        sync_limiter: KeyedLimiter::with_strikes(
            config.sync_request_rate,
            MAX_LIMITED_PEERS,
            StrikePolicy {
                max_strikes: config.max_sync_strikes,
                window: config.sync_strike_window,
            },
        ),
        author_limiter: KeyedLimiter::new(config.author_gossip_rate, MAX_LIMITED_AUTHORS),
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

struct EventLoop {
    swarm: Swarm<Behaviour>,
    store: Arc<Store>,
    topic: IdentTopic,
    network_id: NetworkId,
    config: NetConfig,
    commands: mpsc::Receiver<Command>,
    jobs: Option<std::sync::mpsc::SyncSender<Job>>,
    done: Option<mpsc::Receiver<Done>>,
    worker: Option<tokio::task::JoinHandle<()>>,
    events: broadcast::Sender<NetEvent>,
    counters: NetCounters,
    /// When an entry last arrived from the network and was stored.
    last_arrival: Option<SystemTime>,
    traffic: Arc<SyncTraffic>,
    /// Outbound sync rounds (one at a time, over up to three peers).
    sync: SyncScheduler<OutboundRequestId>,
    /// Peers that do not speak the sync protocol.
    no_sync: HashSet<PeerId>,
    /// Peers whose identify listed `/coalition/sync/2`: they can fetch a part of the authors.
    sync_v2: HashSet<PeerId>,
    held: HeldQueue,
    reingest_running: bool,
    rejected: RecentSet,
    /// Invalid messages per peer and per address, and peer bans.
    offences: Offences,
    /// Where each peer that connected to this node connects from (inbound connections only).
    peer_ips: HashMap<PeerId, IpAddr>,
    /// Open connections per peer: (direct, relayed).
    paths: HashMap<PeerId, (u32, u32)>,
    /// Relays this node listens through (a reservation each), by relay peer id.
    relay_listeners: HashMap<PeerId, libp2p::core::transport::ListenerId>,
    /// Inbound sync requests per peer.
    sync_limiter: KeyedLimiter<PeerId>,
    /// New gossiped entries per author.
    author_limiter: KeyedLimiter<PublicKey>,
    /// Inbound sync requests handed to the store worker and not answered yet, per peer.
    serving: HashMap<PeerId, u32>,
}

mod gossip_events;
mod peer_events;
mod sync_events;

impl EventLoop {
    async fn run(mut self) {
        let mut tick = tokio::time::interval(self.config.sync_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut score_check = tokio::time::interval(SCORE_CHECK_INTERVAL);
        score_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
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
                _ = sleep_until(self.sync.retry_at()) => self.on_sync_retry(),
                _ = tick.tick() => self.on_tick(),
                _ = score_check.tick() => self.disconnect_graylisted(),
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
        let relays = self
            .config
            .relays
            .iter()
            .filter(|r| !self.config.bootstrap.contains(r))
            .cloned()
            .collect::<Vec<_>>();
        for addr in self.config.bootstrap.clone().into_iter().chain(relays) {
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
                std::sync::mpsc::TrySendError::Full(job)
                | std::sync::mpsc::TrySendError::Disconnected(job) => Box::new(job),
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
        let mut counters = self.counters;
        counters.sync_request_bytes_sent = self.traffic.request_bytes_sent.load(Ordering::Relaxed);
        counters.sync_request_bytes_received =
            self.traffic.request_bytes_received.load(Ordering::Relaxed);
        counters.sync_response_bytes_sent =
            self.traffic.response_bytes_sent.load(Ordering::Relaxed);
        counters.sync_response_bytes_received =
            self.traffic.response_bytes_received.load(Ordering::Relaxed);
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
            last_arrival: self.last_arrival,
            held_entries: self.held.len(),
            banned_peers: self.offences.banned_peers(),
            banned_addresses: self
                .swarm
                .behaviour()
                .admission
                .state
                .banned_count(Instant::now()),
            external_addrs: self.swarm.external_addresses().cloned().collect(),
            relayed_peers: self
                .paths
                .values()
                .filter(|(direct, relayed)| *direct == 0 && *relayed > 0)
                .count(),
            counters,
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
                self.counters.sync_served += 1;
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
                self.counters.entries_via_held += report.stored.len() as u64;
                for stored in report.stored {
                    self.arrived(stored, Via::Held);
                }
                for proof in report.forks {
                    self.fork_found(proof);
                }
                if report.dropped > 0 {
                    tracing::debug!(dropped = report.dropped, "held entries dropped after sync");
                }
                for relay in report.non_member_relays {
                    tracing::debug!(peer = %relay, "relayed an entry of a non-member");
                    self.penalise(relay);
                }
                for held in report.still_held {
                    self.hold(held);
                }
            }
        }
    }

    fn on_tick(&mut self) {
        let now = Instant::now();
        self.sync.expire(now);
        for peer in self.offences.expire(now) {
            self.swarm.behaviour_mut().blocked.unblock_peer(peer);
        }
        self.swarm.behaviour_mut().admission.state.expire(now);
        self.held.expire(now);
        let connected = self.swarm.connected_peers().count();
        if connected == 0 {
            self.dial_bootstrap();
            return;
        }
        if connected < self.config.target_peers {
            // Redial bootstrap peers we lost, when their peer id tells us who they are.
            for addr in self.config.bootstrap.clone() {
                if let Some(peer) = peer_of(&addr) {
                    if !self.swarm.is_connected(&peer) && !self.offences.is_banned(&peer) {
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

impl EventLoop {
    /// Once connected to a configured relay, listens through it (a reservation): peers then
    /// reach this node behind NAT at `RELAY/p2p-circuit/p2p/SELF`. Done on connection rather than
    /// at start, so the reservation rides on the connection already open instead of a second dial
    /// (which libp2p refuses while the first is pending).
    fn listen_through_relay(&mut self, peer: PeerId) {
        if self.relay_listeners.contains_key(&peer) {
            return;
        }
        let Some(relay) = self
            .config
            .relays
            .iter()
            .find(|addr| peer_of(addr) == Some(peer))
            .cloned()
        else {
            return;
        };
        let circuit = relay.with(Protocol::P2pCircuit);
        match self.swarm.listen_on(circuit.clone()) {
            Ok(id) => {
                self.relay_listeners.insert(peer, id);
            }
            Err(e) => tracing::warn!(%circuit, error = %e, "cannot listen through the relay"),
        }
    }
}
