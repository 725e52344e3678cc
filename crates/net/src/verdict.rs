//! What a gossip message is worth: the store's outcome for it turned into a verdict, which says
//! what gossipsub is told (accept and forward, ignore, reject and penalise the sender) and what
//! the network task does next. Which rules mean Reject and which Ignore is one exhaustive match
//! ([`judge`]), so a new rule cannot land in the wrong group unnoticed.

use crate::jobs::{Held, StoredInfo};
use coalition_record::ForkProof;
use coalition_record::{Hash32, RecordError};
use libp2p::gossipsub::{MessageAcceptance, MessageId};
use libp2p::PeerId;

/// What the node made of one gossip message.
pub(crate) struct GossipVerdict {
    pub msg_id: MessageId,
    pub source: PeerId,
    pub outcome: GossipOutcome,
}

/// The outcomes of a gossip message; each implies what gossipsub is told
/// ([`GossipOutcome::acceptance`]) and what the network task does next.
pub(crate) enum GossipOutcome {
    /// A new entry stored, or a held entry's missing payload restored: accept and forward.
    Stored(StoredInfo),
    /// A roster change applied: accept and forward.
    RosterApplied(u64),
    /// A new fork proof stored: accept and forward.
    ForkProofStored,
    /// Already held: ignore.
    Duplicate,
    /// Needs what this node lacks (predecessors, its author's admission): ignore, hold it and
    /// sync with the sender.
    Held { held: Held, rule: &'static str },
    /// A roster change beyond the next one: ignore, and sync with the sender.
    RosterAhead,
    /// A second entry at a held seq: ignore the entry, gossip the proof.
    Fork(Option<ForkProof>),
    /// Not judged here and now: the rule depends on this node's state (an honest peer with other
    /// state may relay it), the entry came without its payload, or the store failed. Ignore.
    NotNow { rule: Option<&'static str> },
    /// Invalid whoever relays it: reject (gossipsub penalises the sender), and remember `key` so
    /// a replay costs a lookup.
    Invalid { rule: &'static str, key: Hash32 },
}

impl GossipOutcome {
    pub(crate) fn acceptance(&self) -> MessageAcceptance {
        match self {
            GossipOutcome::Stored(_)
            | GossipOutcome::RosterApplied(_)
            | GossipOutcome::ForkProofStored => MessageAcceptance::Accept,
            GossipOutcome::Invalid { .. } => MessageAcceptance::Reject,
            GossipOutcome::Duplicate
            | GossipOutcome::Held { .. }
            | GossipOutcome::RosterAhead
            | GossipOutcome::Fork(_)
            | GossipOutcome::NotNow { .. } => MessageAcceptance::Ignore,
        }
    }
}

/// How a broken rule is judged when a peer relays the message that broke it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Judgement {
    /// The entry bytes alone break it: every message carrying them is invalid (remembered by
    /// entry id).
    InvalidEntry,
    /// This message breaks it (its payload, or a roster change or proof): invalid (remembered
    /// by message hash).
    InvalidMessage,
    /// It depends on this node's roster or chain: an honest peer with other state may relay
    /// it, so it is ignored, never punished.
    LocalState,
}

/// Every rule, judged. Exhaustive on purpose: a new rule does not compile until it is placed.
pub(crate) fn judge(error: &RecordError) -> Judgement {
    match error {
        RecordError::TooLarge { .. }
        | RecordError::Malformed { .. }
        | RecordError::NonCanonical { .. }
        | RecordError::UnsupportedVersion { .. }
        | RecordError::WrongNetwork { .. }
        | RecordError::ZeroSeq
        | RecordError::PrevShape { .. }
        | RecordError::UnknownKind { .. }
        | RecordError::BadSignature { .. } => Judgement::InvalidEntry,
        RecordError::CommitmentMismatch
        | RecordError::PayloadLengthMismatch { .. }
        | RecordError::KindMismatch { .. }
        | RecordError::Schema { .. }
        | RecordError::Charter(_)
        | RecordError::RosterChange(_)
        | RecordError::BelowThreshold { .. } => Judgement::InvalidMessage,
        RecordError::UnknownAuthor { .. }
        | RecordError::AuthorSuspended { .. }
        | RecordError::AuthorRevoked { .. }
        | RecordError::PrevMismatch { .. }
        | RecordError::Gap { .. }
        | RecordError::Inconsistent { .. } => Judgement::LocalState,
    }
}
