//! Appending entries and roster changes: the validation pipeline in cheapest-first order, one
//! `WriteBatch` per call, WAL synced before anything is reported stored.

use crate::batch::{check_references, BatchView, IngestOutcome, Spent};
use crate::layout::*;
use crate::pipeline::{Prechecked, Prechecker};
use crate::query::EntryStatus;
use crate::records::{write_capacity, EntryRecords};
use crate::write::SortedWrite;
use crate::{Store, StoreError};
use coalition_record::ForkProof;
use coalition_record::{
    chain_position, codec, ChainPosition, EntryId, Payload, PayloadBlob, PublicKey, RecordError,
    SignedEntry, SignedRosterChange, VerifiedEntry, WireEntry,
};
use std::collections::HashMap;

/// What became of a roster change handed to [`Store::apply_roster_change`].
#[derive(Debug, Clone, PartialEq)]
pub enum RosterOutcome {
    /// Verified against the current roster and durably stored; the roster is now at `version`.
    Applied {
        /// The new roster version (the change's seq).
        version: u64,
    },
    /// This very change is already applied; nothing was written.
    Duplicate,
    /// Its version is beyond the next one: fetch the changes in between first.
    Ahead {
        /// The roster version held.
        have: u64,
        /// The change's version, above `have + 1`.
        got: u64,
    },
}

/// Entries per piece of a large batch looked ahead on a second thread (see
/// [`Store::ingest_locked`]).
const LOOKAHEAD_PIECE: usize = 64;

/// A batch being applied: the rules' inputs, its view, its write and its outcomes so far.
pub(crate) struct Applying<'a> {
    roster: coalition_record::Roster,
    network_id: EntryId,
    view: BatchView<'a>,
    write: SortedWrite,
    outcomes: Vec<IngestOutcome>,
}

impl<'a> Applying<'a> {
    /// A batch of `entries` entries.
    fn new(store: &'a Store, entries: usize) -> Self {
        Applying {
            roster: store.roster(),
            network_id: store.network_id(),
            view: BatchView::new(store),
            write: SortedWrite::with_capacity(write_capacity(entries)),
            outcomes: Vec::new(),
        }
    }
}

/// A batch written but not yet known durable (a pipelined stream syncs it while the next batch
/// is applied): what [`Store::settle_written`] reports and makes visible once its WAL sync returned.
pub(crate) struct Written {
    pub(crate) outcomes: Vec<IngestOutcome>,
    pub(crate) spent: Spent,
    /// The heads it appended: the next batch's view sees them before the store's frontier does.
    pub(crate) heads: HashMap<PublicKey, (u64, EntryId)>,
    /// Entries whose status it changed to inactive.
    inactive: Vec<EntryId>,
    /// Whether it wrote anything (a batch of duplicates writes nothing and needs no sync).
    pub(crate) wrote: bool,
}

/// When a batch's write is synced: with the write, or later by the pipelined stream's syncing
/// thread (`pipeline.rs`).
enum WalSync {
    Now,
    Later,
}

/// What [`Store::apply_unsynced`] did with a batch.
pub(crate) enum Applied<'a> {
    /// Written, not yet synced.
    Written(Written),
    /// Applied and not written: it carries an erasure, whose write must be synced before its
    /// purge ([`Store::finish_write`], once the batch before is settled).
    Erasing(Box<Applying<'a>>),
}

impl Store {
    pub(crate) fn writable(&self) -> Result<(), StoreError> {
        if self.read_only {
            Err(StoreError::ReadOnly)
        } else {
            Ok(())
        }
    }

    /// Validates and appends a batch of entries (gossip or sync) in one durable write. Entries may
    /// build on earlier ones in the same batch. Each signature is verified at most once, and never
    /// for an entry already held; the signatures of a batch's new entries are checked together
    /// (`coalition_record::signature::verify_batch`), one by one only if that fails. For a
    /// stream of batches, [`Store::ingest_pipelined`] checks the next batch while one is written.
    pub fn ingest(&self, batch: Vec<WireEntry>) -> Result<Vec<IngestOutcome>, StoreError> {
        let _guard = self.lock_for_write()?;
        self.ingest_locked(batch)
    }

