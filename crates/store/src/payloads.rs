//! Payload absence is never taken from a peer. An entry may lack its payload only when an erasure
//! of it is held; a copy stripped of its payload is refused ([`IngestOutcome::PayloadMissing`]),
//! and an entry an older version stored without its payload gets it back from the first full copy
//! that matches its commitment ([`IngestOutcome::PayloadRestored`]).

use crate::batch::{BatchView, IngestOutcome};
use crate::layout::*;
use crate::query::summarize;
use crate::write::SortedWrite;
use crate::{Store, StoreError};
use coalition_record::{codec, EntryId, PayloadBlob, PublicKey, SignedEntry};
use std::collections::HashMap;

impl Store {
    /// Whether an erasure of `id`'s payload is held.
    pub fn erasure_known(&self, id: &EntryId) -> Result<bool, StoreError> {
        let db = self.db()?;
        let found = db
            .get_pinned_cf(db.cf(CF_INDEX)?, erased_key(id))?
            .is_some();
        Ok(found)
    }

    /// Whether `id` is held with its payload absent although no erasure covers it.
    pub fn payload_missing(&self, id: &EntryId) -> Result<bool, StoreError> {
        let Some((author, seq)) = self.position(id)? else {
            return Ok(false);
        };
        let db = self.db()?;
        let absent = match db.get_pinned_cf(db.cf(CF_ENTRIES)?, entry_key(&author, seq))? {
            Some(record) => split_log_record(&record).is_some_and(|r| r.payload.is_none()),
            None => false,
        };
        Ok(absent && !self.erasure_known(id)?)
    }

    /// A held entry arrived again with a payload: a duplicate, unless the held copy lacks its
    /// payload without an erasure, in which case the payload is checked against the entry's
    /// commitment and stored.
    pub(crate) fn restore_payload(
        &self,
        view: &mut BatchView<'_>,
        write: &mut SortedWrite,
        entry: &SignedEntry,
        blob: PayloadBlob,
    ) -> Result<IngestOutcome, StoreError> {
        let db = self.db()?;
        let id = entry.id();
        // One read: only entries an older version kept without their payload are marked, and an
        // erasure or a restore clears the mark.
        let marked = db
            .get_pinned_cf(
                db.cf(CF_INDEX)?,
                missing_key(&entry.header.author, entry.header.seq),
            )?
            .is_some();
        if view.held.contains_key(&id) || !marked {
            return Ok(IngestOutcome::Duplicate { id });
        }
        let payload = match blob.check_against(&entry.header) {
            Ok(payload) => payload,
            Err(error) => {
                return Ok(IngestOutcome::Rejected {
                    id: Some(id),
                    error,
                })
            }
        };
        self.put_payload_effects(write, view, id, &payload)?;
        let at = entry_key(&entry.header.author, entry.header.seq);
        write.put(CF_ENTRIES, at, log_record(entry.bytes(), Some(&blob)));
        write.delete(
            CF_INDEX,
            missing_key(&entry.header.author, entry.header.seq),
        );
        let summary = summarize(entry, Some(&payload));
        for key in summary.index_keys(&id) {
            write.put(CF_INDEX, key, []);
        }
        write.put(CF_FACETS, at, facet_record(&id, &codec::encode(&summary)));
        Ok(IngestOutcome::PayloadRestored { id })
    }
}

/// In [`CF_META`]: set once the store was checked for entries an older version kept without their
/// payload.
const META_PAYLOADS_CHECKED: &[u8] = b"payloads_checked";

/// In [`CF_INDEX`]: `m` ‖ author ‖ seq → empty, for an entry held without its payload and without
/// an erasure (stored from a stripped copy by a version before this check). Sync asks for it again.
pub(crate) fn missing_key(author: &PublicKey, seq: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(41);
    key.push(b'm');
    key.extend_from_slice(&entry_key(author, seq));
    key
}

impl Store {
    /// Once per store: finds the entries held without their payload and without an erasure, and
    /// marks them so sync fetches them again. One pass over the log records.
    pub(crate) fn check_missing_payloads_once(&self) -> Result<(), StoreError> {
        let db = self.db()?;
        if self.read_only
            || db
                .get_pinned_cf(db.cf(CF_META)?, META_PAYLOADS_CHECKED)?
                .is_some()
        {
            return Ok(());
        }
        let mut write = SortedWrite::default();
        let mut found = 0usize;
        for item in db.iterator_cf(db.cf(CF_ENTRIES)?, rocksdb::IteratorMode::Start) {
            let (key, record) = item?;
            let Some(parts) = split_log_record(&record) else {
                continue;
            };
            if parts.payload.is_some() {
                continue;
            }
            let id = coalition_record::Hash32::of(parts.entry);
            if self.erasure_known(&id)? {
                continue;
            }
            if let Some((author, seq)) = split_entry_key(&key) {
                write.put(CF_INDEX, missing_key(&author, seq), []);
                found += 1;
            }
        }
        write.put(CF_META, META_PAYLOADS_CHECKED, [1]);
        drop(db);
        self.sync_write(write)?;
        if found > 0 {
            tracing::warn!(
                entries = found,
                "entries held without their payload and without an erasure (stored from stripped copies by an older version); sync fetches them again"
            );
        }
        Ok(())
    }

    /// Per author, the lowest seq held without its payload (see [`Self::payload_missing`]).
    pub fn missing_payloads(&self) -> Result<HashMap<PublicKey, u64>, StoreError> {
        let db = self.db()?;
        let mut lowest = HashMap::new();
        let prefix = [b'm'];
        for item in db.prefix_iterator_cf(db.cf(CF_INDEX)?, prefix) {
            let (key, _) = item?;
            if key.first() != Some(&b'm') {
                break;
            }
            if let Some((author, seq)) = key.get(1..).and_then(split_entry_key) {
                lowest.entry(author).or_insert(seq);
            }
        }
        Ok(lowest)
    }

    /// An erasure of `target` makes its absent payload rightful: clears the mark that would have
    /// sync ask for it again.
    pub(crate) fn clear_missing_mark(
        &self,
        write: &mut SortedWrite,
        target: &EntryId,
    ) -> Result<(), StoreError> {
        let db = self.db()?;
        if let Some(at) = db.get_pinned_cf(db.cf(CF_IDS)?, target.0)? {
            if let Some((author, seq)) = split_entry_key(&at) {
                write.delete(CF_INDEX, missing_key(&author, seq));
            }
        }
        Ok(())
    }
}
