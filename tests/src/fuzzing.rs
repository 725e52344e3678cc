//! The bodies of the fuzz targets (tests/fuzz): each takes arbitrary bytes and must never panic,
//! only return. `tests/tests/fuzz_corpus.rs` runs every corpus file through the same functions,
//! so a crash found by the fuzzer becomes a regression test once its input is saved there.

use coalition_net::{GossipMessage, SyncRequest, SyncResponse, MAX_GOSSIP_MESSAGE_BYTES};
use coalition_record::limits::MAX_WIRE_ENTRY_BYTES;
use coalition_record::{Payload, SignedEntry, SignedRosterChange, VerifiedEntry, WireEntry};

/// Entry decoder: `SignedEntry::decode`, then signature verification, and the wire form
/// (entry + payload) through `VerifiedEntry::verify`.
pub fn fuzz_entry(data: &[u8]) {
    if let Ok(entry) = SignedEntry::decode(data) {
        // A decoded entry re-encodes to the same bytes (canonical decoding).
        assert_eq!(entry.bytes(), data, "entry decoding is not canonical");
        let _ = entry.id();
        let _ = entry.verify_signature();
        let _ = VerifiedEntry::verify(entry, None);
    }
    if let Ok(wire) = WireEntry::decode(data) {
        if let Ok(entry) = SignedEntry::decode(&wire.entry) {
            let _ = VerifiedEntry::verify(entry, wire.payload);
        }
    }
}

/// Payload decoder: `Payload::decode`, then schema validation.
pub fn fuzz_payload(data: &[u8]) {
    if let Ok(payload) = Payload::decode(data) {
        assert_eq!(
            payload.to_bytes(),
            data,
            "payload decoding is not canonical"
        );
        let _ = payload.validate();
        let _ = payload.kind();
        let _ = payload.languages();
        let _ = payload.title(None);
        let _ = payload.year();
    }
}

/// Gossip message decoder, with the network's size limit; what decodes goes on to the decoders
/// of its parts.
pub fn fuzz_gossip(data: &[u8]) {
    let _ = coalition_net::gossip::message_id_of(data);
    match GossipMessage::decode(data, MAX_GOSSIP_MESSAGE_BYTES) {
        Ok(GossipMessage::Entry(wire)) => {
            if let Ok(entry) = SignedEntry::decode(&wire.entry) {
                let _ = VerifiedEntry::verify(entry, wire.payload);
            }
        }
        Ok(GossipMessage::Roster(change)) => {
            let _ = SignedRosterChange::decode(&change.to_bytes());
        }
        Ok(GossipMessage::Fork(proof)) => {
            let _ = proof.verify();
        }
        Err(_) => {}
    }
}

/// Sync frames: the codec reads a 4-byte length, refuses frames over its limit, then decodes
/// postcard. This fuzzes the request decode of both protocol versions and the postcard decode
/// of `SyncResponse` under the default limits.
pub fn fuzz_sync(data: &[u8]) {
    const MAX_REQUEST: usize = 1024 * 1024;
    const MAX_RESPONSE: usize = coalition_record::sync::MAX_RESPONSE_BYTES;
    if data.len() <= MAX_REQUEST {
        if let Ok(request) = postcard::from_bytes::<SyncRequest>(data) {
            let _ = request.frontier.heads.len();
        }
        if let Ok(request) = SyncRequest::from_bytes(&coalition_net::SYNC_PROTOCOL_V2, data) {
            let _ = request
                .authors
                .contains(&coalition_record::PublicKey([0; 32]));
        }
    }
    if data.len() <= MAX_RESPONSE {
        if let Ok(response) = postcard::from_bytes::<SyncResponse>(data) {
            for wire in response.entries.into_iter().take(16) {
                if wire.entry.len() + 64 <= MAX_WIRE_ENTRY_BYTES {
                    if let Ok(entry) = SignedEntry::decode(&wire.entry) {
                        let _ = VerifiedEntry::verify(entry, wire.payload);
                    }
                }
            }
            for change in response.roster.into_iter().take(16) {
                let _ = change.change.id();
            }
        }
    }
}
