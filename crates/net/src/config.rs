//! Network configuration and the node's transport key file.

use crate::error::NetError;
use crate::limits::Rate;
use coalition_record::limits::MAX_WIRE_ENTRY_BYTES;
use libp2p::identity::Keypair;
use libp2p::Multiaddr;
use std::path::Path;
use std::time::Duration;

/// Largest gossip message: the largest wire entry plus the message's enum tag and slack.
pub const MAX_GOSSIP_MESSAGE_BYTES: usize = MAX_WIRE_ENTRY_BYTES + 64;

/// Inbound sync requests per peer. A catch-up asks one request at a time, as fast as it stores
/// the answers: for 100,000 default-size entries on 2 cores, 273 requests of about 1 MiB in
/// 2.1-3.2 s, 85-130 a second (docs/PERFORMANCE.md). The burst of 400 covers such a catch-up
/// whole, and one of 100,000 entries of 4 KiB; with the earlier burst of 100 the same catch-up
/// was paced at the rate, 3.50 s and 55-61 refusals in every run. A longer catch-up from one peer
/// settles at 50 a second, about 18,000 default-size entries a second; a round that widens to
/// three peers (PROTOCOL.md §14.3) asks each for a third. What one peer can make this node read
/// stays bounded at 400 MiB at once and about 50 MiB/s after (responses of at most 1 MiB).
pub const DEFAULT_SYNC_REQUEST_RATE: Rate = Rate::new(50, 400);

/// New gossiped entries per author. Cities publish a few entries a day; the benchmark publishes
/// 50 a second spread over 30 cities.
pub const DEFAULT_AUTHOR_GOSSIP_RATE: Rate = Rate::new(50, 500);

/// Everything [`spawn`](crate::spawn) needs: key, addresses, discovery, gossip tuning, limits
/// and bans (docs/PROTOCOL.md §14.5). Start from [`NetConfig::new`]; `spawn` refuses an
/// inconsistent one (too small a frame limit, a zero rate...) with [`NetError::Config`].
#[derive(Clone)]
pub struct NetConfig {
    /// The node's libp2p transport key (its peer id). Not the city key.
    pub keypair: Keypair,
    /// e.g. `/ip4/0.0.0.0/tcp/4001` and `/ip4/0.0.0.0/udp/4001/quic-v1`.
    pub listen: Vec<Multiaddr>,
    /// Peers dialled at start and redialled while the node has no connections.
    pub bootstrap: Vec<Multiaddr>,
    /// Discover peers on the LAN (on in the demo, off by default).
    pub mdns: bool,
    /// Kademlia discovery beyond the bootstrap list. Its queries dial the peers they find.
    pub kademlia: bool,
    /// Dial peers found by mDNS or Kademlia while fewer than this many are connected.
    pub target_peers: usize,
    /// How often to run a sync round with a random connected peer.
    pub sync_interval: Duration,
    /// Gossipsub heartbeat (mesh maintenance, gossip emission).
    pub gossip_heartbeat: Duration,
    /// Mesh degree, gossip factor, flood publishing and IDONTWANT (gossipsub 1.2).
    pub gossip_tuning: crate::gossip::GossipTuning,
    /// Most established connections in total (default 64, at least 1).
    pub max_connections: u32,
    /// Most established connections to one peer id (default 2, at least 1).
    pub max_connections_per_peer: u32,
    /// Most connections in their handshake, inbound and outbound each (default 32).
    pub max_pending_connections: u32,
    /// Inbound connections from one address still in their handshake, and established: a few
    /// sockets from one address cannot take every pending slot.
    pub max_pending_per_ip: u32,
    /// Most established inbound connections from one IP address (default 8).
    pub max_connections_per_ip: u32,
    /// Largest gossip message accepted or published; gossipsub's `max_transmit_size` is set to
    /// twice this (gossipsub compares whole read buffers with it).
    pub max_gossip_message: usize,
    /// Largest sync request frame (a frontier).
    pub max_sync_request: usize,
    /// Largest sync response frame.
    pub max_sync_response: usize,
    /// Invalid gossip messages from one peer before it is disconnected and blocked for a while.
    pub max_invalid_messages: u32,
    /// Invalid gossip messages from all peer ids of one address within
    /// `invalid_per_ip_window` before the address is banned: fresh peer ids cost nothing.
    pub max_invalid_per_ip: u32,
    /// The window of `max_invalid_per_ip`, counted from the first invalid message in it (default
    /// 10 min).
    pub invalid_per_ip_window: Duration,
    /// How long a peer that sent too many invalid messages, or kept asking for sync too fast,
    /// stays blocked.
    pub ban_duration: Duration,
    /// Inbound sync requests one peer may make (sustained per second, burst). Over it a request
    /// is refused with a retry time, without touching the store. Default
    /// [`DEFAULT_SYNC_REQUEST_RATE`].
    pub sync_request_rate: Rate,
    /// Refused sync requests sent before the retry time the peer was given: this many within
    /// `sync_strike_window` and the peer is disconnected and blocked for `ban_duration`. A peer
    /// that waits as told is never banned.
    pub max_sync_strikes: u32,
    /// The window of `max_sync_strikes`, counted from the first strike in it (default 10 s).
    pub sync_strike_window: Duration,
    /// New entries of one author (city key) accepted from gossip (sustained per second, burst).
    /// Over it an entry is ignored: not stored now, not forwarded, not punished; sync fetches it.
    /// Default [`DEFAULT_AUTHOR_GOSSIP_RATE`].
    pub author_gossip_rate: Rate,
    /// Tests on one host: whitelist loopback in gossipsub's IP-colocation score and keep loopback
    /// addresses learnt from peers. Off in production.
    pub allow_loopback: bool,
    /// Offer `/coalition/sync/2` (author ranges, several peers at once) beside
    /// `/coalition/sync/1`. Off only to stand in for a node from before version 2 in tests.
    pub sync_v2: bool,
    /// Serve as a relay (Circuit Relay v2) and an AutoNAT server for nodes behind NAT. For a node
    /// with a public address; limits in `RELAY_LIMITS` (config.rs).
    pub relay_server: bool,
    /// Relays to reserve a slot on, each `/…/p2p/RELAY_PEER_ID`: the node listens through them
    /// (`…/p2p-circuit`) so that peers can reach it behind NAT, and hole punching (DCUtR) then
    /// upgrades such connections to direct ones where the NATs allow.
    pub relays: Vec<Multiaddr>,
}

