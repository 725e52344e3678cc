//! The store worker's handling of gossip messages: a batch of entries ingested in one durable
//! write, or a roster change or fork proof applied, each outcome turned into a verdict.

use crate::gossip::GossipMessage;
use crate::ingest::{fork_proof, ingest, KnownForks};
use crate::jobs::{stored_info, GossipJob, Held};
use crate::verdict::{judge, GossipOutcome, GossipVerdict, Judgement};
use coalition_record::{EntryId, RecordError, WireEntry};
use coalition_store::{IngestOutcome, RosterOutcome, Store, StoreError};
use std::time::Instant;

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
