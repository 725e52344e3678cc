//! Connections and misbehaviour: swarm events about peers, dialling, penalties and bans (by peer
//! id and by address).

use super::*;

impl EventLoop {
    // ----- swarm events -----

    pub(super) fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(event)) => self.on_gossip(event),
            SwarmEvent::Behaviour(BehaviourEvent::Sync(event)) => self.on_sync(event),
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received {
                peer_id,
                info,
                ..
            })) => {
                let v2 = info.protocols.contains(&SYNC_PROTOCOL_V2);
                if v2 {
                    self.sync_v2.insert(peer_id);
                } else {
                    self.sync_v2.remove(&peer_id);
                }
                if !v2 && !info.protocols.contains(&SYNC_PROTOCOL) {
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
            SwarmEvent::Behaviour(BehaviourEvent::RelayClient(
                relay::client::Event::ReservationReqAccepted { relay_peer_id, .. },
            )) => {
                tracing::info!(relay = %relay_peer_id, "relay reservation accepted: reachable through the relay");
                self.counters.relay_reservations += 1;
            }
            SwarmEvent::Behaviour(BehaviourEvent::Dcutr(dcutr::Event {
                remote_peer_id,
                result,
            })) => match result {
                Ok(_) => {
                    tracing::info!(peer = %remote_peer_id, "hole punched: direct connection replaces the relayed one");
                    self.counters.hole_punches += 1;
                }
                Err(error) => {
                    tracing::info!(peer = %remote_peer_id, %error, "hole punching failed: staying relayed");
                }
            },
            SwarmEvent::ExternalAddrConfirmed { address } => {
                tracing::info!(%address, "reachable from outside at this address (AutoNAT)");
            }
            SwarmEvent::ConnectionEstablished {
                peer_id,
                num_established,
                endpoint,
                ..
            } => {
                let relayed = endpoint.is_relayed();
                if !relayed {
                    self.listen_through_relay(peer_id);
                }
                let path = self.paths.entry(peer_id).or_default();
                if relayed {
                    path.1 += 1;
                } else {
                    path.0 += 1;
                }
                tracing::info!(
                    peer = %peer_id,
                    addr = %endpoint.get_remote_address(),
                    path = if relayed { "relayed" } else { "direct" },
                    "connected"
                );
                // Only inbound connections count against an address: this node chose whom it
                // dialled.
                if endpoint.is_listener() {
                    if let Some(ip) = ip_of(endpoint.get_remote_address()) {
                        self.peer_ips.entry(peer_id).or_insert(ip);
                    }
                }
                if num_established.get() == 1 {
                    self.queue_sync(peer_id);
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established,
                endpoint,
                ..
            } => {
                if let Some(path) = self.paths.get_mut(&peer_id) {
                    if endpoint.is_relayed() {
                        path.1 = path.1.saturating_sub(1);
                    } else {
                        path.0 = path.0.saturating_sub(1);
                    }
                }
                if num_established > 0 {
                    return;
                }
                self.paths.remove(&peer_id);
                self.no_sync.remove(&peer_id);
                self.sync_v2.remove(&peer_id);
                self.peer_ips.remove(&peer_id);
                let actions = self.sync.on_disconnected(peer_id);
                self.run_sync(actions);
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::info!(%address, "listening");
                // A relay is configured as public: its own addresses are what it tells the
                // nodes it relays for (a relay advertises itself only with external addresses).
                let relayed = address.iter().any(|p| matches!(p, Protocol::P2pCircuit));
                if self.config.relay_server && !is_loopback(&address) && !relayed {
                    self.swarm.add_external_address(address);
                }
            }
            SwarmEvent::ListenerClosed {
                listener_id,
                addresses,
                reason,
            } => {
                // A relay listener closes when its relay goes away: listen again on reconnection.
                self.relay_listeners.retain(|_, id| *id != listener_id);
                tracing::warn!(?addresses, ?reason, "a listener closed");
            }
            SwarmEvent::ListenerError { error, .. } => {
                tracing::warn!(%error, "a listener failed");
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                tracing::debug!(peer = ?peer_id, %error, "dial failed");
            }
            _ => {}
        }
    }

    pub(super) fn wants_more_peers(&self) -> bool {
        self.swarm.connected_peers().count() < self.config.target_peers
    }

    pub(super) fn maybe_dial(&mut self, peer: PeerId) {
        if !self.swarm.is_connected(&peer)
            && !self.offences.is_banned(&peer)
            && self.wants_more_peers()
        {
            let _ = self.swarm.dial(peer);
        }
    }

    pub(super) fn penalise(&mut self, peer: PeerId) {
        let graylisted = self
            .swarm
            .behaviour()
            .gossipsub
            .peer_score(&peer)
            .is_some_and(|score| score < gossip::GRAYLIST_THRESHOLD);
        let ip = self.counted_ip(&peer);
        for action in self.offences.invalid(peer, ip, graylisted, Instant::now()) {
            match action {
                Action::BanPeer { peer, reason } => self.ban(peer, &reason),
                Action::BanAddress { ip, reason } => self.ban_address(ip, &reason),
            }
        }
    }

    /// Gossipsub graylists a peer whose score fell low (invalid messages, control-message abuse
    /// such as grafting during a backoff or unkept IHAVE promises) and then ignores it, but keeps
    /// the connection: end it, and block the peer for a while.
    pub(super) fn disconnect_graylisted(&mut self) {
        let graylisted: Vec<PeerId> = self
            .swarm
            .connected_peers()
            .filter(|peer| {
                self.swarm
                    .behaviour()
                    .gossipsub
                    .peer_score(peer)
                    .is_some_and(|score| score < gossip::GRAYLIST_THRESHOLD)
            })
            .copied()
            .collect();
        for peer in graylisted {
            if !self.offences.is_banned(&peer) {
                self.ban(peer, "gossipsub score below the graylist threshold");
            }
        }
    }

    /// The address `peer` connects from, unless it is exempt from address limits.
    pub(super) fn counted_ip(&self, peer: &PeerId) -> Option<IpAddr> {
        let ip = self.peer_ips.get(peer)?;
        let admission = &self.swarm.behaviour().admission.state;
        (!admission.is_exempt(ip)).then_some(*ip)
    }

    /// Disconnects `peer` and blocks it for the ban duration.
    pub(super) fn ban(&mut self, peer: PeerId, reason: &str) {
        tracing::warn!(%peer, reason, ban = ?self.offences.ban_duration(), "blocking a peer");
        self.sync_limiter.forget(&peer);
        self.offences.ban_peer(peer, Instant::now());
        self.swarm.behaviour_mut().blocked.block_peer(peer);
    }

    /// Refuses connections from `ip` for the ban duration and blocks every peer connected from
    /// it.
    pub(super) fn ban_address(&mut self, ip: IpAddr, reason: &str) {
        let duration = self.offences.ban_duration();
        tracing::warn!(%ip, reason, ban = ?duration, "banning an address");
        self.swarm
            .behaviour_mut()
            .admission
            .state
            .ban(ip, Instant::now(), duration);
        let peers: Vec<PeerId> = self
            .peer_ips
            .iter()
            .filter(|(_, peer_ip)| **peer_ip == ip)
            .map(|(peer, _)| *peer)
            .collect();
        for peer in peers {
            if !self.offences.is_banned(&peer) {
                self.ban(peer, "its address is banned");
            }
        }
    }
}
