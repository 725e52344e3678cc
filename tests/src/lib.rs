//! Shared fixtures for the multi-node tests: a coalition (charter, one committee key, N admitted
//! cities), nodes with their own store in a temp dir running real swarms on loopback, a raw
//! gossipsub peer that publishes whatever bytes it is given, a raw sync peer that sends sync
//! requests as fast as it likes, and wait helpers that time out and say what they were waiting
//! for.

use anyhow::{anyhow, bail, Context, Result};
use coalition_net::gossip::{self, GossipSettings};
use coalition_net::{Multiaddr, NetConfig, NetHandle, NetStatus, PeerId};
use coalition_record::limits::MAX_PAYLOAD_BYTES;
use coalition_record::{
    Charter, EntryId, LangText, NetworkId, Payload, Period, Practice, RosterAction, RosterChange,
    SecretKey, SignedEntry, SignedRosterChange, WireEntry, FORMAT_VERSION,
};
use coalition_store::Store;
use futures::StreamExt;
use libp2p::swarm::SwarmEvent;
use prometheus_client::registry::Registry;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

pub const CREATED_MS: i64 = 1_700_000_000_000;

/// A test coalition: one committee key (threshold 1) and `n` admitted cities.
pub struct Coalition {
    pub charter: Charter,
    pub committee: SecretKey,
    /// Every committee key (the first is `committee`).
    pub committee_keys: Vec<SecretKey>,
    pub cities: Vec<SecretKey>,
    pub roster: Vec<SignedRosterChange>,
}

impl Coalition {
    pub fn new(n: usize) -> Result<Self> {
        Self::with_committee(n, 1, 1)
    }

    /// `n` admitted cities; `members` committee keys of which `threshold` sign each change.
    pub fn with_committee(n: usize, members: usize, threshold: u8) -> Result<Self> {
        let committee_keys: Vec<SecretKey> = (0..members)
            .map(|i| SecretKey::from_seed([200u8.wrapping_add(i as u8); 32]))
            .collect();
        let committee = committee_keys
            .first()
            .cloned()
            .ok_or_else(|| anyhow!("a committee needs a key"))?;
        let charter = Charter::new(
            "Network Test Coalition",
            committee_keys.iter().map(|k| k.public()).collect(),
            threshold,
            CREATED_MS,
        )?;
        let network_id = charter.network_id();
        let cities: Vec<SecretKey> = (0..n)
            .map(|i| {
                let mut seed = [0u8; 32];
                seed[..8].copy_from_slice(&(i as u64 + 1).to_be_bytes());
                SecretKey::from_seed(seed)
            })
            .collect();
        let mut roster = Vec::new();
        let mut prev = None;
        for (i, city) in cities.iter().enumerate() {
            let mut signed = SignedRosterChange::unsigned(RosterChange {
                version: FORMAT_VERSION,
                network_id,
                seq: i as u64 + 1,
                prev,
                timestamp_ms: CREATED_MS,
                action: RosterAction::Admit {
                    city: city.public(),
                    name: city_name(i),
                    country: "FR".into(),
                },
            });
            for key in committee_keys.iter().take(usize::from(threshold)) {
                signed.sign_with(key);
            }
            prev = Some(signed.id());
            roster.push(signed);
        }
        Ok(Coalition {
            charter,
            committee,
            committee_keys,
            cities,
            roster,
        })
    }

    /// The change after the current roster file (`self.roster`), signed by the committee keys at
    /// `signers` (indexes; repeats allowed: they add the same key's signature again).
    pub fn next_change(&self, action: RosterAction, signers: &[usize]) -> SignedRosterChange {
        let mut signed = SignedRosterChange::unsigned(RosterChange {
            version: FORMAT_VERSION,
            network_id: self.network_id(),
            seq: self.roster.len() as u64 + 1,
            prev: self.roster.last().map(|c| c.id()),
            timestamp_ms: CREATED_MS,
            action,
        });
        let message = signed.change.signing_message();
        for &i in signers {
            if let Some(key) = self.committee_keys.get(i) {
                signed
                    .signatures
                    .push(coalition_record::roster::CommitteeSignature {
                        signer: key.public(),
                        signature: key.sign(&message),
                    });
            }
        }
        signed
    }

