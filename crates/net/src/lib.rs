//! Coalition networking.
//!
//! One task owns the libp2p [`Swarm`](libp2p::Swarm) (gossipsub, the `/coalition/sync/1`
//! request-response protocol, Kademlia, identify, ping, mDNS, connection limits); the rest of the
//! node talks to it through a cheap, cloneable [`NetHandle`] (bounded channel, one-shot replies).
//! Every RocksDB call runs on one blocking worker thread, never on the swarm task.
//!
//! - Gossip is the fast path: one topic per coalition, message id = entry id, nothing forwarded
//!   before [`coalition_store::Store::ingest`] accepted it.
//! - Sync is what makes delivery certain: on connect and every `sync_interval`, a node sends its
//!   frontier to a peer, which answers with what the node lacks in bounded batches. The decisions
//!   are in [`coalition_record::sync`].
//! - Rate limits bound what one peer or one author can make a node do: inbound sync requests per
//!   peer (refused over the limit, banned for ignoring the retry time) and new gossiped entries
//!   per author (ignored over the limit, fetched later by sync). The decisions are in [`limits`].

#![warn(missing_docs, unreachable_pub)]

mod admission;
mod behaviour;
mod codec;
mod config;
mod counters;
mod error;
mod event_loop;
pub mod gossip;
mod gossip_jobs;
mod held;
mod ingest;
mod jobs;
pub mod limits;
mod metrics;
mod offences;
mod sync_session;
mod verdict;
mod worker;

pub use codec::{
    SyncAnswer, SyncCodec, SyncRequest, SyncResponse, SYNC_PROTOCOL, SYNC_PROTOCOL_V2,
};
pub use config::{
    generate_keypair, load_or_create_keypair, NetConfig, DEFAULT_AUTHOR_GOSSIP_RATE,
    DEFAULT_SYNC_REQUEST_RATE, MAX_GOSSIP_MESSAGE_BYTES,
};
pub use counters::NetCounters;
pub use error::NetError;
pub use gossip::GossipMessage;
pub use libp2p::{identity::Keypair, Multiaddr, PeerId};
pub use limits::Rate;
pub use metrics::LatestStatus;

use coalition_record::{EntryId, PublicKey, SignedRosterChange, WireEntry};
use coalition_store::Store;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::SystemTime;
use tokio::sync::{broadcast, mpsc, oneshot};

/// How an entry reached this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A gossipsub message, stored before it was forwarded.
    Gossip,
    /// A batch of a sync response (`/coalition/sync/1`).
    Sync,
    /// Held back (gap or unknown author) and stored once what it needed arrived.
    Held,
}

/// What the network task tells observers. Sent on a bounded broadcast channel: a slow observer
/// misses events (and sees `RecvError::Lagged`), it never slows the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// An entry from the network was stored (the node's own appends are not reported).
    EntryStored {
        /// The entry id (BLAKE3 of the signed entry).
        id: EntryId,
        /// The city key that signed it.
        author: PublicKey,
        /// Its place in the author's log, from 1.
        seq: u64,
        /// How it arrived.
        via: Via,
    },
    /// A roster change from the network was applied.
    RosterApplied {
        /// The roster version now (the number of changes applied).
        version: u64,
    },
    /// A fork proof was found and verified: the city signed two entries at one seq.
    ForkDetected {
        /// The city key that signed both.
        author: PublicKey,
        /// The seq both entries claim.
        seq: u64,
    },
}

/// What `publish` achieved. Either way the entry is stored locally and sync delivers it later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Handed to gossipsub for at least one peer.
    Sent,
    /// No peer is subscribed yet.
    NoPeers,
    /// The same message was published before.
    Duplicate,
}

