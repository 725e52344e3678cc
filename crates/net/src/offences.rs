//! Who misbehaved, and what follows: invalid messages counted per peer id and per address, peer
//! bans with an expiry. Fresh peer ids cost nothing to make, so an address whose ids together
//! send too many invalid messages is banned as a whole. Plain data with the clock passed in; the
//! event loop carries out the [`Action`]s (disconnect, block, refuse the address).

use libp2p::PeerId;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Peers and addresses with a running count; past this the oldest counts are forgotten.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone)]
pub(crate) struct OffencePolicy {
    /// Invalid messages from one peer id before it is banned.
    pub max_per_peer: u32,
    /// Invalid messages from all peer ids of one address, within `window`, before the address is
    /// banned.
    pub max_per_ip: u32,
    pub window: Duration,
    pub ban_duration: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    BanPeer { peer: PeerId, reason: String },
    BanAddress { ip: IpAddr, reason: String },
}

#[derive(Debug)]
pub(crate) struct Offences {
    policy: OffencePolicy,
    per_peer: HashMap<PeerId, u32>,
    /// Count and when the counting window started.
    per_ip: HashMap<IpAddr, (u32, Instant)>,
    peer_bans: HashMap<PeerId, Instant>,
}

impl Offences {
    pub(crate) fn new(policy: OffencePolicy) -> Self {
        Offences {
            policy,
            per_peer: HashMap::new(),
            per_ip: HashMap::new(),
            peer_bans: HashMap::new(),
        }
    }

    pub(crate) fn ban_duration(&self) -> Duration {
        self.policy.ban_duration
    }

    /// `peer` (connected from `ip`, `None` for an exempt address) sent an invalid message.
    /// `graylisted`: gossipsub's score already ignores it, so it would never reach the count.
    pub(crate) fn invalid(
        &mut self,
        peer: PeerId,
        ip: Option<IpAddr>,
        graylisted: bool,
        now: Instant,
    ) -> Vec<Action> {
        let mut actions = Vec::new();
        if self.per_peer.len() >= MAX_TRACKED && !self.per_peer.contains_key(&peer) {
            self.per_peer.clear();
        }
        let count = self.per_peer.entry(peer).or_insert(0);
        *count += 1;
        let count = *count;
        if count >= self.policy.max_per_peer || graylisted {
            actions.push(Action::BanPeer {
                peer,
                reason: format!("{count} invalid message(s), graylisted: {graylisted}"),
            });
        }
        if let Some(ip) = ip {
            if self.per_ip.len() >= MAX_TRACKED && !self.per_ip.contains_key(&ip) {
                let window = self.policy.window;
                self.per_ip
                    .retain(|_, (_, since)| now.duration_since(*since) < window);
                if self.per_ip.len() >= MAX_TRACKED {
                    self.per_ip.clear();
                }
            }
            let (n, since) = self.per_ip.entry(ip).or_insert((0, now));
            if now.duration_since(*since) >= self.policy.window {
                *n = 0;
                *since = now;
            }
            *n += 1;
            if *n >= self.policy.max_per_ip {
                let n = *n;
                self.per_ip.remove(&ip);
                actions.push(Action::BanAddress {
                    ip,
                    reason: format!(
                        "{n} invalid messages within {} s from its peer ids together",
                        self.policy.window.as_secs()
                    ),
                });
            }
        }
        actions
    }

    /// Records a ban of `peer` until `now + ban_duration`; its count starts again after.
    pub(crate) fn ban_peer(&mut self, peer: PeerId, now: Instant) {
        self.per_peer.remove(&peer);
        self.peer_bans.insert(peer, now + self.policy.ban_duration);
    }

    pub(crate) fn is_banned(&self, peer: &PeerId) -> bool {
        self.peer_bans.contains_key(peer)
    }

    pub(crate) fn banned_peers(&self) -> usize {
        self.peer_bans.len()
    }

    /// Ends the bans that are over; returns the peers to unblock.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<PeerId> {
        let over: Vec<PeerId> = self
            .peer_bans
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(peer, _)| *peer)
            .collect();
        for peer in &over {
            self.peer_bans.remove(peer);
        }
        over
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn offences() -> Offences {
        Offences::new(OffencePolicy {
            max_per_peer: 3,
            max_per_ip: 10,
            window: Duration::from_secs(600),
            ban_duration: Duration::from_secs(60),
        })
    }

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9));

    #[test]
    fn a_peer_is_banned_at_its_limit() {
        let mut o = offences();
        let peer = PeerId::random();
        let now = Instant::now();
        assert!(o.invalid(peer, Some(IP), false, now).is_empty());
        assert!(o.invalid(peer, Some(IP), false, now).is_empty());
        assert!(matches!(
            o.invalid(peer, Some(IP), false, now).as_slice(),
            [Action::BanPeer { .. }]
        ));
    }

    #[test]
    fn graylisted_peers_are_banned_at_once() {
        let mut o = offences();
        let peer = PeerId::random();
        assert!(matches!(
            o.invalid(peer, None, true, Instant::now()).as_slice(),
            [Action::BanPeer { .. }]
        ));
    }

    #[test]
    fn fresh_ids_from_one_address_get_the_address_banned() {
        let mut o = offences();
        let now = Instant::now();
        let mut address_banned_after = None;
        for i in 1..=20u32 {
            // Two invalid messages per fresh id: below the per-peer limit.
            let peer = PeerId::random();
            let mut actions = o.invalid(peer, Some(IP), false, now);
            actions.extend(o.invalid(peer, Some(IP), false, now));
            assert!(!actions.iter().any(|a| matches!(a, Action::BanPeer { .. })));
            if actions
                .iter()
                .any(|a| matches!(a, Action::BanAddress { .. }))
            {
                address_banned_after = Some(i * 2);
                break;
            }
        }
        assert_eq!(address_banned_after, Some(10));
    }

    #[test]
    fn exempt_addresses_and_old_offences_do_not_add_up() {
        let mut o = offences();
        let now = Instant::now();
        for _ in 0..50 {
            assert!(o.invalid(PeerId::random(), None, false, now).is_empty());
        }
        for i in 0..9 {
            assert!(
                o.invalid(PeerId::random(), Some(IP), false, now).is_empty(),
                "{i}"
            );
        }
        // The window ended: counting starts again.
        let later = now + Duration::from_secs(601);
        assert!(o
            .invalid(PeerId::random(), Some(IP), false, later)
            .is_empty());
    }

    #[test]
    fn bans_expire() {
        let mut o = offences();
        let peer = PeerId::random();
        let now = Instant::now();
        o.ban_peer(peer, now);
        assert!(o.is_banned(&peer));
        assert!(o.expire(now + Duration::from_secs(59)).is_empty());
        assert_eq!(o.expire(now + Duration::from_secs(60)), vec![peer]);
        assert!(!o.is_banned(&peer));
    }
}