    /// Appends a change to the roster every store created from now on applies.
    pub fn push_change(&mut self, change: SignedRosterChange) {
        self.roster.push(change);
    }

    pub fn network_id(&self) -> NetworkId {
        self.charter.network_id()
    }

    /// A new store in `dir` with the whole roster applied.
    pub fn create_store(&self, dir: &Path) -> Result<Arc<Store>> {
        let store = Store::create(dir, &self.charter)?;
        for change in &self.roster {
            store.apply_roster_change(change)?;
        }
        Ok(Arc::new(store))
    }

    /// Signs entry `seq` of city `city` without storing it (`prev` is the id of entry seq-1).
    pub fn sign_entry(
        &self,
        city: usize,
        seq: u64,
        prev: Option<EntryId>,
        payload: &Payload,
    ) -> Result<WireEntry> {
        let key = self
            .cities
            .get(city)
            .ok_or_else(|| anyhow!("no city {city}"))?;
        let (entry, blob) =
            SignedEntry::create(key, self.network_id(), seq, prev, CREATED_MS, payload);
        Ok(WireEntry::new(&entry, Some(blob)))
    }
}

pub fn city_name(i: usize) -> String {
    format!("City {}", i + 1)
}

fn text(lang: &str, value: impl Into<String>) -> LangText {
    [(lang.to_string(), value.into())].into_iter().collect()
}

/// A small practice of city `city`, numbered `n`.
pub fn practice(city: usize, n: usize) -> Payload {
    Payload::Practice(Practice {
        title: text("en", format!("Practice {n} of {}", city_name(city))),
        summary: text("en", "Paired testing of rental agencies."),
        body: LangText::new(),
        rationale: LangText::new(),
        approach: LangText::new(),
        results: LangText::new(),
        transferability: LangText::new(),
        commitments: vec![3, 7],
        themes: vec!["housing".into()],
        target_groups: Vec::new(),
        partners: Vec::new(),
        city: city_name(city),
        country: "FR".into(),
        period: Period {
            start: "2024-01".into(),
            end: None,
        },
        links: Vec::new(),
        contact: None,
        illustrative: true,
        grounds: Vec::new(),
        partner_types: Vec::new(),
    })
}

/// Practice `n` of `city` whose encoded payload is exactly `target` bytes (at most
/// MAX_PAYLOAD_BYTES).
pub fn big_practice(city: usize, n: usize, target: usize) -> Result<Payload> {
    const LANGS: [&str; 5] = ["en", "fr", "de", "es", "it"];
    let base = practice(city, n);
    let Payload::Practice(mut p) = base else {
        bail!("practice() made something else");
    };
    let fixed = Payload::Practice(p.clone()).to_bytes().len();
    let mut remaining = target.saturating_sub(fixed + 64);
    for lang in LANGS {
        let n = remaining.min(60_000);
        if n == 0 {
            break;
        }
        p.body.insert(lang.into(), "x".repeat(n));
        remaining -= n;
    }
    // Trim or pad the last body text until the encoding is exactly `target` bytes.
    for _ in 0..8 {
        let size = Payload::Practice(p.clone()).to_bytes().len();
        if size == target {
            break;
        }
        let last = p
            .body
            .values_mut()
            .last()
            .ok_or_else(|| anyhow!("target too small"))?;
        if size > target {
            let cut = (size - target).min(last.len());
            last.truncate(last.len() - cut);
        } else {
            last.push_str(&"y".repeat(target - size));
        }
    }
    let payload = Payload::Practice(p);
    let size = payload.to_bytes().len();
    if size != target || size > MAX_PAYLOAD_BYTES {
        bail!("big practice is {size} bytes, wanted {target}");
    }
    payload.validate()?;
    Ok(payload)
}

