//! The gossip message, its topic and id, and the gossipsub configuration every node (and a test's
//! raw peer) uses.

use crate::error::NetError;
use coalition_record::ForkProof;
use coalition_record::{Hash32, NetworkId, SignedRosterChange, WireEntry};
use libp2p::gossipsub::{
    self, score_parameter_decay, IdentTopic, MessageAuthenticity, MessageId, PeerScoreParams,
    PeerScoreThresholds, TopicScoreParams, ValidationMode,
};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// What travels on the topic. Postcard-encoded; the variant tag is the first byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum GossipMessage {
    /// A city's entry with its payload.
    Entry(WireEntry),
    /// A committee-signed roster change.
    Roster(SignedRosterChange),
    /// Two signed entries of one city at one seq.
    Fork(ForkProof),
}

impl GossipMessage {
    /// The message's gossip data: its postcard encoding (docs/PROTOCOL.md §14.2).
    pub fn to_bytes(&self) -> Vec<u8> {
        // Plain structs of byte vectors: encoding into a Vec cannot fail.
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// Decodes a message of at most `limit` bytes.
    pub fn decode(bytes: &[u8], limit: usize) -> Result<Self, String> {
        if bytes.len() > limit {
            return Err(format!(
                "gossip message of {} bytes is over the limit of {limit}",
                bytes.len()
            ));
        }
        postcard::from_bytes(bytes).map_err(|e| format!("gossip message does not decode: {e}"))
    }
}

/// `/coalition/<network-id-hex>/entries/1`
pub fn topic(network_id: &NetworkId) -> IdentTopic {
    IdentTopic::new(format!("/coalition/{}/entries/1", network_id.to_hex()))
}

/// The message id: BLAKE3 of the whole message, payload included. Two honest copies of one entry
/// are byte-identical (canonical encoding), so they are one message; a copy with a changed,
/// added or stripped payload is another message, and rejecting it cannot make gossipsub treat the
/// genuine copy, or the honest peers relaying it, as invalid. (Before protocol 1.1 the id was the
/// entry id, which does not cover the payload: PROTOCOL.md §9.2.)
pub fn message_id_of(data: &[u8]) -> Hash32 {
    Hash32::of(data)
}

/// The entry id inside an encoded `GossipMessage::Entry`, read without decoding the payload: the
/// node's own duplicate and rejection checks are by entry.
pub fn entry_id_of(data: &[u8]) -> Option<Hash32> {
    entry_bytes_of(data).map(Hash32::of)
}

/// The entry bytes inside an encoded `GossipMessage::Entry`: tag 0, varint length, bytes.
fn entry_bytes_of(data: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = data.split_first()?;
    if tag != 0 {
        return None;
    }
    let mut len: u64 = 0;
    for (i, &byte) in rest.iter().enumerate().take(10) {
        len |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            let start = i + 1;
            let end = start.checked_add(usize::try_from(len).ok()?)?;
            return rest.get(start..end);
        }
    }
    None
}

fn message_id(message: &gossipsub::Message) -> MessageId {
    MessageId::new(&message_id_of(&message.data).0)
}

/// Gossipsub settings shared by every node of a coalition.
#[derive(Debug, Clone)]
pub struct GossipSettings {
    /// The coalition: it names the topic.
    pub network_id: NetworkId,
    /// Heartbeat interval, also the delay before the first heartbeat.
    pub heartbeat: Duration,
    /// gossipsub's `max_transmit_size` in bytes: twice the largest message
    /// ([`NetConfig::max_transmit_size`](crate::NetConfig::max_transmit_size)).
    pub max_transmit_size: usize,
    /// Whitelist 127.0.0.1 and ::1 in the IP-colocation score (tests on one host).
    pub allow_loopback: bool,
    /// Mesh degree, gossip factor, flood publishing and IDONTWANT.
    pub tuning: GossipTuning,
}

/// The gossipsub parameters that set how many copies of an entry travel and how fast
/// (docs/PERFORMANCE.md, "Scale"). The default is chosen from the scale benchmark's runs: mesh
/// degree 5 (4 to 10), IHAVE gossip to 5 peers, and IDONTWANT for one's own entries too, where
/// libp2p's default is 6 (5 to 12), 6 and no IDONTWANT on publish. At 500 nodes it received 2.91
/// and 2.95 copies per entry per node against libp2p's 3.19 (target ≤ 3) with the same delay;
/// a mesh of 4 left a node of the sparse topology without mesh peers. Nodes with other values
/// interoperate (each keeps its own mesh).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GossipTuning {
    /// Mesh degree D, and the bounds D_low and D_high the heartbeat keeps it within.
    pub mesh_n: usize,
    /// D_low: below it the heartbeat grafts peers (default 5).
    pub mesh_n_low: usize,
    /// D_high: above it the heartbeat prunes peers (default 12).
    pub mesh_n_high: usize,
    /// Least outbound peers in the mesh (at most mesh_n / 2 and below mesh_n_low).
    pub mesh_outbound_min: usize,
    /// Least peers, and the share of non-mesh peers, sent IHAVE gossip each heartbeat.
    pub gossip_lazy: usize,
    /// Share of non-mesh peers sent IHAVE gossip each heartbeat, 0.0 to 1.0 (default 0.25).
    pub gossip_factor: f64,
    /// Publish one's own entries to every peer, not only the mesh.
    pub flood_publish: bool,
    /// Messages of at least this many bytes make the receiver send IDONTWANT to its mesh
    /// (gossipsub 1.2), and whether a publisher sends it for its own.
    pub idontwant_threshold: usize,
    /// Send IDONTWANT for one's own published messages too (default off).
    pub idontwant_on_publish: bool,
}

