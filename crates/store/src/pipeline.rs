//! The look-ahead of ingest: decoding a batch, finding the entries whose signature will be needed
//! (new, from a member, next in their chain or a fork) and checking those signatures and payload
//! commitments, all without writing; the signature and payload checks of a batch are split over
//! the machine's cores. [`Store::ingest_pipelined`] runs it for batch n+1 on a
//! second thread while batch n is applied, written and synced on the caller's; each batch's
//! outcomes are reported only once its `WriteBatch` is durable.

use crate::batch::{Decoded, IngestOutcome};
use crate::{Store, StoreError};
use coalition_record::{
    signature, EntryHeader, EntryId, PublicKey, RecordError, Roster, SignedEntry, VerifiedEntry,
    WireEntry,
};
use std::collections::{HashMap, HashSet};

/// A batch after the look-ahead, ready for [`Store::apply_checked`].
pub(crate) struct Prechecked {
    pub decoded: Vec<Decoded>,
    /// Signature verdicts by id.
    pub signatures: HashMap<EntryId, Result<(), RecordError>>,
    /// Payload checks of the entries whose signature held, by position in the batch.
    pub verified: HashMap<usize, Result<VerifiedEntry, RecordError>>,
    /// Ids looked up and not held.
    pub absent: HashSet<EntryId>,
    /// Erasures the batch carries, by target.
    pub erased_ahead: HashMap<EntryId, crate::batch::ErasedBy>,
}

/// Runs the look-ahead over successive batches, carrying each city's expected head from one
/// batch to the next (as if the earlier batches were stored, which they are by the time the
/// later ones are applied; a wrong guess only means a check is done on apply instead).
pub(crate) struct Prechecker<'a> {
    store: &'a Store,
    roster: Roster,
    network_id: EntryId,
    batch_mode: bool,
    heads: HashMap<PublicKey, u64>,
    /// Ids already looked at in an earlier batch of the stream: checked once.
    seen: HashSet<EntryId>,
}

impl<'a> Prechecker<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Prechecker {
            store,
            roster: store.roster(),
            network_id: store.network_id(),
            batch_mode: store.batch_verification(),
            heads: HashMap::new(),
            seen: HashSet::new(),
        }
    }

    pub(crate) fn check(&mut self, batch: Vec<WireEntry>) -> Result<Prechecked, StoreError> {
        let decoded: Vec<Decoded> = batch
            .into_iter()
            .map(|wire| (SignedEntry::decode(&wire.entry), wire.payload))
            .collect();
        let mut out = Prechecked {
            decoded: Vec::new(),
            signatures: HashMap::new(),
            verified: HashMap::new(),
            absent: HashSet::new(),
            erased_ahead: HashMap::new(),
        };
        let mut candidates: Vec<Candidate> = Vec::new();
        for (index, (entry, _)) in decoded.iter().enumerate() {
            let Ok(entry) = entry else { continue };
            let id = entry.id();
            if entry.check_network(&self.network_id).is_err() || !self.seen.insert(id) {
                continue;
            }
            if self.store.contains(&id)? {
                continue;
            }
            out.absent.insert(id);
            let author = entry.header.author;
            let seq = entry.header.seq;
            if self.roster.check_author(&author, seq).is_err() {
                continue;
            }
            let store = self.store;
            let head = *self
                .heads
                .entry(author)
                .or_insert_with(|| store.head(&author).map_or(0, |(seq, _)| seq));
            if seq > head + 1 {
                continue;
            }
            if seq == head + 1 {
                self.heads.insert(author, seq);
            }
            let message = EntryHeader::signing_message(entry.header_bytes());
            candidates.push((index, id, message));
        }
        for (index, id, verdict, verified) in
            check_candidates(&decoded, candidates, self.batch_mode)
        {
            if let Some(verified) = verified {
                out.verified.insert(index, verified);
            }
            out.signatures.insert(id, verdict);
        }
        out.erased_ahead =
            crate::erasures::erasures_carried(self.store.charter(), &decoded, &out.verified);
        out.decoded = decoded;
        Ok(out)
    }
}