/// Test network settings: loopback TCP on an ephemeral port, fast heartbeat and sync.
pub fn test_config(sync_interval: Duration) -> Result<NetConfig> {
    let mut config = NetConfig::for_tests(coalition_net::generate_keypair()?);
    config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse()?];
    config.sync_interval = sync_interval;
    Ok(config)
}

/// A running node: its store, its network task and where to dial it.
pub struct Node {
    pub name: String,
    pub dir: PathBuf,
    pub store: Arc<Store>,
    pub handle: NetHandle,
    pub task: tokio::task::JoinHandle<()>,
    /// A listen address with the `/p2p/<peer id>` suffix.
    pub addr: Multiaddr,
    pub config: NetConfig,
    /// libp2p's own metrics (gossipsub), live.
    pub libp2p_registry: Arc<Registry>,
}

impl Node {
    /// Spawns the network on `store` with `config`.
    pub async fn start(
        name: &str,
        dir: &Path,
        store: Arc<Store>,
        config: NetConfig,
    ) -> Result<Node> {
        let mut registry = Registry::default();
        let (handle, task) = coalition_net::spawn(config.clone(), store.clone(), &mut registry)
            .await
            .with_context(|| format!("starting node {name}"))?;
        let status = handle.status().await?;
        let listen = status
            .listen_addrs
            .first()
            .cloned()
            .ok_or_else(|| anyhow!("node {name} listens nowhere"))?;
        let addr = listen.with(libp2p::multiaddr::Protocol::P2p(handle.peer_id()));
        Ok(Node {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            store,
            handle,
            task,
            addr,
            config,
            libp2p_registry: Arc::new(registry),
        })
    }

    /// libp2p's own metrics (gossipsub: mesh, messages with and without duplicates, scores) in
    /// the OpenMetrics text format, names prefixed `libp2p_`.
    pub fn libp2p_metrics(&self) -> Result<String> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.libp2p_registry)?;
        Ok(text)
    }

    pub fn peer_id(&self) -> PeerId {
        self.handle.peer_id()
    }

    pub async fn status(&self) -> Result<NetStatus> {
        Ok(self.handle.status().await?)
    }

    /// Appends a practice of `city` to this node's store and gossips it.
    pub async fn publish_practice(&self, key: &SecretKey, payload: &Payload) -> Result<EntryId> {
        let store = self.store.clone();
        let key = key.clone();
        let payload = payload.clone();
        let entry =
            tokio::task::spawn_blocking(move || store.append_local(&key, &payload, CREATED_MS))
                .await??;
        self.handle.publish(entry.to_wire()).await?;
        Ok(entry.id())
    }

    /// Stops the network task and releases the store, returning the data directory.
    pub async fn stop(self) -> Result<PathBuf> {
        self.handle.shutdown().await?;
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .map_err(|_| anyhow!("node {} did not stop within 10 s", self.name))??;
        drop(self.store);
        Ok(self.dir)
    }
}