impl Default for GossipTuning {
    fn default() -> Self {
        GossipTuning {
            mesh_n: 5,
            mesh_n_low: 4,
            mesh_n_high: 10,
            mesh_outbound_min: 2,
            gossip_lazy: 5,
            gossip_factor: 0.25,
            flood_publish: true,
            idontwant_threshold: 1000,
            idontwant_on_publish: true,
        }
    }
}

impl GossipTuning {
    /// libp2p's own defaults (mesh 6/5/12, IHAVE gossip to 6, no IDONTWANT on publish), which
    /// the scale benchmark compares with (`--gossip-preset libp2p`).
    pub fn libp2p() -> GossipTuning {
        let theirs = gossipsub::Config::default();
        GossipTuning {
            mesh_n: theirs.mesh_n(),
            mesh_n_low: theirs.mesh_n_low(),
            mesh_n_high: theirs.mesh_n_high(),
            mesh_outbound_min: theirs.mesh_outbound_min(),
            gossip_lazy: theirs.gossip_lazy(),
            gossip_factor: theirs.gossip_factor(),
            flood_publish: theirs.flood_publish(),
            idontwant_threshold: theirs.idontwant_message_size_threshold(),
            idontwant_on_publish: theirs.idontwant_on_publish(),
        }
    }
}

/// Below this score gossipsub ignores everything a peer sends (and so the node never sees its
/// later invalid messages): the event loop disconnects such a peer.
pub const GRAYLIST_THRESHOLD: f64 = -80.0;

/// Score parameters tuned so that a single invalid message visibly costs: time in mesh and first
/// deliveries add at most about +11, one invalid message costs -20 (below the gossip threshold),
/// two reach the graylist. Mesh-delivery penalties are off: a quiet coalition publishes rarely,
/// and silence is not misbehaviour.
pub fn score_params(settings: &GossipSettings) -> (PeerScoreParams, PeerScoreThresholds) {
    let topic_params = TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: 0.01,
        time_in_mesh_quantum: Duration::from_secs(1),
        time_in_mesh_cap: 100.0,
        first_message_deliveries_weight: 0.5,
        first_message_deliveries_decay: score_parameter_decay(Duration::from_secs(600)),
        first_message_deliveries_cap: 20.0,
        mesh_message_deliveries_weight: 0.0,
        mesh_message_deliveries_decay: 0.5,
        mesh_message_deliveries_cap: 100.0,
        mesh_message_deliveries_threshold: 1.0,
        mesh_message_deliveries_window: Duration::from_millis(10),
        mesh_message_deliveries_activation: Duration::from_secs(5),
        mesh_failure_penalty_weight: 0.0,
        mesh_failure_penalty_decay: 0.5,
        invalid_message_deliveries_weight: -20.0,
        invalid_message_deliveries_decay: score_parameter_decay(Duration::from_secs(1800)),
    };
    let mut params = PeerScoreParams {
        topic_score_cap: 20.0,
        ..PeerScoreParams::default()
    };
    params
        .topics
        .insert(topic(&settings.network_id).hash(), topic_params);
    if settings.allow_loopback {
        params
            .ip_colocation_factor_whitelist
            .insert(IpAddr::V4(Ipv4Addr::LOCALHOST));
        params
            .ip_colocation_factor_whitelist
            .insert(IpAddr::V6(Ipv6Addr::LOCALHOST));
    }
    let thresholds = PeerScoreThresholds {
        gossip_threshold: -10.0,
        publish_threshold: -50.0,
        graylist_threshold: GRAYLIST_THRESHOLD,
        accept_px_threshold: 10.0,
        opportunistic_graft_threshold: 1.0,
    };
    (params, thresholds)
}