    /// [`Store::ingest`] for a caller holding the write lock. A large batch is looked ahead in
    /// pieces on a second thread while the pieces before are applied (still one durable write).
    pub(crate) fn ingest_locked(
        &self,
        batch: Vec<WireEntry>,
    ) -> Result<Vec<IngestOutcome>, StoreError> {
        if batch.len() < 2 * LOOKAHEAD_PIECE {
            let checked = Prechecker::new(self).check(batch)?;
            return Ok(self.apply_checked(checked)?.0);
        }
        let entries = batch.len();
        let mut pieces: Vec<Vec<WireEntry>> = Vec::new();
        let mut rest = batch.into_iter().peekable();
        while rest.peek().is_some() {
            pieces.push(rest.by_ref().take(LOOKAHEAD_PIECE).collect());
        }
        let mut applying = Applying::new(self, entries);
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            scope.spawn(move || {
                let mut checker = Prechecker::new(self);
                for piece in pieces {
                    let checked = checker.check(piece);
                    let failed = checked.is_err();
                    if tx.send(checked).is_err() || failed {
                        break;
                    }
                }
            });
            for checked in rx {
                self.apply_into(&mut applying, checked?)?;
            }
            Ok::<(), StoreError>(())
        })?;
        Ok(self.finish_write(applying)?.0)
    }

    /// Applies a prechecked batch in one durable write; returns once it is synced, with what
    /// the batch is done with.
    pub(crate) fn apply_checked(
        &self,
        checked: Prechecked,
    ) -> Result<(Vec<IngestOutcome>, Spent), StoreError> {
        let mut applying = Applying::new(self, checked.decoded.len());
        self.apply_into(&mut applying, checked)?;
        self.finish_write(applying)
    }

    /// Applies a prechecked batch of a pipelined stream on top of `written_before` (the heads
    /// of the batch written just before it and not yet settled) and writes it without waiting
    /// for the sync, unless it carries an erasure.
    pub(crate) fn apply_unsynced(
        &self,
        checked: Prechecked,
        written_before: HashMap<PublicKey, (u64, EntryId)>,
    ) -> Result<Applied<'_>, StoreError> {
        let mut applying = Applying::new(self, checked.decoded.len());
        applying.view.written = written_before;
        self.apply_into(&mut applying, checked)?;
        if self.purge_waiting() {
            return Ok(Applied::Erasing(Box::new(applying)));
        }
        self.write_applied(applying, WalSync::Later)
            .map(Applied::Written)
    }

    /// Makes a [`Written`] batch visible once its write is durable: its heads join the
    /// frontier (which search and sync read up to) and its inactive entries are marked.
    pub(crate) fn settle_written(&self, written: Written) -> (Vec<IngestOutcome>, Spent) {
        let Written {
            outcomes,
            spent,
            heads,
            inactive,
            ..
        } = written;
        self.mark_inactive(inactive);
        let mut frontier = self.frontier.write().unwrap_or_else(|p| p.into_inner());
        frontier.extend(heads);
        (outcomes, spent)
    }

    /// Runs the rules on a prechecked piece, in order, adding its records to the write.
    fn apply_into(
        &'_ self,
        applying: &mut Applying<'_>,
        checked: Prechecked,
    ) -> Result<(), StoreError> {
        let Applying {
            roster,
            network_id,
            view,
            write,
            outcomes,
        } = applying;
        view.signatures.extend(checked.signatures);
        // Positions are the piece's own.
        view.payloads = checked.payloads;
        view.records = checked.records;
        view.absent.extend(checked.absent);
        view.erased_ahead.extend(checked.erased_ahead);
        for (index, (entry, payload)) in checked.decoded.into_iter().enumerate() {
            match self.ingest_one(roster, network_id, view, write, (index, entry, payload)) {
                Ok(outcome) => outcomes.push(outcome),
                Err(error) => {
                    // The write is abandoned: an erasure it carried must not purge its target.
                    self.forget_queued_purges();
                    return Err(error);
                }
            }
        }
        Ok(())
    }

    /// Writes and syncs what the batch produced, then updates the in-memory state.
    pub(crate) fn finish_write(
        &self,
        applying: Applying<'_>,
    ) -> Result<(Vec<IngestOutcome>, Spent), StoreError> {
        let written = self.write_applied(applying, WalSync::Now)?;
        Ok(self.settle_written(written))
    }

    /// Adds the batch's new heads to its write and writes it (nothing when it is empty), with
    /// what to report and make visible once it is durable ([`Store::settle_written`]).
    fn write_applied(&self, applying: Applying<'_>, sync: WalSync) -> Result<Written, StoreError> {
        let Applying {
            mut view,
            mut write,
            outcomes,
            ..
        } = applying;
        let wrote = !write.is_empty();
        if wrote {
            self.put_frontier(&mut write, &view);
            match sync {
                WalSync::Now => self.sync_write(write)?,
                WalSync::Later => self.unsynced_write(write)?,
            }
        }
        Ok(Written {
            wrote,
            outcomes,
            spent: std::mem::take(&mut view.spent),
            heads: view.frontier,
            inactive: view.status.into_keys().collect(),
        })
    }

    fn ingest_one(
        &self,
        roster: &coalition_record::Roster,
        network_id: &EntryId,
        view: &mut BatchView<'_>,
        write: &mut SortedWrite,
        (index, entry, payload): (usize, Result<SignedEntry, RecordError>, Option<PayloadBlob>),
    ) -> Result<IngestOutcome, StoreError> {
        let rejected = |id, error| Ok(IngestOutcome::Rejected { id, error });
        let entry = match entry {
            Ok(e) => e,
            Err(error) => return rejected(None, error),
        };
        let id = entry.id();
        if let Err(error) = entry.check_network(network_id) {
            return rejected(Some(id), error);
        }
        if view.contains(&id)? {
            if let Some(blob) = payload {
                return self.restore_payload(view, write, &entry, blob);
            }
            return Ok(IngestOutcome::Duplicate { id });
        }
        let author = entry.header.author;
        let seq = entry.header.seq;
        if let Err(error) = roster.check_author(&author, seq) {
            return rejected(Some(id), error);
        }
        let position = match chain_position(
            view.head(&author),
            view.id_at(&author, seq)?,
            &entry.header,
            id,
        ) {
            Ok(p) => p,
            Err(error) => return rejected(Some(id), error),
        };
        let signature = view.signatures.get(&id).cloned();
        match position {
            ChainPosition::Duplicate => return Ok(IngestOutcome::Duplicate { id }),
            ChainPosition::Gap { have } => {
                return Ok(IngestOutcome::Gap {
                    id,
                    author,
                    seq,
                    have,
                })
            }
            ChainPosition::Fork { existing } => {
                if let Err(error) = signature.unwrap_or_else(|| entry.verify_signature()) {
                    return rejected(Some(id), error);
                }
                self.record_fork(write, view, &author, seq, existing, &entry)?;
                return Ok(IngestOutcome::Fork { id, existing });
            }
            ChainPosition::Next => {}
        }
        if payload.is_none() && !self.erasure_known(&id)? {
            // Erased by an erasure this batch carries (sync sends it before the entries it
            // serves without payload): stored without it, marked as the erasure will mark it.
            match view.erased_ahead.get(&id) {
                Some(by) if by.author.is_none_or(|a| a == author) => {
                    self.put_erased_mark(write, &id, &by.erasure);
                }
                _ => return Ok(IngestOutcome::PayloadMissing { id }),
            }
        }
        let verified = match (view.payloads.remove(&index), signature) {
            // Its signature and this very payload were checked ahead (`pipeline.rs`).
            (Some(Ok(decoded)), _) => Ok(VerifiedEntry {
                entry,
                payload: payload.zip(decoded),
            }),
            (Some(Err(error)), _) => Err(error),
            (None, Some(Ok(()))) => VerifiedEntry::with_verified_signature(entry, payload),
            (None, Some(Err(error))) => Err(error),
            (None, None) => VerifiedEntry::verify(entry, payload),
        };
        let mut verified = match verified {
            Ok(v) => v,
            Err(error) => return rejected(Some(id), error),
        };
        if verified.payload.is_some() && self.may_hold_erasures() && self.erasure_known(&id)? {
            // Erased before it arrived (a committee order travels in another city's log): the
            // payload is not kept, whoever still offers it.
            verified.payload = None;
        }
        if let Err(error) = check_references(view, &verified)
            .and_then(|()| crate::cycles::check_committee(&self.charter, &verified))
        {
            return rejected(Some(id), error);
        }
        let records = view
            .records
            .remove(&index)
            .filter(|r| r.with_payload() == verified.payload.is_some())
            .unwrap_or_else(|| EntryRecords::of(&verified));
        self.put_entry(write, view, &verified, records)?;
        view.spent.push(verified);
        Ok(IngestOutcome::Stored { id })
    }

    fn record_fork(
        &self,
        write: &mut SortedWrite,
        view: &BatchView<'_>,
        author: &PublicKey,
        seq: u64,
        existing: EntryId,
        entry: &SignedEntry,
    ) -> Result<(), StoreError> {
        // The held entry may have been appended earlier in this same batch, so not be readable
        // from the database yet.
        let first = match view.held.get(&existing) {
            Some(held) => Some(held.bytes().to_vec()),
            None => self.entry_bytes_at(author, seq)?,
        };
        let Some(first) = first else {
            return Ok(());
        };
        let (a, b) = if existing < entry.id() {
            (existing, entry.id())
        } else {
            (entry.id(), existing)
        };
        let mut key = entry_key(author, seq).to_vec();
        key.extend_from_slice(&a.0);
        key.extend_from_slice(&b.0);
        let proof = ForkProof {
            first,
            second: entry.bytes().to_vec(),
        };
        write.put(CF_FORKS, key, codec::encode(&proof));
        Ok(())
    }

    /// Stores a verified fork proof received from a peer. Returns true if it was new.
    pub fn add_fork_proof(&self, proof: &ForkProof) -> Result<bool, StoreError> {
        let db = self.db()?;
        self.writable()?;
        let (author, seq) = proof.verify()?;
        if !self.roster().cities.contains_key(&author) {
            return Err(RecordError::UnknownAuthor { author }.into());
        }
        let a = coalition_record::Hash32::of(&proof.first);
        let b = coalition_record::Hash32::of(&proof.second);
        let (lo, hi) = if a < b { (a, b) } else { (b, a) };
        let mut key = entry_key(&author, seq).to_vec();
        key.extend_from_slice(&lo.0);
        key.extend_from_slice(&hi.0);
        let _guard = self.lock_for_write()?;
        if db.get_pinned_cf(db.cf(CF_FORKS)?, &key)?.is_some() {
            return Ok(false);
        }
        let mut write = SortedWrite::default();
        write.put(CF_FORKS, key, codec::encode(proof));
        self.sync_write(write)?;
        Ok(true)
    }

    /// Adds a verified entry, its own `records` (built from it as it stands) and its effects
    /// on other entries to the write.
    pub(crate) fn put_entry(
        &self,
        write: &mut SortedWrite,
        view: &mut BatchView<'_>,
        verified: &VerifiedEntry,
        records: EntryRecords,
    ) -> Result<(), StoreError> {
        let header = &verified.entry.header;
        let id = verified.id();
        let EntryRecords {
            at,
            log,
            document,
            commitments,
            facet,
        } = records;
        write.put(CF_ENTRIES, at, log);
        write.put(CF_IDS, id.0, at);
        if let Some((_, payload)) = &verified.payload {
            self.put_payload_effects(write, view, id, payload)?;
        }
        for key in document.into_iter().chain(commitments) {
            write.put(CF_INDEX, key, []);
        }
        write.put(CF_FACETS, at, facet);
        view.frontier.insert(header.author, (header.seq, id));
        view.appended.insert((header.author, header.seq), id);
        view.ids.insert(id);
        view.held.insert(id, verified.entry.clone());
        Ok(())
    }

    /// The new heads of the cities a batch appended to: one frontier key per city and batch.
    pub(crate) fn put_frontier(&self, write: &mut SortedWrite, view: &BatchView<'_>) {
        for (author, (seq, id)) in &view.frontier {
            write.put(CF_FRONTIER, author.0, frontier_value(*seq, id));
        }
    }

    /// What a payload changes besides its own record: the statuses of its target (retraction,
    /// revision) and, for an erasure, the mark that its target's payload may be absent.
    pub(crate) fn put_payload_effects(
        &self,
        write: &mut SortedWrite,
        view: &mut BatchView<'_>,
        id: EntryId,
        payload: &Payload,
    ) -> Result<(), StoreError> {
        for (target, change) in status_changes(id, payload) {
            let mut status = match view.status.get(&target) {
                Some(s) => s.clone(),
                None => self.status(&target)?,
            };
            change(&mut status);
            write.put(CF_STATUS, target.0, codec::encode(&status));
            view.status.insert(target, status);
        }
        self.mark_erased(write, id, payload)?;
        self.put_translation_keys(write, id, payload);
        Ok(())
    }

    /// Verifies and durably applies the next roster change.
    pub fn apply_roster_change(
        &self,
        change: &SignedRosterChange,
    ) -> Result<RosterOutcome, StoreError> {
        self.writable()?;
        let _guard = self.lock_for_write()?;
        let mut roster = self.roster();
        let seq = change.change.seq;
        if seq <= roster.version {
            let stored = self.roster_history_from(seq)?;
            if stored.first().map(|c| c.id()) == Some(change.id()) {
                return Ok(RosterOutcome::Duplicate);
            }
            return Err(RecordError::RosterChange(format!(
                "a different change is already applied as roster version {seq}"
            ))
            .into());
        }
        if seq > roster.version + 1 {
            change.verify(&self.charter)?;
            return Ok(RosterOutcome::Ahead {
                have: roster.version,
                got: seq,
            });
        }
        roster.apply(&self.charter, change)?;
        let mut write = SortedWrite::default();
        write.put(CF_ROSTER, seq.to_be_bytes(), change.to_bytes());
        self.sync_write(write)?;
        *self.roster.write().unwrap_or_else(|p| p.into_inner()) = roster;
        Ok(RosterOutcome::Applied { version: seq })
    }
}

type StatusChange = (EntryId, Box<dyn Fn(&mut EntryStatus)>);

/// Which held entries a new payload changes the status of.
fn status_changes(id: EntryId, payload: &Payload) -> Vec<StatusChange> {
    match payload {
        Payload::Retraction(r) => vec![(
            r.target,
            Box::new(move |s: &mut EntryStatus| s.retracted_by = Some(id)),
        )],
        Payload::PracticeRevision(r) => vec![(
            r.supersedes,
            Box::new(move |s: &mut EntryStatus| s.superseded_by = Some(id)),
        )],
        _ => Vec::new(),
    }
}