/// Polls `check` every 10 ms until it returns true or `timeout` passes; on timeout the error
/// names `what` and the last `describe`d state.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F) -> Result<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(bool, String)>>,
{
    let start = Instant::now();
    loop {
        let (done, last) = check().await?;
        if done {
            return Ok(start.elapsed());
        }
        if start.elapsed() > timeout {
            let message =
                format!("timed out after {timeout:?} waiting for {what}; last state: {last}");
            eprintln!("{message}");
            bail!(message);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Dials `to` from `from` and waits until they are connected.
pub async fn connect(from: &Node, to: &Node) -> Result<()> {
    from.handle.dial(to.addr.clone()).await?;
    let peer = to.peer_id();
    wait_until(
        &format!("{} connected to {}", from.name, to.name),
        Duration::from_secs(10),
        || async {
            let status = from.status().await?;
            Ok((
                status.connected_peers.contains(&peer),
                format!("{} peers", status.connected_peers.len()),
            ))
        },
    )
    .await?;
    Ok(())
}

/// Waits until every node has at least `min` peers in its gossip mesh.
pub async fn wait_for_mesh(nodes: &[&Node], min: usize, timeout: Duration) -> Result<Duration> {
    wait_until("gossip meshes to form", timeout, || async {
        let mut lacking = Vec::new();
        for node in nodes {
            let status = node.status().await?;
            if status.mesh_peers < min {
                lacking.push(format!("{}: {} mesh peers", node.name, status.mesh_peers));
            }
        }
        Ok((lacking.is_empty(), lacking.join(", ")))
    })
    .await
}

/// Waits until every node holds `id`.
pub async fn wait_for_entry(nodes: &[&Node], id: EntryId, timeout: Duration) -> Result<Duration> {
    wait_until(
        &format!("entry {} on every node", id.short()),
        timeout,
        || async {
            let mut missing = Vec::new();
            for node in nodes {
                if !node.store.contains(&id)? {
                    missing.push(node.name.clone());
                }
            }
            Ok((missing.is_empty(), format!("missing on {missing:?}")))
        },
    )
    .await
}

/// Waits until every node holds `count` entries.
pub async fn wait_for_count(nodes: &[&Node], count: u64, timeout: Duration) -> Result<Duration> {
    wait_until(
        &format!("{count} entries on every node"),
        timeout,
        || async {
            let counts: Vec<String> = nodes
                .iter()
                .map(|n| format!("{}={}", n.name, n.store.entry_count()))
                .collect();
            Ok((
                nodes.iter().all(|n| n.store.entry_count() == count),
                counts.join(" "),
            ))
        },
    )
    .await
}

/// A bare gossipsub peer with the coalition's gossip settings and none of its validation: it
/// publishes whatever bytes it is given. Plays the rogue.
pub struct RawPeer {
    pub peer_id: PeerId,
    commands: mpsc::Sender<RawCommand>,
    subscribed: watch::Receiver<usize>,
    task: tokio::task::JoinHandle<()>,
}

enum RawCommand {
    Dial(Multiaddr),
    Publish(Vec<u8>, tokio::sync::oneshot::Sender<Result<(), String>>),
}

/// A bare swarm over TCP (Noise, Yamux) with a fresh identity, for the hand-driven peers below.
fn raw_swarm<B: libp2p::swarm::NetworkBehaviour>(behaviour: B) -> Result<libp2p::Swarm<B>> {
    Ok(
        libp2p::SwarmBuilder::with_existing_identity(coalition_net::generate_keypair()?)
            .with_tokio()
            .with_tcp(
                libp2p::tcp::Config::default().nodelay(true),
                libp2p::noise::Config::new,
                libp2p::yamux::Config::default,
            )?
            .with_behaviour(|_| behaviour)?
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build(),
    )
}

impl RawPeer {
    pub fn spawn(network_id: NetworkId) -> Result<RawPeer> {
        let settings = GossipSettings {
            network_id,
            heartbeat: Duration::from_millis(200),
            max_transmit_size: coalition_net::MAX_GOSSIP_MESSAGE_BYTES * 2,
            allow_loopback: true,
            tuning: gossip::GossipTuning::default(),
        };
        let behaviour = gossip::behaviour(&settings, &mut libp2p::metrics::Registry::default())?;
        let mut swarm = raw_swarm(behaviour)?;
        let peer_id = *swarm.local_peer_id();
        let topic = gossip::topic(&network_id);
        let (commands, mut rx) = mpsc::channel::<RawCommand>(16);
        let (sub_tx, subscribed) = watch::channel(0usize);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    event = swarm.select_next_some() => {
                        if let SwarmEvent::Behaviour(libp2p::gossipsub::Event::Subscribed { .. }) = event {
                            sub_tx.send_modify(|n| *n += 1);
                        }
                    }
                    command = rx.recv() => match command {
                        Some(RawCommand::Dial(addr)) => {
                            let _ = swarm.dial(addr);
                        }
                        Some(RawCommand::Publish(bytes, reply)) => {
                            let result = swarm
                                .behaviour_mut()
                                .publish(topic.clone(), bytes)
                                .map(|_| ())
                                .map_err(|e| e.to_string());
                            let _ = reply.send(result);
                        }
                        None => break,
                    },
                }
            }
        });
        Ok(RawPeer {
            peer_id,
            commands,
            subscribed,
            task,
        })
    }

    /// Dials `addr` and waits until the peer there has subscribed to the topic.
    pub async fn connect(&mut self, addr: &Multiaddr) -> Result<()> {
        let before = *self.subscribed.borrow();
        self.commands
            .send(RawCommand::Dial(addr.clone()))
            .await
            .map_err(|_| anyhow!("raw peer stopped"))?;
        tokio::time::timeout(
            Duration::from_secs(10),
            self.subscribed.wait_for(|n| *n > before),
        )
        .await
        .map_err(|_| anyhow!("timed out waiting for {addr} to subscribe to the raw peer"))??;
        Ok(())
    }

    pub async fn publish(&self, bytes: Vec<u8>) -> Result<()> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.commands
            .send(RawCommand::Publish(bytes, reply))
            .await
            .map_err(|_| anyhow!("raw peer stopped"))?;
        answer.await?.map_err(|e| anyhow!("raw publish: {e}"))
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