/// The gossipsub behaviour, subscribed to the coalition's topic: anonymous (strict no-sign: the
/// records carry their own signatures), message id = BLAKE3 of the message, nothing forwarded before the
/// node's own validation.
pub fn behaviour(
    settings: &GossipSettings,
    registry: &mut libp2p::metrics::Registry,
) -> Result<gossipsub::Behaviour, NetError> {
    let t = settings.tuning;
    let config = gossipsub::ConfigBuilder::default()
        .mesh_n(t.mesh_n)
        .mesh_n_low(t.mesh_n_low)
        .mesh_n_high(t.mesh_n_high)
        .mesh_outbound_min(t.mesh_outbound_min)
        .gossip_lazy(t.gossip_lazy)
        .gossip_factor(t.gossip_factor)
        .flood_publish(t.flood_publish)
        .idontwant_message_size_threshold(t.idontwant_threshold)
        .idontwant_on_publish(t.idontwant_on_publish)
        .validation_mode(ValidationMode::Anonymous)
        .validate_messages()
        .message_id_fn(message_id)
        .max_transmit_size(settings.max_transmit_size)
        .heartbeat_interval(settings.heartbeat)
        .heartbeat_initial_delay(settings.heartbeat)
        .duplicate_cache_time(Duration::from_secs(120))
        .build()
        .map_err(|e| NetError::Config(format!("gossipsub: {e}")))?;
    let mut gossip = gossipsub::Behaviour::new(MessageAuthenticity::Anonymous, config)
        .map_err(|e| NetError::Config(format!("gossipsub: {e}")))?
        .with_metrics(registry, gossipsub::MetricsConfig::default());
    let (params, thresholds) = score_params(settings);
    gossip
        .with_peer_score(params, thresholds)
        .map_err(|e| NetError::Config(format!("gossipsub scoring: {e}")))?;
    gossip
        .subscribe(&topic(&settings.network_id))
        .map_err(|e| NetError::Config(format!("gossipsub subscribe: {e}")))?;
    Ok(gossip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_record::PayloadBlob;

    #[test]
    fn the_message_id_covers_the_payload_and_the_entry_id_is_read_without_decoding() {
        for len in [0usize, 5, 127, 128, 300, 20_000] {
            let wire = WireEntry {
                entry: (0..len).map(|i| i as u8).collect(),
                payload: Some(PayloadBlob {
                    salt: [4; 16],
                    bytes: vec![1; 1000],
                }),
            };
            let data = GossipMessage::Entry(wire.clone()).to_bytes();
            assert_eq!(message_id_of(&data), Hash32::of(&data));
            assert_eq!(entry_id_of(&data), Some(Hash32::of(&wire.entry)));
            let mut tampered = wire.clone();
            if let Some(p) = tampered.payload.as_mut() {
                p.bytes[0] ^= 1;
            }
            let stripped = WireEntry {
                payload: None,
                ..wire.clone()
            };
            for other in [tampered, stripped] {
                let other = GossipMessage::Entry(other).to_bytes();
                assert_ne!(message_id_of(&other), message_id_of(&data));
                assert_eq!(entry_id_of(&other), entry_id_of(&data));
            }
        }
    }

    #[test]
    fn other_messages_and_garbage_have_no_entry_id() {
        let proof = GossipMessage::Fork(ForkProof {
            first: vec![1, 2],
            second: vec![3],
        })
        .to_bytes();
        assert_eq!(entry_id_of(&proof), None);
        for garbage in [&[][..], &[0][..], &[0, 0xff][..], &[0, 5, 1][..]] {
            assert_eq!(entry_id_of(garbage), None);
            assert_eq!(message_id_of(garbage), Hash32::of(garbage));
        }
    }

    #[test]
    fn messages_round_trip_and_respect_the_limit() {
        let message = GossipMessage::Entry(WireEntry {
            entry: vec![9; 100],
            payload: None,
        });
        let bytes = message.to_bytes();
        assert_eq!(GossipMessage::decode(&bytes, 1000), Ok(message));
        assert!(GossipMessage::decode(&bytes, 10).is_err());
        assert!(GossipMessage::decode(&[7, 7, 7], 1000).is_err());
    }

    fn settings_with_the_default_tuning() -> GossipSettings {
        GossipSettings {
            network_id: Hash32([1; 32]),
            heartbeat: Duration::from_secs(1),
            max_transmit_size: 1 << 20,
            allow_loopback: true,
            tuning: GossipTuning::default(),
        }
    }

    #[test]
    fn the_default_tuning_is_libp2ps_with_a_smaller_mesh_and_idontwant_on_publish() {
        let libp2p = GossipTuning::libp2p();
        assert_eq!(
            GossipTuning::default(),
            GossipTuning {
                mesh_n: 5,
                mesh_n_low: 4,
                mesh_n_high: 10,
                gossip_lazy: 5,
                idontwant_on_publish: true,
                ..libp2p
            }
        );
        // And libp2p accepts it.
        let settings = settings_with_the_default_tuning();
        let mut registry = libp2p::metrics::Registry::default();
        assert!(behaviour(&settings, &mut registry).is_ok());
    }

    #[test]
    fn score_params_validate() {
        let settings = settings_with_the_default_tuning();
        let (params, thresholds) = score_params(&settings);
        assert_eq!(params.validate(), Ok(()));
        assert_eq!(thresholds.validate(), Ok(()));
    }
}
