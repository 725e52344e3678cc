//! What one ingest batch sees and yields, shared by the look-ahead (`pipeline`), the write
//! (`ingest`), local publishing (`publish`) and the kind-specific checks (`cycles`, `erasures`):
//! the outcome of each entry, the batch's view of the store, and the reference rule.

use crate::query::EntryStatus;
use crate::records::EntryRecords;
use crate::{Store, StoreError};
use coalition_record::{
    EntryId, Payload, PayloadBlob, PayloadKind, PublicKey, RecordError, SignedEntry, VerifiedEntry,
};
use std::collections::{HashMap, HashSet};

/// An entry as decoded from the wire, with its payload when it came with one.
pub(crate) type Decoded = (Result<SignedEntry, RecordError>, Option<PayloadBlob>);

/// What became of one entry handed to [`Store::ingest`].
#[derive(Debug, Clone, PartialEq)]
pub enum IngestOutcome {
    /// New, valid, and durable.
    Stored {
        /// The entry's id.
        id: EntryId,
    },
    /// Already held; nothing was verified again.
    Duplicate {
        /// The entry's id.
        id: EntryId,
    },
    /// A second valid entry at a held seq: the fork proof is stored, the entry is not.
    Fork {
        /// The id of the entry refused.
        id: EntryId,
        /// The id of the entry held at that seq.
        existing: EntryId,
    },
    /// Its predecessors are missing: keep it and sync the author's log from `have + 1`.
    Gap {
        /// The entry's id.
        id: EntryId,
        /// The city whose log has the gap.
        author: PublicKey,
        /// The entry's seq, above `have + 1`.
        seq: u64,
        /// The author's highest seq held (0: none).
        have: u64,
    },
    /// It came without its payload and no erasure of it is known here: not stored. A payload is
    /// absent only when its author erased it; a copy stripped of it is fetched again in full.
    PayloadMissing {
        /// The entry's id.
        id: EntryId,
    },
    /// Already held without its payload (stored by an older version from a stripped copy); this
    /// copy's payload matched the entry's commitment and is now stored.
    PayloadRestored {
        /// The entry's id.
        id: EntryId,
    },
    /// It broke a rule and was not stored.
    Rejected {
        /// The entry's id; `None` when its bytes did not decode.
        id: Option<EntryId>,
        /// The rule it broke.
        error: RecordError,
    },
}

impl IngestOutcome {
    /// Whether this ingest stored the entry ([`IngestOutcome::Stored`]; a restored payload or a
    /// duplicate does not count).
    pub fn is_stored(&self) -> bool {
        matches!(self, IngestOutcome::Stored { .. })
    }
}

/// An erasure carried in a batch being ingested, by its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ErasedBy {
    /// The erasure's entry id.
    pub erasure: EntryId,
    /// The city that signed a kind-6 erasure (it must be the target's author); `None` for a
    /// committee order, which may name any city's entry.
    pub author: Option<PublicKey>,
}

/// The state a batch sees: the stored frontier plus what the batch itself appended.
pub(crate) struct BatchView<'a> {
    store: &'a Store,
    pub(crate) frontier: HashMap<PublicKey, (u64, EntryId)>,
    /// Heads written by the batch before this one in a pipelined stream and not yet in the
    /// store's frontier, which takes them once their write is durable (`pipeline.rs`).
    pub(crate) written: HashMap<PublicKey, (u64, EntryId)>,
    pub(crate) appended: HashMap<(PublicKey, u64), EntryId>,
    pub(crate) ids: HashSet<EntryId>,
    /// Entries appended by this batch, not yet readable from the database.
    pub(crate) held: HashMap<EntryId, SignedEntry>,
    /// Statuses the batch sets (retraction, revision), merged with stored ones.
    pub(crate) status: HashMap<EntryId, EntryStatus>,
    /// Signature verdicts reached ahead (`pipeline.rs`), by id: each signature checked once.
    pub(crate) signatures: HashMap<EntryId, Result<(), RecordError>>,
    /// Payload checks done ahead for entries whose signature held, by position in the batch.
    pub(crate) payloads: HashMap<usize, crate::pipeline::PayloadCheck>,
    /// Ids the look-ahead already looked up and found not stored.
    pub(crate) absent: HashSet<EntryId>,
    /// Erasures the batch carries, by target (`erasures.rs`): an entry they erased may come
    /// without its payload.
    pub(crate) erased_ahead: HashMap<EntryId, ErasedBy>,
    /// The own records of entries checked ahead, by position in the batch.
    pub(crate) records: HashMap<usize, EntryRecords>,
    /// What the batch is done with once written.
    pub(crate) spent: Spent,
}