/// What a [`RawSyncPeer`]'s burst of requests got back.
#[derive(Debug, Clone, Default)]
pub struct HammerTally {
    pub sent: usize,
    /// Answered with a batch (served from the store).
    pub batches: usize,
    /// Entries in those batches.
    pub entries: usize,
    /// Answered with a refusal.
    pub refused: usize,
    /// Failed (stream closed, connection closed, timeout).
    pub failed: usize,
    /// When the target closed the connection, from the first request.
    pub disconnected_after: Option<Duration>,
    pub elapsed: Duration,
    /// Refused as a request for another coalition.
    pub wrong_network: usize,
}

enum SyncCommand {
    Dial(
        Multiaddr,
        PeerId,
        tokio::sync::oneshot::Sender<Result<(), String>>,
    ),
    Hammer {
        peer: PeerId,
        request: coalition_net::SyncRequest,
        total: usize,
        in_flight: usize,
        for_at_most: Duration,
        reply: tokio::sync::oneshot::Sender<HammerTally>,
    },
}

struct Hammer {
    peer: PeerId,
    request: coalition_net::SyncRequest,
    total: usize,
    in_flight: usize,
    outstanding: std::collections::HashSet<libp2p::request_response::OutboundRequestId>,
    connected: bool,
    started: Instant,
    until: Instant,
    tally: HammerTally,
    reply: tokio::sync::oneshot::Sender<HammerTally>,
}

impl Hammer {
    fn top_up(&mut self, sync: &mut libp2p::request_response::Behaviour<coalition_net::SyncCodec>) {
        while self.connected
            && self.outstanding.len() < self.in_flight
            && self.tally.sent < self.total
            && Instant::now() < self.until
        {
            let id = sync.send_request(&self.peer, self.request.clone());
            self.outstanding.insert(id);
            self.tally.sent += 1;
        }
    }

    fn finished(&self) -> bool {
        self.outstanding.is_empty()
            && (!self.connected || self.tally.sent >= self.total || Instant::now() >= self.until)
    }
}

/// A bare peer that speaks only `/coalition/sync/1`: it sends requests without waiting for the
/// retry time it is given, and answers requests made to it with an empty batch. Plays the sync
/// flooder.
pub struct RawSyncPeer {
    pub peer_id: PeerId,
    commands: mpsc::Sender<SyncCommand>,
    task: tokio::task::JoinHandle<()>,
}