/// What a relay serves to others: enough for peers to meet and sync until hole punching gives
/// them a direct connection, bounded so a relay cannot be used as free bandwidth.
pub(crate) struct RelayLimits {
    pub max_reservations: usize,
    pub max_reservations_per_peer: usize,
    pub reservation_duration: Duration,
    pub max_circuits: usize,
    pub max_circuits_per_peer: usize,
    pub max_circuit_duration: Duration,
    pub max_circuit_bytes: u64,
}

pub(crate) const RELAY_LIMITS: RelayLimits = RelayLimits {
    max_reservations: 256,
    max_reservations_per_peer: 2,
    reservation_duration: Duration::from_secs(3600),
    max_circuits: 128,
    max_circuits_per_peer: 8,
    max_circuit_duration: Duration::from_secs(30 * 60),
    max_circuit_bytes: 256 * 1024 * 1024,
};

impl NetConfig {
    /// Production-leaning defaults: listen on nothing (set `listen`), mDNS off, Kademlia on.
    pub fn new(keypair: Keypair) -> Self {
        NetConfig {
            keypair,
            listen: Vec::new(),
            bootstrap: Vec::new(),
            mdns: false,
            kademlia: true,
            target_peers: 8,
            sync_interval: Duration::from_secs(30),
            gossip_heartbeat: Duration::from_secs(1),
            gossip_tuning: crate::gossip::GossipTuning::default(),
            max_connections: 64,
            max_connections_per_peer: 2,
            max_pending_connections: 32,
            max_pending_per_ip: 4,
            max_connections_per_ip: 8,
            max_gossip_message: MAX_GOSSIP_MESSAGE_BYTES,
            max_sync_request: 1024 * 1024,
            max_sync_response: coalition_record::sync::MAX_RESPONSE_BYTES,
            max_invalid_messages: 5,
            max_invalid_per_ip: 10,
            invalid_per_ip_window: Duration::from_secs(600),
            ban_duration: Duration::from_secs(600),
            sync_request_rate: DEFAULT_SYNC_REQUEST_RATE,
            max_sync_strikes: 10,
            sync_strike_window: Duration::from_secs(10),
            author_gossip_rate: DEFAULT_AUTHOR_GOSSIP_RATE,
            allow_loopback: false,
            sync_v2: true,
            relay_server: false,
            relays: Vec::new(),
        }
    }

