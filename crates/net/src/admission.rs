//! Connection admission by remote address. A node has a few dozen pending-connection slots; a
//! handful of sockets from one address must not fill them, and a thousand fresh peer ids from one
//! address must cost as much as one. [`AdmissionState`] makes the decisions (plain data, the
//! clock passed in, unit-tested below); [`Admission`] is the thin libp2p behaviour that asks it.
//!
//! Limits apply to inbound connections only: the node chooses whom it dials. Addresses in
//! `exempt` (loopback, when tests run many nodes on one host) are counted by nobody and never
//! banned by address; their peers are still banned by peer id.

use crate::config::NetConfig;
use libp2p::core::transport::PortUse;
use libp2p::core::Endpoint;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{
    dummy, ConnectionClosed, ConnectionDenied, ConnectionId, FromSwarm, ListenFailure,
    NetworkBehaviour, THandler, THandlerInEvent, THandlerOutEvent, ToSwarm,
};
use libp2p::{Multiaddr, PeerId};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Most addresses banned at once; past it the ban that ends soonest is dropped.
pub(crate) const MAX_BANNED_ADDRESSES: usize = 4096;

#[derive(Debug, Clone)]
pub(crate) struct AdmissionPolicy {
    /// Inbound connections from one address still in their handshake.
    pub max_pending_per_ip: u32,
    /// Established inbound connections from one address (a city runs one node; a NAT may hide a
    /// few).
    pub max_established_per_ip: u32,
    pub exempt: HashSet<IpAddr>,
}

impl AdmissionPolicy {
    pub(crate) fn from_config(config: &NetConfig) -> Self {
        let mut exempt = HashSet::new();
        if config.allow_loopback {
            exempt.insert(IpAddr::V4(Ipv4Addr::LOCALHOST));
            exempt.insert(IpAddr::V6(Ipv6Addr::LOCALHOST));
        }
        AdmissionPolicy {
            max_pending_per_ip: config.max_pending_per_ip,
            max_established_per_ip: config.max_connections_per_ip,
            exempt,
        }
    }
}

/// Why an inbound connection was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    Banned { ip: IpAddr, for_secs: u64 },
    TooManyPending { ip: IpAddr, limit: u32 },
    TooManyEstablished { ip: IpAddr, limit: u32 },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Banned { ip, for_secs } => {
                write!(f, "address {ip} is banned for {for_secs} s more")
            }
            Refusal::TooManyPending { ip, limit } => {
                write!(
                    f,
                    "address {ip} already has {limit} connections in their handshake"
                )
            }
            Refusal::TooManyEstablished { ip, limit } => {
                write!(
                    f,
                    "address {ip} already has {limit} established connections"
                )
            }
        }
    }
}

impl std::error::Error for Refusal {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Pending,
    Established,
}

/// Who is connected from where, and which addresses are banned until when.
#[derive(Debug)]
pub(crate) struct AdmissionState {
    policy: AdmissionPolicy,
    connections: HashMap<ConnectionId, (IpAddr, Stage)>,
    pending: HashMap<IpAddr, u32>,
    established: HashMap<IpAddr, u32>,
    banned: HashMap<IpAddr, Instant>,
}

impl AdmissionState {
    pub(crate) fn new(policy: AdmissionPolicy) -> Self {
        AdmissionState {
            policy,
            connections: HashMap::new(),
            pending: HashMap::new(),
            established: HashMap::new(),
            banned: HashMap::new(),
        }
    }

    pub(crate) fn is_exempt(&self, ip: &IpAddr) -> bool {
        self.policy.exempt.contains(ip)
    }

    /// A new inbound connection from `ip`, before its handshake.
    pub(crate) fn admit_pending(
        &mut self,
        id: ConnectionId,
        ip: IpAddr,
        now: Instant,
    ) -> Result<(), Refusal> {
        if self.is_exempt(&ip) {
            return Ok(());
        }
        if let Some(until) = self.banned.get(&ip).copied() {
            if until > now {
                return Err(Refusal::Banned {
                    ip,
                    for_secs: until.duration_since(now).as_secs().max(1),
                });
            }
            self.banned.remove(&ip);
        }
        let limit = self.policy.max_pending_per_ip;
        if self.pending.get(&ip).copied().unwrap_or(0) >= limit {
            return Err(Refusal::TooManyPending { ip, limit });
        }
        *self.pending.entry(ip).or_insert(0) += 1;
        self.connections.insert(id, (ip, Stage::Pending));
        Ok(())
    }