impl RawSyncPeer {
    pub fn spawn() -> Result<RawSyncPeer> {
        use libp2p::request_response::{self, Event, Message, ProtocolSupport};
        let codec =
            coalition_net::SyncCodec::new(1024 * 1024, coalition_record::sync::MAX_RESPONSE_BYTES);
        let behaviour = request_response::Behaviour::with_codec(
            codec,
            [(coalition_net::SYNC_PROTOCOL, ProtocolSupport::Full)],
            request_response::Config::default()
                .with_request_timeout(Duration::from_secs(10))
                .with_max_concurrent_streams(64),
        );
        let mut swarm = raw_swarm(behaviour)?;
        let peer_id = *swarm.local_peer_id();
        let (commands, mut rx) = mpsc::channel::<SyncCommand>(16);
        let task = tokio::spawn(async move {
            let mut dials: Vec<(PeerId, tokio::sync::oneshot::Sender<Result<(), String>>)> =
                Vec::new();
            let mut hammer: Option<Hammer> = None;
            let mut tick = tokio::time::interval(Duration::from_millis(50));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    event = swarm.select_next_some() => {
                        match event {
                            SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                                for (_, reply) in dials.extract_if(.., |(p, _)| *p == peer_id) {
                                    let _ = reply.send(Ok(()));
                                }
                            }
                            SwarmEvent::OutgoingConnectionError { peer_id: Some(peer), error, .. } => {
                                for (_, reply) in dials.extract_if(.., |(p, _)| *p == peer) {
                                    let _ = reply.send(Err(error.to_string()));
                                }
                            }
                            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                                if let Some(h) = hammer.as_mut().filter(|h| h.peer == peer_id) {
                                    h.connected = false;
                                    h.tally.disconnected_after.get_or_insert(h.started.elapsed());
                                }
                            }
                            SwarmEvent::Behaviour(Event::Message { message, .. }) => match message {
                                Message::Request { channel, .. } => {
                                    let empty = coalition_net::SyncAnswer::Batch(Default::default());
                                    let _ = swarm.behaviour_mut().send_response(channel, empty);
                                }
                                Message::Response { request_id, response } => {
                                    if let Some(h) = hammer.as_mut() {
                                        if h.outstanding.remove(&request_id) {
                                            match response {
                                                coalition_net::SyncAnswer::Batch(batch) => {
                                                    h.tally.batches += 1;
                                                    h.tally.entries += batch.entries.len();
                                                }
                                                coalition_net::SyncAnswer::Refused { .. } => {
                                                    h.tally.refused += 1;
                                                }
                                                coalition_net::SyncAnswer::WrongNetwork { .. } => {
                                                    h.tally.wrong_network += 1;
                                                }
                                            }
                                        }
                                    }
                                }
                            },
                            SwarmEvent::Behaviour(Event::OutboundFailure { request_id, .. }) => {
                                if let Some(h) = hammer.as_mut() {
                                    if h.outstanding.remove(&request_id) {
                                        h.tally.failed += 1;
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    command = rx.recv() => match command {
                        Some(SyncCommand::Dial(addr, peer, reply)) => match swarm.dial(addr) {
                            Ok(()) => dials.push((peer, reply)),
                            Err(e) => {
                                let _ = reply.send(Err(e.to_string()));
                            }
                        },
                        Some(SyncCommand::Hammer { peer, request, total, in_flight, for_at_most, reply }) => {
                            let started = Instant::now();
                            hammer = Some(Hammer {
                                peer,
                                request,
                                total,
                                in_flight: in_flight.max(1),
                                outstanding: Default::default(),
                                connected: swarm.is_connected(&peer),
                                started,
                                until: started + for_at_most,
                                tally: HammerTally::default(),
                                reply,
                            });
                        }
                        None => break,
                    },
                }
                if let Some(h) = hammer.as_mut() {
                    h.top_up(swarm.behaviour_mut());
                }
                if hammer.as_ref().is_some_and(Hammer::finished) {
                    if let Some(mut h) = hammer.take() {
                        h.tally.elapsed = h.started.elapsed();
                        let _ = h.reply.send(h.tally);
                    }
                }
            }
        });
        Ok(RawSyncPeer {
            peer_id,
            commands,
            task,
        })
    }

    /// Dials `addr` (which must end in `/p2p/<peer id>`); Ok once connected.
    pub async fn connect(&self, addr: &Multiaddr) -> Result<()> {
        let peer = addr
            .iter()
            .find_map(|p| match p {
                libp2p::multiaddr::Protocol::P2p(peer) => Some(peer),
                _ => None,
            })
            .ok_or_else(|| anyhow!("{addr} names no peer"))?;
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.commands
            .send(SyncCommand::Dial(addr.clone(), peer, reply))
            .await
            .map_err(|_| anyhow!("raw sync peer stopped"))?;
        tokio::time::timeout(Duration::from_secs(10), answer)
            .await
            .map_err(|_| anyhow!("timed out dialling {addr}"))??
            .map_err(|e| anyhow!("dialling {addr}: {e}"))
    }

    /// Sends up to `total` copies of `request` to `peer` for at most `for_at_most`, keeping
    /// `in_flight` outstanding and sending the next as soon as one is answered (refusals
    /// included); returns once all sent are answered or the peer closed the connection.
    pub async fn hammer(
        &self,
        peer: PeerId,
        request: coalition_net::SyncRequest,
        total: usize,
        in_flight: usize,
        for_at_most: Duration,
    ) -> Result<HammerTally> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.commands
            .send(SyncCommand::Hammer {
                peer,
                request,
                total,
                in_flight,
                for_at_most,
                reply,
            })
            .await
            .map_err(|_| anyhow!("raw sync peer stopped"))?;
        Ok(answer.await?)
    }