    /// For tests on one host: loopback allowed, fast heartbeat and sync, no discovery.
    pub fn for_tests(keypair: Keypair) -> Self {
        let mut config = NetConfig::new(keypair);
        config.listen = vec!["/ip4/127.0.0.1/tcp/0"
            .parse()
            .unwrap_or_else(|_| Multiaddr::empty())];
        config.kademlia = false;
        config.target_peers = 0;
        config.sync_interval = Duration::from_secs(1);
        config.gossip_heartbeat = Duration::from_millis(200);
        config.allow_loopback = true;
        config
    }

    /// gossipsub's `max_transmit_size`.
    pub fn max_transmit_size(&self) -> usize {
        self.max_gossip_message.saturating_mul(2)
    }

    pub(crate) fn validate(&self) -> Result<(), NetError> {
        if self.max_gossip_message < MAX_GOSSIP_MESSAGE_BYTES {
            return Err(NetError::Config(format!(
                "max_gossip_message is {} bytes; it must be at least {MAX_GOSSIP_MESSAGE_BYTES} so the largest entry fits",
                self.max_gossip_message
            )));
        }
        if self.max_sync_response < MAX_WIRE_ENTRY_BYTES + 64 * 1024 {
            return Err(NetError::Config(format!(
                "max_sync_response is {} bytes; it must hold at least one full entry",
                self.max_sync_response
            )));
        }
        if self.max_sync_request < 4096 {
            return Err(NetError::Config(
                "max_sync_request must be at least 4096 bytes".into(),
            ));
        }
        if self.sync_interval < Duration::from_millis(100) {
            return Err(NetError::Config(
                "sync_interval must be at least 100 ms".into(),
            ));
        }
        if self.gossip_heartbeat < Duration::from_millis(50) {
            return Err(NetError::Config(
                "gossip_heartbeat must be at least 50 ms".into(),
            ));
        }
        if !self.sync_request_rate.is_valid() || !self.author_gossip_rate.is_valid() {
            return Err(NetError::Config(
                "rate limits need at least 1 per second and a burst of at least 1".into(),
            ));
        }
        if self.max_sync_strikes == 0 {
            return Err(NetError::Config(
                "max_sync_strikes must be at least 1".into(),
            ));
        }
        if let Some(bad) = self.relays.iter().find(|a| {
            !a.iter()
                .any(|p| matches!(p, libp2p::multiaddr::Protocol::P2p(_)))
        }) {
            return Err(NetError::Config(format!(
                "relay address {bad} must end with /p2p/<the relay's peer id>"
            )));
        }
        if self.max_connections == 0 || self.max_connections_per_peer == 0 {
            return Err(NetError::Config(
                "connection limits must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

impl std::fmt::Debug for NetConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NetConfig")
            .field("peer_id", &self.keypair.public().to_peer_id())
            .field("listen", &self.listen)
            .field("bootstrap", &self.bootstrap)
            .field("mdns", &self.mdns)
            .field("kademlia", &self.kademlia)
            .field("sync_interval", &self.sync_interval)
            .field("max_connections", &self.max_connections)
            .field("sync_request_rate", &self.sync_request_rate)
            .field("author_gossip_rate", &self.author_gossip_rate)
            .field("allow_loopback", &self.allow_loopback)
            .field("relay_server", &self.relay_server)
            .field("relays", &self.relays)
            .finish_non_exhaustive()
    }
}

/// A fresh ed25519 transport key.
pub fn generate_keypair() -> Result<Keypair, NetError> {
    let mut seed: [u8; 32] = rand::random();
    Keypair::ed25519_from_bytes(&mut seed)
        .map_err(|e| NetError::Config(format!("generating a transport key: {e}")))
}

/// Loads the transport key from `path` (64 hex characters of the ed25519 seed), or creates one
/// there with mode 0600 if the file does not exist.
pub fn load_or_create_keypair(path: &Path) -> Result<Keypair, NetError> {
    let key_error = |detail: String| NetError::KeyFile {
        path: path.to_path_buf(),
        detail,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path)?.permissions().mode();
                if mode & 0o077 != 0 {
                    tracing::warn!(
                        path = %path.display(),
                        mode = format!("{:o}", mode & 0o777),
                        "the transport key file is readable by others; chmod 600 it"
                    );
                }
            }
            let mut seed = hex::decode(text.trim())
                .map_err(|e| key_error(format!("not hex ({e}); expected 64 hex characters")))?;
            if seed.len() != 32 {
                return Err(key_error(format!(
                    "expected 64 hex characters, found {}",
                    text.trim().len()
                )));
            }
            Keypair::ed25519_from_bytes(&mut seed).map_err(|e| key_error(e.to_string()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed: [u8; 32] = rand::random();
            let text = format!("{}\n", hex::encode(seed));
            write_new_secret(path, text.as_bytes())?;
            Keypair::ed25519_from_bytes(&mut seed).map_err(|e| key_error(e.to_string()))
        }
        Err(e) => Err(key_error(e.to_string())),
    }
}

fn write_new_secret(path: &Path, bytes: &[u8]) -> Result<(), NetError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| NetError::KeyFile {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Measured honest catch-ups of 100,000 entries: 269 requests, one at a time, in 24.6 s
    /// (11/s, docs/PERFORMANCE.md), after faster ingest in 14.5-16.5 s (~17-19/s), then 273 in
    /// 3.7 s (~74/s), and now 273 in 3.0 s (one every 11 ms). Entries of 4 KiB take about 400
    /// requests. At the default rate none of them is refused.
    #[test]
    fn honest_catch_up_pace_is_never_refused_at_the_default_rate() {
        use crate::limits::{Decision, KeyedLimiter, StrikePolicy};
        use std::time::{Duration, Instant};
        let policy = StrikePolicy {
            max_strikes: 10,
            window: Duration::from_secs(10),
        };
        let t0 = Instant::now();
        let mut limiter = KeyedLimiter::with_strikes(DEFAULT_SYNC_REQUEST_RATE, 16, policy);
        for (requests, pace) in [
            (270, 91),
            (270, 58),
            (270, 29),
            (270, 14),
            (273, 11),
            (400, 8),
        ] {
            let mut now = t0;
            for request in 0..requests {
                assert_eq!(
                    limiter.check(&"honest", now),
                    Decision::Allow,
                    "request {request} of {requests}, one every {pace} ms"
                );
                now += Duration::from_millis(pace);
            }
            limiter.forget(&"honest");
        }
    }

    #[test]
    fn key_file_is_created_once_with_mode_0600_and_reloaded() -> Result<(), NetError> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("transport.key");
        let first = load_or_create_keypair(&path)?;
        let second = load_or_create_keypair(&path)?;
        assert_eq!(first.public(), second.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)?.permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        Ok(())
    }

    #[test]
    fn bad_key_file_is_refused() -> Result<(), NetError> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("transport.key");
        std::fs::write(&path, "abc\n")?;
        assert!(matches!(
            load_or_create_keypair(&path),
            Err(NetError::KeyFile { .. })
        ));
        Ok(())
    }

    #[test]
    fn test_config_validates() -> Result<(), NetError> {
        let config = NetConfig::for_tests(generate_keypair()?);
        config.validate()?;
        assert!(config.max_transmit_size() >= 2 * MAX_WIRE_ENTRY_BYTES);
        Ok(())
    }

    #[test]
    fn zero_rates_are_refused() -> Result<(), NetError> {
        let mut config = NetConfig::for_tests(generate_keypair()?);
        config.sync_request_rate = Rate::new(0, 40);
        assert!(matches!(config.validate(), Err(NetError::Config(_))));
        config.sync_request_rate = DEFAULT_SYNC_REQUEST_RATE;
        config.author_gossip_rate = Rate::new(50, 0);
        assert!(matches!(config.validate(), Err(NetError::Config(_))));
        Ok(())
    }
}
