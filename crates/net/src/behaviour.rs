//! The libp2p behaviour every node runs, and the swarm built around it: TCP (Noise, Yamux, with a
//! handshake timeout), QUIC, WebSocket and relayed circuits; connection admission by address,
//! connection limits, gossipsub, the sync protocol, Kademlia, identify, ping, mDNS, and the NAT
//! parts: Circuit Relay v2 (client always, server when configured), DCUtR hole punching and
//! AutoNAT v2 (client always, server beside the relay server).

use crate::admission::{Admission, AdmissionPolicy};
use crate::codec::{SyncCodec, SyncTraffic, SYNC_PROTOCOL, SYNC_PROTOCOL_V2};
use crate::config::NetConfig;
use crate::error::NetError;
use crate::gossip::{self, GossipSettings};
use coalition_record::NetworkId;
use futures::StreamExt;
use libp2p::core::muxing::StreamMuxerBox;
use libp2p::core::upgrade::Version;
use libp2p::core::Transport;
use libp2p::request_response::{self, ProtocolSupport};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    allow_block_list, autonat, connection_limits, dcutr, identify, kad, mdns, noise, ping, relay,
    tcp, yamux, StreamProtocol, Swarm,
};
use std::sync::Arc;
use std::time::Duration;

/// How long an inbound TCP connection may take to finish Noise and Yamux. An idle socket holds a
/// pending slot only this long.
pub(crate) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
const SYNC_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(NetworkBehaviour)]
pub(crate) struct Behaviour {
    /// First, so a banned or crowded address is refused before anything else counts it.
    pub admission: Admission,
    pub limits: connection_limits::Behaviour,
    pub blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    pub gossipsub: libp2p::gossipsub::Behaviour,
    pub sync: request_response::Behaviour<SyncCodec>,
    pub kad: Toggle<kad::Behaviour<kad::store::MemoryStore>>,
    pub identify: identify::Behaviour,
    pub ping: ping::Behaviour,
    pub mdns: Toggle<mdns::tokio::Behaviour>,
    pub relay_client: relay::client::Behaviour,
    pub relay_server: Toggle<relay::Behaviour>,
    pub dcutr: dcutr::Behaviour,
    pub autonat_client: autonat::v2::client::Behaviour,
    pub autonat_server: Toggle<autonat::v2::server::Behaviour>,
}

impl Behaviour {
    fn new(
        key: &libp2p::identity::Keypair,
        relay_client: relay::client::Behaviour,
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
                tuning: config.gossip_tuning,
            },
            registry,
        )?;
        let sync = request_response::Behaviour::with_codec(
            SyncCodec {
                max_request: config.max_sync_request,
                max_response: config.max_sync_response,
                traffic,
            },
            // Version 2 first: multistream-select takes the first protocol both sides list.
            config
                .sync_v2
                .then_some((SYNC_PROTOCOL_V2, ProtocolSupport::Full))
                .into_iter()
                .chain([(SYNC_PROTOCOL, ProtocolSupport::Full)]),
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
            admission: Admission::new(AdmissionPolicy::from_config(config)),
            limits: connection_limits::Behaviour::new(limits),
            blocked: allow_block_list::Behaviour::default(),
            gossipsub,
            sync,
            kad: Toggle::from(kad),
            identify: identify::Behaviour::new(
                identify::Config::new("/coalition/1.0.0".into(), key.public())
                    .with_agent_version(format!("coalition-net/{}", env!("CARGO_PKG_VERSION")))
                    // A relayed address appears after the connection that carries identify: push
                    // it, so peers (and their Kademlia) learn how to reach a node behind NAT.
                    .with_push_listen_addr_updates(true),
            ),
            ping: ping::Behaviour::default(),
            mdns: Toggle::from(mdns),
            relay_client,
            relay_server: Toggle::from(config.relay_server.then(|| {
                let l = &crate::config::RELAY_LIMITS;
                relay::Behaviour::new(
                    peer_id,
                    relay::Config {
                        max_reservations: l.max_reservations,
                        max_reservations_per_peer: l.max_reservations_per_peer,
                        reservation_duration: l.reservation_duration,
                        max_circuits: l.max_circuits,
                        max_circuits_per_peer: l.max_circuits_per_peer,
                        max_circuit_duration: l.max_circuit_duration,
                        max_circuit_bytes: l.max_circuit_bytes,
                        ..relay::Config::default()
                    },
                )
            })),
            dcutr: dcutr::Behaviour::new(peer_id),
            autonat_client: autonat::v2::client::Behaviour::default(),
            autonat_server: Toggle::from(
                config
                    .relay_server
                    .then(autonat::v2::server::Behaviour::default),
            ),
        })
    }
}

pub(crate) async fn build_swarm(
    config: &NetConfig,
    network_id: NetworkId,
    traffic: Arc<SyncTraffic>,
    registry: &mut libp2p::metrics::Registry,
) -> Result<Swarm<Behaviour>, NetError> {
    let transport_error = |e: &dyn std::fmt::Display| NetError::Transport(e.to_string());
    let swarm = libp2p::SwarmBuilder::with_existing_identity(config.keypair.clone())
        .with_tokio()
        .with_quic()
        .with_other_transport(|key| {
            // TCP as `with_tcp` builds it, plus a bound on the whole handshake.
            let noise = noise::Config::new(key)
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?;
            Ok(
                tcp::tokio::Transport::new(tcp::Config::default().nodelay(true))
                    .upgrade(Version::V1Lazy)
                    .authenticate(noise)
                    .multiplex(yamux::Config::default())
                    .timeout(HANDSHAKE_TIMEOUT)
                    .map(|(peer, muxer), _| (peer, StreamMuxerBox::new(muxer))),
            )
        })
        .map_err(|e| transport_error(&e))?
        .with_dns()
        .map_err(|e| transport_error(&e))?
        // `/tcp/443/ws` for networks that let only web ports out.
        .with_websocket(noise::Config::new, yamux::Config::default)
        .await
        .map_err(|e| transport_error(&e))?
        .with_relay_client(noise::Config::new, yamux::Config::default)
        .map_err(|e| transport_error(&e))?
        .with_behaviour(|key, relay_client| {
            Behaviour::new(key, relay_client, config, &network_id, traffic, registry)
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)
        })
        .map_err(|e| transport_error(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    Ok(swarm)
}

/// Polls the swarm until each listen address has reported where it is bound; returns the
/// addresses reported meanwhile.
pub(crate) async fn wait_for_listeners(
    swarm: &mut Swarm<Behaviour>,
    count: usize,
) -> Result<Vec<libp2p::Multiaddr>, NetError> {
    let mut bound = 0;
    let mut addresses = Vec::new();
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
                addresses.push(address);
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
    Ok(addresses)
}