/// What a batch's writer is done with: its entries and decoded payloads. Freeing a batch of
/// decoded practices took a sixth of the writer's time (issue #14's profile), so a pipelined
/// ingest hands them to another thread to free.
pub(crate) type Spent = Vec<VerifiedEntry>;

impl<'a> BatchView<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        BatchView {
            store,
            frontier: HashMap::new(),
            written: HashMap::new(),
            appended: HashMap::new(),
            ids: HashSet::new(),
            held: HashMap::new(),
            status: HashMap::new(),
            signatures: HashMap::new(),
            payloads: HashMap::new(),
            absent: HashSet::new(),
            erased_ahead: HashMap::new(),
            records: HashMap::new(),
            spent: Spent::new(),
        }
    }

    pub(crate) fn head(&self, author: &PublicKey) -> Option<(u64, EntryId)> {
        self.frontier
            .get(author)
            .or_else(|| self.written.get(author))
            .copied()
            .or_else(|| self.store.head(author))
    }

    pub(crate) fn id_at(
        &self,
        author: &PublicKey,
        seq: u64,
    ) -> Result<Option<EntryId>, StoreError> {
        if let Some(id) = self.appended.get(&(*author, seq)) {
            return Ok(Some(*id));
        }
        let Some((have, head)) = self.head(author) else {
            return Ok(None);
        };
        if seq > have {
            return Ok(None);
        }
        if seq == have {
            return Ok(Some(head));
        }
        self.store.id_at(author, seq)
    }

    pub(crate) fn contains(&self, id: &EntryId) -> Result<bool, StoreError> {
        if self.ids.contains(id) {
            return Ok(true);
        }
        Ok(!self.absent.contains(id) && self.store.contains(id)?)
    }

    /// The author and kind of an entry held in the store or this batch.
    pub(crate) fn author_and_kind(
        &self,
        id: &EntryId,
    ) -> Result<Option<(PublicKey, u16)>, StoreError> {
        if let Some(entry) = self.held.get(id) {
            return Ok(Some((entry.header.author, entry.header.kind)));
        }
        let Some((author, seq)) = self.store.position(id)? else {
            return Ok(None);
        };
        let Some(bytes) = self.store.entry_bytes_at(&author, seq)? else {
            return Ok(None);
        };
        Ok(SignedEntry::decode(&bytes)
            .ok()
            .map(|e| (author, e.header.kind)))
    }
}

/// A retraction, revision or erasure may only name an entry its own author already published.
pub(crate) fn check_references(
    view: &BatchView<'_>,
    verified: &VerifiedEntry,
) -> Result<(), RecordError> {
    let Some((_, payload)) = &verified.payload else {
        return Ok(());
    };
    let (field, target) = match payload {
        Payload::Retraction(r) => ("retraction.target", r.target),
        Payload::PracticeRevision(r) => ("revision.supersedes", r.supersedes),
        Payload::Erasure(e) => ("erasure.target", e.target),
        _ => return Ok(()),
    };
    let found = view
        .author_and_kind(&target)
        .map_err(|e| RecordError::Schema {
            field: field.into(),
            rule: format!("could not look up the target: {e}"),
        })?;
    match found {
        Some((author, kind)) if author == verified.entry.header.author => {
            let practice = matches!(
                PayloadKind::from_code(kind),
                Some(PayloadKind::Practice | PayloadKind::PracticeRevision)
            );
            if matches!(payload, Payload::PracticeRevision(_)) && !practice {
                return Err(RecordError::Schema {
                    field: field.into(),
                    rule: format!("{target} is not a practice; a revision replaces a practice or an earlier revision"),
                });
            }
            Ok(())
        }
        Some(_) => Err(RecordError::Schema {
            field: field.into(),
            rule: format!(
                "{target} was published by another city; a city may only change its own entries"
            ),
        }),
        None => Err(RecordError::Schema {
            field: field.into(),
            rule: format!("{target} is not an entry this node holds"),
        }),
    }
}
