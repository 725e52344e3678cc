//! What a gossip message is worth: the store's outcome for it turned into a verdict, which says
//! what gossipsub is told (accept and forward, ignore, reject and penalise the sender) and what
//! the network task does next. Which rules mean Reject and which Ignore is one exhaustive match
//! ([`judge`]), so a new rule cannot land in the wrong group unnoticed.

use crate::gossip::GossipMessage;
use crate::worker::{fork_proof, ingest, stored_info, GossipJob, Held, KnownForks, StoredInfo};
use coalition_record::{EntryId, Hash32, RecordError, WireEntry};
use coalition_store::{ForkProof, IngestOutcome, RosterOutcome, Store, StoreError};
use libp2p::gossipsub::{MessageAcceptance, MessageId};
use libp2p::PeerId;
use std::time::Instant;

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
    pub fn acceptance(&self) -> MessageAcceptance {
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

pub(crate) fn gossip_entries(
    store: &Store,
    known: &mut KnownForks,
    jobs: Vec<GossipJob>,
) -> Vec<GossipVerdict> {
    let wires: Vec<WireEntry> = jobs
        .iter()
        .filter_map(|j| match &j.message {
            GossipMessage::Entry(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    let outcomes = match ingest(store, known, wires) {
        Ok(outcomes) => outcomes,
        Err(e) => {
            tracing::warn!(error = %e, "storing gossip entries failed");
            return jobs
                .iter()
                .map(|j| verdict(j, GossipOutcome::NotNow { rule: None }))
                .collect();
        }
    };
    jobs.into_iter()
        .zip(outcomes)
        .map(|(job, outcome)| {
            let outcome = match &job.message {
                GossipMessage::Entry(wire) => entry_outcome(store, &job, wire, outcome),
                _ => GossipOutcome::NotNow { rule: None },
            };
            verdict(&job, outcome)
        })
        .collect()
}

fn verdict(job: &GossipJob, outcome: GossipOutcome) -> GossipVerdict {
    GossipVerdict {
        msg_id: job.msg_id.clone(),
        source: job.source,
        outcome,
    }
}

fn entry_outcome(
    store: &Store,
    job: &GossipJob,
    wire: &WireEntry,
    outcome: IngestOutcome,
) -> GossipOutcome {
    let hold = |id: EntryId| Held {
        wire: wire.clone(),
        id,
        source: job.source,
        since: Instant::now(),
    };
    match outcome {
        IngestOutcome::Stored { .. } | IngestOutcome::PayloadRestored { .. } => {
            match stored_info(wire) {
                Some(info) => GossipOutcome::Stored(info),
                None => GossipOutcome::NotNow { rule: None },
            }
        }
        IngestOutcome::Duplicate { .. } => GossipOutcome::Duplicate,
        IngestOutcome::Fork { existing, .. } => {
            GossipOutcome::Fork(fork_proof(store, &existing, &wire.entry))
        }
        IngestOutcome::Gap { id, .. } => GossipOutcome::Held {
            held: hold(id),
            rule: "gap",
        },
        // Not the sender's fault alone: an older relay may have stored a stripped copy. The
        // full copy has another message id and arrives by gossip or sync.
        IngestOutcome::PayloadMissing { .. } => GossipOutcome::NotNow {
            rule: Some("payload_missing"),
        },
        IngestOutcome::Rejected { id, error } => {
            let rule = error.rule();
            if let (Some(id), RecordError::UnknownAuthor { .. }) = (id, &error) {
                // The roster may not have reached us yet: hold it and sync with the sender.
                return GossipOutcome::Held {
                    held: hold(id),
                    rule,
                };
            }
            match (judge(&error), id) {
                (Judgement::LocalState, _) => GossipOutcome::NotNow { rule: Some(rule) },
                (Judgement::InvalidEntry, Some(id)) => GossipOutcome::Invalid { rule, key: id },
                (Judgement::InvalidEntry, None) | (Judgement::InvalidMessage, _) => {
                    GossipOutcome::Invalid {
                        rule,
                        key: job.data_hash,
                    }
                }
            }
        }
    }
}

pub(crate) fn gossip_other(store: &Store, job: GossipJob) -> GossipVerdict {
    let outcome = match &job.message {
        GossipMessage::Entry(_) => GossipOutcome::NotNow { rule: None },
        GossipMessage::Roster(change) => match store.apply_roster_change(change) {
            Ok(RosterOutcome::Applied { version }) => GossipOutcome::RosterApplied(version),
            Ok(RosterOutcome::Duplicate) => GossipOutcome::Duplicate,
            Ok(RosterOutcome::Ahead { .. }) => GossipOutcome::RosterAhead,
            Err(StoreError::Record(error)) => store_error_outcome(&job, &error),
            Err(e) => {
                tracing::warn!(error = %e, "applying a gossiped roster change failed");
                GossipOutcome::NotNow { rule: None }
            }
        },
        GossipMessage::Fork(proof) => match store.add_fork_proof(proof) {
            Ok(true) => GossipOutcome::ForkProofStored,
            Ok(false) => GossipOutcome::Duplicate,
            Err(StoreError::Record(error)) => store_error_outcome(&job, &error),
            Err(e) => {
                tracing::warn!(error = %e, "storing a gossiped fork proof failed");
                GossipOutcome::NotNow { rule: None }
            }
        },
    };
    verdict(&job, outcome)
}

/// A roster change or fork proof that broke a rule: invalid as a message unless the rule depends
/// on this node's state.
fn store_error_outcome(job: &GossipJob, error: &RecordError) -> GossipOutcome {
    match judge(error) {
        Judgement::LocalState => GossipOutcome::NotNow {
            rule: Some(error.rule()),
        },
        Judgement::InvalidEntry | Judgement::InvalidMessage => GossipOutcome::Invalid {
            rule: error.rule(),
            key: job.data_hash,
        },
    }
}