/// A candidate's position in its batch, id and signing message.
type Candidate = (usize, EntryId, Vec<u8>);

/// A candidate's signature verdict and, when the signature holds, its payload check.
type Checked = (
    usize,
    EntryId,
    Result<(), RecordError>,
    Option<Result<VerifiedEntry, RecordError>>,
);

/// Candidates per worker below which a second thread costs more than it saves (a thread start
/// is tens of microseconds, one signature check about thirty).
const MIN_PER_WORKER: usize = 16;

/// Checks the candidates' signatures (together in batch mode, one by one if that fails) and
/// their payloads, split over the machine's cores: these checks are independent of each other
/// and are most of an ingest's work.
fn check_candidates(
    decoded: &[crate::batch::Decoded],
    candidates: Vec<Candidate>,
    batch_mode: bool,
) -> Vec<Checked> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = cores.min(candidates.len() / MIN_PER_WORKER).max(1);
    if workers == 1 {
        return check_part(decoded, &candidates, batch_mode);
    }
    let per = candidates.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let mut parts = candidates.chunks(per);
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts
            .map(|part| scope.spawn(move || check_part(decoded, part, batch_mode)))
            .collect();
        let mut out = check_part(decoded, first, batch_mode);
        for handle in others {
            match handle.join() {
                Ok(part) => out.extend(part),
                // A panic in a check is a bug; surface it where the caller would have seen it.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// [`check_candidates`] for one part, on the calling thread.
fn check_part(
    decoded: &[crate::batch::Decoded],
    candidates: &[Candidate],
    batch_mode: bool,
) -> Vec<Checked> {
    let together = batch_mode && candidates.len() >= signature::MIN_BATCH && {
        let items: Vec<signature::BatchItem<'_>> = candidates
            .iter()
            .filter_map(|(index, _, message)| {
                let entry = decoded[*index].0.as_ref().ok()?;
                Some(signature::BatchItem {
                    key: &entry.header.author,
                    message,
                    signature: &entry.signature,
                })
            })
            .collect();
        signature::verify_batch(&items)
    };
    // Without a batch (or when one fails), each signature on its own, still ahead of apply.
    candidates
        .iter()
        .filter_map(|(index, id, _)| {
            let (Ok(entry), payload) = &decoded[*index] else {
                return None;
            };
            let verdict = if together {
                Ok(())
            } else {
                entry.verify_signature()
            };
            let verified = verdict
                .is_ok()
                .then(|| VerifiedEntry::with_verified_signature(entry.clone(), payload.clone()));
            Some((*index, *id, verdict, verified))
        })
        .collect()
}

impl Store {
    /// Ingests a stream of batches, pipelined: while batch n is applied, written and synced on
    /// this thread, batch n+1 is decoded and its signatures and payloads checked on others.
    /// `on_stored` gets each batch's outcomes once that batch is durable. Same rules and
    /// outcomes as calling [`Store::ingest`] on each batch in turn. Stops at the first error
    /// (the batches before it are stored and were reported).
    pub fn ingest_pipelined<I>(
        &self,
        batches: I,
        mut on_stored: impl FnMut(Vec<IngestOutcome>),
    ) -> Result<(), StoreError>
    where
        I: IntoIterator<Item = Vec<WireEntry>>,
        I::IntoIter: Send,
    {
        let _guard = self.lock_for_write()?;
        let batches = batches.into_iter();
        std::thread::scope(|scope| {
            // One batch checked ahead of the one being written, no more: memory stays bounded.
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Prechecked, StoreError>>(1);
            scope.spawn(move || {
                let mut checker = Prechecker::new(self);
                for batch in batches {
                    let checked = checker.check(batch);
                    let failed = checked.is_err();
                    if tx.send(checked).is_err() || failed {
                        break;
                    }
                }
            });
            for checked in rx {
                let outcomes = self.apply_checked(checked?)?;
                on_stored(outcomes);
            }
            Ok(())
        })
    }
}
