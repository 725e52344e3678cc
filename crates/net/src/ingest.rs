//! The store calls gossip and sync share: ingest with a memory of fork halves (so a peer that
//! keeps sending the other half of a fork does not cost a signature check each time), and building
//! a fork proof from the entry already held.

use coalition_record::ForkProof;
use coalition_record::{EntryId, Hash32, WireEntry};
use coalition_store::{IngestOutcome, Store, StoreError};
use std::collections::VecDeque;
use std::sync::Mutex;

/// Ids of entries already recorded as the second half of a fork proof. A peer whose head differs
/// from ours at the same seq sends that entry on every sync round; this keeps its signature from
/// being verified again each time.
#[derive(Default)]
pub(crate) struct KnownForks(std::collections::HashSet<EntryId>);

const MAX_KNOWN_FORKS: usize = 10_000;

/// [`Store::ingest`] with entries known to be fork halves answered as duplicates without a store
/// call. Outcomes stay aligned with `wires`.
pub(crate) fn ingest(
    store: &Store,
    known: &mut KnownForks,
    wires: Vec<WireEntry>,
) -> Result<Vec<IngestOutcome>, StoreError> {
    let (ids, fresh) = split_known(known, wires);
    let outcomes = store.ingest(fresh)?;
    align(known, ids, outcomes)
}

/// The ids of every entry of `wires`, and the entries not known as fork halves.
fn split_known(known: &KnownForks, wires: Vec<WireEntry>) -> (Vec<EntryId>, Vec<WireEntry>) {
    let ids: Vec<EntryId> = wires.iter().map(|w| Hash32::of(&w.entry)).collect();
    let fresh = wires
        .into_iter()
        .zip(&ids)
        .filter(|(_, id)| !known.0.contains(*id))
        .map(|(w, _)| w)
        .collect();
    (ids, fresh)
}

/// `outcomes` of the entries not known as forks, put back in line with every id of the batch
/// (known forks as duplicates); newly found forks are remembered.
fn align(
    known: &mut KnownForks,
    ids: Vec<EntryId>,
    outcomes: Vec<IngestOutcome>,
) -> Result<Vec<IngestOutcome>, StoreError> {
    let mut outcomes = outcomes.into_iter();
    let mut aligned = Vec::with_capacity(ids.len());
    for id in ids {
        if known.0.contains(&id) {
            aligned.push(IngestOutcome::Duplicate { id });
            continue;
        }
        let outcome = outcomes.next().ok_or_else(|| {
            StoreError::Corrupt("ingest returned fewer outcomes than entries".into())
        })?;
        if let IngestOutcome::Fork { id, .. } = &outcome {
            if known.0.len() >= MAX_KNOWN_FORKS {
                known.0.clear();
            }
            known.0.insert(*id);
        }
        aligned.push(outcome);
    }
    Ok(aligned)
}

/// [`ingest`] for a stream of batches, pipelined ([`Store::ingest_pipelined`]): `on_stored` gets
/// each batch's outcomes, aligned with its wire entries, once that batch is durable. `batches` is
/// pulled on the store's dispatch thread while earlier batches are written, so it may wait for
/// the next batch to arrive.
pub(crate) fn ingest_stream(
    store: &Store,
    known: &mut KnownForks,
    batches: impl Iterator<Item = Vec<WireEntry>> + Send,
    mut on_stored: impl FnMut(Vec<IngestOutcome>),
) -> Result<(), StoreError> {
    // The dispatch thread filters with the forks known so far; the writer's reports add to them.
    let known = Mutex::new(known);
    let pulled: Mutex<VecDeque<Vec<EntryId>>> = Mutex::new(VecDeque::new());
    let fresh = batches.map(|batch| {
        let (ids, fresh) = split_known(&known.lock().unwrap_or_else(|p| p.into_inner()), batch);
        pulled
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_back(ids);
        fresh
    });
    let mut failed = None;
    let times = store.ingest_pipelined(fresh, |outcomes| {
        let ids = pulled.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        let Some(ids) = ids else { return };
        let mut known = known.lock().unwrap_or_else(|p| p.into_inner());
        match align(&mut known, ids, outcomes) {
            Ok(aligned) => on_stored(aligned),
            Err(e) => failed = Some(e),
        }
    })?;
    // Where a slow catch-up's time goes: writing, or waiting for the checks (or the peer).
    tracing::debug!(
        batches = times.batches,
        writing_ms = times.writing.as_millis() as u64,
        waiting_for_checks_ms = times.waiting_for_checks.as_millis() as u64,
        waiting_for_sync_ms = times.waiting_for_sync.as_millis() as u64,
        "sync stream written"
    );
    failed.map_or(Ok(()), Err)
}

pub(crate) fn fork_proof(store: &Store, existing: &EntryId, new_entry: &[u8]) -> Option<ForkProof> {
    match store.entry(existing) {
        Ok(Some(held)) => Some(ForkProof {
            first: held.entry.bytes().to_vec(),
            second: new_entry.to_vec(),
        }),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "reading the entry of a fork");
            None
        }
    }
}
