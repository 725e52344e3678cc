//! What the network task hands the store worker about one gossip message, and what it learns
//! back about entries: plain data, shared by the worker, the verdicts and the held-entry queue.

use crate::gossip::GossipMessage;
use coalition_record::{EntryId, Hash32, PublicKey, SignedEntry, WireEntry};
use libp2p::gossipsub::MessageId;
use libp2p::PeerId;
use std::time::Instant;

pub(crate) struct GossipJob {
    pub msg_id: MessageId,
    pub source: PeerId,
    /// BLAKE3 of the whole message: the rejection key for rules that depend on the payload.
    pub data_hash: Hash32,
    pub message: GossipMessage,
}

/// An entry held back because its predecessors or its author's admission are not known yet.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub wire: WireEntry,
    pub id: EntryId,
    pub source: PeerId,
    pub since: Instant,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct StoredInfo {
    pub id: EntryId,
    pub author: PublicKey,
    pub seq: u64,
}

pub(crate) fn stored_info(wire: &WireEntry) -> Option<StoredInfo> {
    stored_info_of(&wire.entry)
}

/// [`stored_info`] from the entry bytes alone.
pub(crate) fn stored_info_of(entry: &[u8]) -> Option<StoredInfo> {
    let entry = SignedEntry::decode(entry).ok()?;
    Some(StoredInfo {
        id: entry.id(),
        author: entry.header.author,
        seq: entry.header.seq,
    })
}