    pub fn stop(self) {
        self.task.abort();
    }
}

/// Prints a line in the test output (shown with `--nocapture` or on failure).
pub fn report(line: impl AsRef<str>) {
    println!("[network] {}", line.as_ref());
}

/// Waits until each node's arrival counters (gossip + sync + held) reach `count`: they follow the
/// store by one message from the store worker to the network task.
pub async fn wait_for_counters(nodes: &[&Node], count: u64, timeout: Duration) -> Result<()> {
    wait_until(&format!("arrival counters at {count}"), timeout, || async {
        let mut states = Vec::new();
        let mut done = true;
        for node in nodes {
            let s = node.status().await?;
            let counted = s.counters.entries_via_gossip
                + s.counters.entries_via_sync
                + s.counters.entries_via_held;
            done &= counted >= count;
            states.push(format!("{}={counted}", node.name));
        }
        Ok((done, states.join(" ")))
    })
    .await?;
    Ok(())
}

/// Runs a test body under a hard timeout.
pub async fn bounded<F: Future<Output = Result<()>>>(
    what: &str,
    limit: Duration,
    body: F,
) -> Result<()> {
    match tokio::time::timeout(limit, body).await {
        Ok(result) => result,
        Err(_) => Err(anyhow!("{what}: the whole test took longer than {limit:?}")),
    }
}

/// `n` fresh temporary directories.
pub fn temp_dirs(n: usize) -> Result<Vec<tempfile::TempDir>> {
    (0..n).map(|_| Ok(tempfile::tempdir()?)).collect()
}

/// Starts one node per directory, node i with store `dirs[i]` and `config(i)`.
pub async fn start_nodes(
    coalition: &Coalition,
    dirs: &[tempfile::TempDir],
    config: impl Fn(usize) -> Result<NetConfig>,
) -> Result<Vec<Node>> {
    let mut nodes = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let store = coalition.create_store(dir.path())?;
        nodes.push(Node::start(&format!("n{i}"), dir.path(), store, config(i)?).await?);
    }
    Ok(nodes)
}

/// Stores `wire` in `node`'s store (as if its city had appended it) and gossips it.
pub async fn inject(node: &Node, wire: WireEntry) -> Result<EntryId> {
    let id = coalition_record::Hash32::of(&wire.entry);
    let outcome = node.store.ingest(vec![wire.clone()])?;
    if !outcome.iter().all(|o| o.is_stored()) {
        bail!("{} did not store the entry: {outcome:?}", node.name);
    }
    node.handle.publish(wire).await?;
    Ok(id)
}

pub mod fuzzing;