    /// The connection finished its handshake.
    pub(crate) fn admit_established(&mut self, id: ConnectionId) -> Result<(), Refusal> {
        let Some((ip, stage)) = self.connections.get(&id).copied() else {
            return Ok(()); // exempt, or not inbound
        };
        if stage == Stage::Pending {
            decrement(&mut self.pending, &ip);
        }
        let limit = self.policy.max_established_per_ip;
        if self.established.get(&ip).copied().unwrap_or(0) >= limit {
            self.connections.remove(&id);
            return Err(Refusal::TooManyEstablished { ip, limit });
        }
        *self.established.entry(ip).or_insert(0) += 1;
        self.connections.insert(id, (ip, Stage::Established));
        Ok(())
    }

    /// The connection failed, was refused by another part of the node, or closed.
    pub(crate) fn gone(&mut self, id: ConnectionId) {
        match self.connections.remove(&id) {
            Some((ip, Stage::Pending)) => decrement(&mut self.pending, &ip),
            Some((ip, Stage::Established)) => decrement(&mut self.established, &ip),
            None => {}
        }
    }

    /// Bans `ip` until `now + duration` (exempt addresses are never banned). Returns whether it
    /// was banned.
    pub(crate) fn ban(&mut self, ip: IpAddr, now: Instant, duration: Duration) -> bool {
        if self.is_exempt(&ip) {
            return false;
        }
        if self.banned.len() >= MAX_BANNED_ADDRESSES && !self.banned.contains_key(&ip) {
            self.banned.retain(|_, until| *until > now);
            if self.banned.len() >= MAX_BANNED_ADDRESSES {
                let soonest = self
                    .banned
                    .iter()
                    .min_by_key(|(_, until)| **until)
                    .map(|(ip, _)| *ip);
                if let Some(soonest) = soonest {
                    self.banned.remove(&soonest);
                }
            }
        }
        self.banned.insert(ip, now + duration);
        true
    }

    #[cfg(test)]
    pub(crate) fn is_banned(&self, ip: &IpAddr, now: Instant) -> bool {
        self.banned.get(ip).is_some_and(|until| *until > now)
    }

    pub(crate) fn banned_count(&self, now: Instant) -> usize {
        self.banned.values().filter(|until| **until > now).count()
    }

    pub(crate) fn expire(&mut self, now: Instant) {
        self.banned.retain(|_, until| *until > now);
    }
}

fn decrement(counts: &mut HashMap<IpAddr, u32>, ip: &IpAddr) {
    if let Some(n) = counts.get_mut(ip) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            counts.remove(ip);
        }
    }
}

/// The IP address of a multiaddr (`/ip4/…` or `/ip6/…` first), if it has one and the connection
/// is direct. A relayed connection's address starts with the relay's IP, which many honest peers
/// share: it is neither counted nor banned here (the relay limits its own clients by address).
pub(crate) fn ip_of(addr: &Multiaddr) -> Option<IpAddr> {
    if addr.iter().any(|p| matches!(p, Protocol::P2pCircuit)) {
        return None;
    }
    addr.iter().find_map(|p| match p {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(IpAddr::V6(ip)),
        _ => None,
    })
}

/// The behaviour: asks [`AdmissionState`] about every inbound connection.
pub(crate) struct Admission {
    pub state: AdmissionState,
}

impl Admission {
    pub(crate) fn new(policy: AdmissionPolicy) -> Self {
        Admission {
            state: AdmissionState::new(policy),
        }
    }
}

impl NetworkBehaviour for Admission {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = Infallible;