/// A snapshot of the network task's state and counters.
#[derive(Debug, Clone)]
pub struct NetStatus {
    /// This node's peer id (from its transport key, not the city key).
    pub peer_id: PeerId,
    /// Addresses the swarm listens on now.
    pub listen_addrs: Vec<Multiaddr>,
    /// Peers with at least one established connection.
    pub connected_peers: Vec<PeerId>,
    /// Peers in this node's gossipsub mesh for the coalition topic.
    pub mesh_peers: usize,
    /// Entries in the store, every city's log (the node's own appends included).
    pub entries_held: u64,
    /// Roster changes applied (0 before the first).
    pub roster_version: u64,
    /// When an entry last arrived from the network and was stored.
    pub last_arrival: Option<SystemTime>,
    /// Entries held back waiting for predecessors or roster changes.
    pub held_entries: usize,
    /// Peers blocked now (invalid messages or sync flooding).
    pub banned_peers: usize,
    /// Addresses refused now (their peer ids together sent too many invalid messages).
    pub banned_addresses: usize,
    /// Addresses AutoNAT confirmed peers can reach this node at (none: not reachable directly,
    /// or not confirmed yet).
    pub external_addrs: Vec<Multiaddr>,
    /// Connected peers whose every connection goes through a relay.
    pub relayed_peers: usize,
    /// What the network task counted since it started.
    pub counters: NetCounters,
}

pub(crate) enum Command {
    Publish {
        message: GossipMessage,
        reply: oneshot::Sender<Result<Delivery, NetError>>,
    },
    Status {
        reply: oneshot::Sender<NetStatus>,
    },
    Dial {
        addr: Multiaddr,
        reply: oneshot::Sender<Result<(), NetError>>,
    },
    SyncNow {
        reply: oneshot::Sender<usize>,
    },
    Shutdown {
        reply: oneshot::Sender<()>,
    },
}

/// The rest of the node's way to the network task. Cheap to clone.
#[derive(Clone)]
pub struct NetHandle {
    peer_id: PeerId,
    commands: mpsc::Sender<Command>,
    events: broadcast::Sender<NetEvent>,
}

impl NetHandle {
    /// This node's peer id (fixed for the handle's life, no round trip to the task).
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> Result<T, NetError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(make(reply))
            .await
            .map_err(|_| NetError::Closed)?;
        answer.await.map_err(|_| NetError::Closed)
    }

    /// Gossips an entry the node has already stored (e.g. from `Store::append_local`).
    pub async fn publish(&self, entry: WireEntry) -> Result<Delivery, NetError> {
        self.publish_message(GossipMessage::Entry(entry)).await
    }

    /// Gossips a roster change the node has already applied.
    pub async fn publish_roster(&self, change: SignedRosterChange) -> Result<Delivery, NetError> {
        self.publish_message(GossipMessage::Roster(change)).await
    }

    /// Gossips any message as is: an entry, a roster change or a fork proof.
    pub async fn publish_message(&self, message: GossipMessage) -> Result<Delivery, NetError> {
        self.request(|reply| Command::Publish { message, reply })
            .await?
    }

    /// A snapshot of the task's state and counters (counters count since the task started).
    pub async fn status(&self) -> Result<NetStatus, NetError> {
        self.request(|reply| Command::Status { reply }).await
    }

    /// Dials `addr` (a `/p2p/<peer id>` suffix is optional).
    pub async fn dial(&self, addr: Multiaddr) -> Result<(), NetError> {
        self.request(|reply| Command::Dial { addr, reply }).await?
    }

    /// Queues a sync round with every connected peer; returns how many were queued.
    pub async fn sync_now(&self) -> Result<usize, NetError> {
        self.request(|reply| Command::SyncNow { reply }).await
    }

    /// Stops the network task and waits until its store worker has finished, so the caller may
    /// drop the store and reopen the directory.
    pub async fn shutdown(&self) -> Result<(), NetError> {
        self.request(|reply| Command::Shutdown { reply }).await
    }

    /// Events from now on ("entry stored", roster applied, fork detected).
    pub fn subscribe(&self) -> broadcast::Receiver<NetEvent> {
        self.events.subscribe()
    }
}

/// Builds the swarm, starts listening (waiting until every listen address is bound), dials the
/// bootstrap peers and spawns the network task. The store must be open for writing.
///
/// libp2p's own metrics (gossipsub: mesh, messages with and without duplicates, scores) are
/// registered in `registry` under the prefix `libp2p_`; they are live, so the registry may be
/// encoded at any time afterwards. The network task's own figures are in [`NetStatus`], which
/// [`LatestStatus`] serves as metrics.
pub async fn spawn(
    config: NetConfig,
    store: Arc<Store>,
    registry: &mut Registry,
) -> Result<(NetHandle, tokio::task::JoinHandle<()>), NetError> {
    event_loop::spawn(config, store, registry).await
}