    fn handle_pending_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        _local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        let Some(ip) = ip_of(remote_addr) else {
            return Ok(());
        };
        self.state
            .admit_pending(connection_id, ip, Instant::now())
            .map_err(|refusal| {
                tracing::debug!(%refusal, "inbound connection refused");
                ConnectionDenied::new(refusal)
            })
    }

    fn handle_established_inbound_connection(
        &mut self,
        connection_id: ConnectionId,
        _peer: PeerId,
        _local_addr: &Multiaddr,
        _remote_addr: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        self.state
            .admit_established(connection_id)
            .map_err(ConnectionDenied::new)?;
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _connection_id: ConnectionId,
        _peer: PeerId,
        _addr: &Multiaddr,
        _role_override: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm) {
        match event {
            FromSwarm::ListenFailure(ListenFailure { connection_id, .. })
            | FromSwarm::ConnectionClosed(ConnectionClosed { connection_id, .. }) => {
                self.state.gone(connection_id)
            }
            _ => {}
        }
    }

    fn on_connection_handler_event(
        &mut self,
        _peer: PeerId,
        _connection: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relayed_address_names_no_ip_to_count_or_ban() {
        let direct: Multiaddr = "/ip4/198.51.100.7/udp/7701/quic-v1".parse().expect("addr");
        assert_eq!(ip_of(&direct), Some("198.51.100.7".parse().expect("ip")));
        let relayed: Multiaddr =
            "/ip4/198.51.100.7/tcp/7701/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN/p2p-circuit"
                .parse()
                .expect("addr");
        assert_eq!(
            ip_of(&relayed),
            None,
            "the relay's IP is shared by its clients"
        );
    }

    fn policy() -> AdmissionPolicy {
        AdmissionPolicy {
            max_pending_per_ip: 2,
            max_established_per_ip: 3,
            exempt: [IpAddr::V4(Ipv4Addr::LOCALHOST)].into_iter().collect(),
        }
    }

    fn next_id() -> ConnectionId {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        ConnectionId::new_unchecked(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    #[test]
    fn one_address_cannot_take_more_than_its_pending_slots() {
        let mut state = AdmissionState::new(policy());
        let now = Instant::now();
        let ids: Vec<ConnectionId> = (0..4).map(|_| next_id()).collect();
        assert_eq!(state.admit_pending(ids[0], ip(1), now), Ok(()));
        assert_eq!(state.admit_pending(ids[1], ip(1), now), Ok(()));
        assert_eq!(
            state.admit_pending(ids[2], ip(1), now),
            Err(Refusal::TooManyPending {
                ip: ip(1),
                limit: 2
            })
        );
        // Another address still gets in.
        assert_eq!(state.admit_pending(ids[3], ip(2), now), Ok(()));
        // A handshake that times out frees its slot.
        state.gone(ids[0]);
        assert_eq!(state.admit_pending(ids[2], ip(1), now), Ok(()));
    }

    #[test]
    fn established_connections_per_address_are_capped_and_freed_on_close() {
        let mut state = AdmissionState::new(policy());
        let now = Instant::now();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let id = next_id();
            state.admit_pending(id, ip(1), now).expect("pending");
            state.admit_established(id).expect("established");
            ids.push(id);
        }
        let fourth = next_id();
        state
            .admit_pending(fourth, ip(1), now)
            .expect("a pending slot is free");
        assert_eq!(
            state.admit_established(fourth),
            Err(Refusal::TooManyEstablished {
                ip: ip(1),
                limit: 3
            })
        );
        state.gone(fourth); // the swarm reports the refusal as a listen failure
        state.gone(ids[0]);
        let fifth = next_id();
        state.admit_pending(fifth, ip(1), now).expect("pending");
        assert_eq!(state.admit_established(fifth), Ok(()));
    }

    #[test]
    fn a_banned_address_is_refused_until_the_ban_ends() {
        let mut state = AdmissionState::new(policy());
        let now = Instant::now();
        assert!(state.ban(ip(7), now, Duration::from_secs(60)));
        let id = next_id();
        assert!(matches!(
            state.admit_pending(id, ip(7), now + Duration::from_secs(59)),
            Err(Refusal::Banned { .. })
        ));
        assert_eq!(
            state.admit_pending(id, ip(7), now + Duration::from_secs(61)),
            Ok(())
        );
    }

    #[test]
    fn exempt_addresses_are_neither_counted_nor_banned() {
        let mut state = AdmissionState::new(policy());
        let now = Instant::now();
        let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert!(!state.ban(local, now, Duration::from_secs(60)));
        for _ in 0..10 {
            let id = next_id();
            assert_eq!(state.admit_pending(id, local, now), Ok(()));
            assert_eq!(state.admit_established(id), Ok(()));
        }
    }

    #[test]
    fn the_ban_list_is_bounded() {
        let mut state = AdmissionState::new(policy());
        let now = Instant::now();
        for i in 0..(MAX_BANNED_ADDRESSES as u32 + 10) {
            let ip = IpAddr::V6(Ipv6Addr::from(u128::from(i) + 1));
            state.ban(ip, now, Duration::from_secs(60 + u64::from(i)));
        }
        assert_eq!(state.banned_count(now), MAX_BANNED_ADDRESSES);
        // The newest bans stay; the ones that would end soonest went.
        let newest = IpAddr::V6(Ipv6Addr::from(u128::from(MAX_BANNED_ADDRESSES as u32 + 10)));
        assert!(state.is_banned(&newest, now));
        assert!(!state.is_banned(&IpAddr::V6(Ipv6Addr::from(1u128)), now));
    }
}
