//! Erasures in the store (PROTOCOL.md §8.9). A city's erasure (kind 6) or a committee order
//! (kind 13) marks its target erased in the same write that stores it; right after that write is
//! durable the target's payload is deleted — its log record is written again without the payload,
//! its payload-derived facets and index keys go — and forced out of RocksDB's files (memtables
//! flushed, so the WAL holding the old record is dropped, and the record's range compacted down to
//! the last level). The header, signature and chain stay, so every log still verifies. A target
//! that arrives after its erasure is stored without its payload, and a copy re-offered with its
//! payload is a duplicate. Receipts (kind 12) say which nodes have done this.

use crate::batch::{Decoded, ErasedBy};
use crate::error::refusal;
use crate::layout::*;
use crate::query::{summarize, Query};
use crate::write::SortedWrite;
use crate::{Store, StoreError};
use coalition_record::{
    codec, Charter, EntryId, Payload, PayloadKind, PublicKey, SignedEntry, VerifiedEntry, WireEntry,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// An erasure held by this node: a city's own (kind 6) or a committee order (kind 13).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldErasure {
    /// The erasure's (or order's) entry id: what receipts name.
    pub id: EntryId,
    /// The city whose log carries it.
    pub author: PublicKey,
    /// The carrying entry's timestamp (ms since the Unix epoch; informational, as on every
    /// entry). [`Store::erasures`] sorts by it.
    pub timestamp_ms: i64,
    /// The entry whose payload is erased.
    pub target: EntryId,
    /// Why, in the signer's words (the erasure's or the order's `reason`).
    pub reason: String,
    /// A committee order rather than the target city's own erasure.
    pub by_committee: bool,
}

/// The target an erasure payload names, when it has authority here: a city's erasure (the
/// store's reference rule checked it names the city's own entry) or an order that carries the
/// committee threshold (checked again on read: a node of an earlier release stored kind 13
/// unchecked, as a newer kind).
fn erased_target(charter: &Charter, payload: &Payload) -> Option<EntryId> {
    match payload {
        Payload::Erasure(e) => Some(e.target),
        Payload::ErasureOrder(o) if o.verify(charter).is_ok() => Some(o.order.target),
        _ => None,
    }
}

/// The erasures a batch carries with a valid signature and payload (orders: with the threshold),
/// wherever they sit in their logs: an entry of the batch that comes without its payload is
/// stored when one of them erased it. Only entries of kinds 6 and 13 are checked here (those not
/// already checked ahead in `verified`).
pub(crate) fn erasures_carried(
    charter: &Charter,
    decoded: &[Decoded],
    payloads: &HashMap<usize, crate::pipeline::PayloadCheck>,
) -> HashMap<EntryId, ErasedBy> {
    let mut out = HashMap::new();
    let erasure_kinds = [
        PayloadKind::Erasure.code(),
        PayloadKind::ErasureOrder.code(),
    ];
    for (index, (entry, blob)) in decoded.iter().enumerate() {
        let Ok(entry) = entry else { continue };
        if !erasure_kinds.contains(&entry.header.kind) || blob.is_none() {
            continue;
        }
        let checked = match payloads.get(&index) {
            Some(Ok(payload)) => payload.clone(),
            Some(Err(_)) => None,
            None => VerifiedEntry::verify(entry.clone(), blob.clone())
                .ok()
                .and_then(|v| v.payload.map(|(_, p)| p)),
        };
        let Some(payload) = checked else { continue };
        let Some(target) = erased_target(charter, &payload) else {
            continue;
        };
        let author = match payload {
            Payload::Erasure(_) => Some(entry.header.author),
            _ => None,
        };
        out.insert(
            target,
            ErasedBy {
                erasure: entry.id(),
                author,
            },
        );
    }
    out
}

impl Store {
    /// Marks the target of an erasure payload erased (in `write`) and queues the deletion of its
    /// payload for right after the write is durable.
    pub(crate) fn mark_erased(
        &self,
        write: &mut SortedWrite,
        erasure: EntryId,
        payload: &Payload,
    ) -> Result<(), StoreError> {
        let Some(target) = erased_target(&self.charter, payload) else {
            return Ok(());
        };
        self.put_erased_mark(write, &target, &erasure);
        self.clear_missing_mark(write, &target)?;
        self.pending_purge
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(target);
        Ok(())
    }

    /// The mark that `target`'s payload is erased, holding the erasure's id: sync serves the
    /// erasure beside the target (see `erasure_of`).
    pub(crate) fn put_erased_mark(
        &self,
        write: &mut SortedWrite,
        target: &EntryId,
        erasure: &EntryId,
    ) {
        write.put(CF_INDEX, erased_key(target), erasure.0);
        self.erasure_marks
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Whether the write being built queued payloads to purge (it carries an erasure).
    pub(crate) fn purge_waiting(&self) -> bool {
        !self
            .pending_purge
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
    }

    /// Drops the purges queued by a write that failed or was never made: its erasures are not
    /// durable, so their targets' payloads stay.
    pub(crate) fn forget_queued_purges(&self) {
        self.pending_purge
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// After a durable write: deletes the payloads its erasures named. Caller holds the write
    /// lock. A failure here leaves the mark; [`Store::purge_erased`] finishes it later.
    pub(crate) fn purge_queued(&self) {
        let queued: Vec<EntryId> =
            std::mem::take(&mut *self.pending_purge.lock().unwrap_or_else(|p| p.into_inner()));
        if queued.is_empty() {
            return;
        }
        self.erasures_applied
            .fetch_add(queued.len() as u64, std::sync::atomic::Ordering::Release);
        for target in &queued {
            if let Err(error) = self.delete_erased_payload(target) {
                tracing::warn!(%target, %error, "could not delete an erased payload yet; it is retried at the next start");
            }
        }
        if let Err(error) = self.force_out_of_files(&queued) {
            tracing::warn!(%error, "could not compact erased payloads out of the store's files yet; retried at the next start");
        }
    }

    /// At open: whether any erasure mark is held (one seek).
    pub(crate) fn note_erasure_marks(&self) -> Result<(), StoreError> {
        let db = self.db()?;
        let held = match db.prefix_iterator_cf(db.cf(CF_INDEX)?, [b'e']).next() {
            Some(item) => item?.0.first() == Some(&b'e'),
            None => false,
        };
        self.erasure_marks
            .store(held, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Whether this store may hold an erasure mark: false only when it held none at open and
    /// has written none since, so ingest skips a lookup per entry in the common case.
    pub(crate) fn may_hold_erasures(&self) -> bool {
        self.erasure_marks
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// How many erasures this store has applied since it was opened: changes when there is
    /// something new to confirm.
    pub fn erasures_applied(&self) -> u64 {
        self.erasures_applied
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Deletes every erased payload still held and forces it out of the files: what a node does
    /// at start (an erasure stored by a run that stopped before deleting). Returns how many
    /// payloads were deleted.
    pub fn purge_erased(&self) -> Result<usize, StoreError> {
        self.writable()?;
        let _guard = self.lock_for_write()?;
        let mut deleted = Vec::new();
        for erasure in self.erasures()? {
            if self.delete_erased_payload(&erasure.target)? {
                deleted.push(erasure.target);
            }
        }
        if !deleted.is_empty() {
            self.force_out_of_files(&deleted)?;
        }
        Ok(deleted.len())
    }

    /// Writes the target's log record again without its payload, with the facets of a payload
    /// absent. `Ok(false)` when it is not held, not marked erased, or already without payload.
    fn delete_erased_payload(&self, target: &EntryId) -> Result<bool, StoreError> {
        if !self.erasure_known(target)? {
            return Ok(false);
        }
        let Some((author, seq)) = self.position(target)? else {
            return Ok(false);
        };
        let db = self.db()?;
        let at = entry_key(&author, seq);
        let Some(record) = db.get_cf(db.cf(CF_ENTRIES)?, at)? else {
            return Ok(false);
        };
        let Some(parts) = split_log_record(&record) else {
            return Err(StoreError::Corrupt(format!(
                "log record of {target} is malformed"
            )));
        };
        let Some(blob) = parts.blob() else {
            return Ok(false);
        };
        let entry = SignedEntry::decode(parts.entry)
            .map_err(|e| StoreError::Corrupt(format!("stored entry {target}: {e}")))?;
        let payload = Payload::decode_stored(&blob.bytes).ok();
        let before = summarize(&entry, payload.as_ref());
        let after = summarize(&entry, None);
        let keep: HashSet<Vec<u8>> = after.index_keys(target).into_iter().collect();
        let mut write = SortedWrite::default();
        write.put(CF_ENTRIES, at, log_record(parts.entry, None));
        for key in before.index_keys(target) {
            if !keep.contains(&key) {
                write.delete(CF_INDEX, key);
            }
        }
        write.put(CF_FACETS, at, facet_record(target, &codec::encode(&after)));
        let mut options = rocksdb::WriteOptions::default();
        options.set_sync(true);
        db.write_opt(write.into_batch(&db)?, &options)
            .map_err(|e| self.write_failed(e))?;
        Ok(true)
    }

    /// Flushes every memtable (so no WAL still holds the old records) and compacts the erased
    /// records' ranges down to the last level (so no SST file does).
    fn force_out_of_files(&self, targets: &[EntryId]) -> Result<(), StoreError> {
        let db = self.db()?;
        for name in ALL_CFS {
            if let Ok(cf) = db.cf(name) {
                db.flush_cf(cf)?;
            }
        }
        let mut options = rocksdb::CompactOptions::default();
        options.set_bottommost_level_compaction(rocksdb::BottommostLevelCompaction::Force);
        for target in targets {
            let Some((author, seq)) = self.position(target)? else {
                continue;
            };
            let from = entry_key(&author, seq);
            let to = entry_key(&author, seq.saturating_add(1));
            for name in [CF_ENTRIES, CF_FACETS] {
                db.compact_range_cf_opt(db.cf(name)?, Some(from), Some(to), &options);
            }
        }
        Ok(())
    }

    /// What `city` signs to erase the payload of its entry `target`: the erasure, after a
    /// revision without the contact person when the target is a practice's version in force.
    /// Refused, naming the rule, for an entry not held, another city's, or already erased.
    pub fn erasure_payloads_for(
        &self,
        city: &PublicKey,
        target: &EntryId,
        reason: &str,
    ) -> Result<Vec<Payload>, StoreError> {
        let Some(held) = self.entry(target)? else {
            return Err(refusal(
                "erasure.target",
                "unknown_entry",
                format!("no entry {target} on this node"),
            ));
        };
        if held.entry.header.author != *city {
            return Err(refusal(
                "erasure.target",
                "not_own_entry",
                format!("entry {target} was published by another city; a city erases only its own entries (the Steering Committee can order any erasure: `coalition erasure-order`)"),
            ));
        }
        if self.erasure_known(target)? {
            return Err(refusal(
                "erasure.target",
                "already_erased",
                format!("the payload of {target} is already erased"),
            ));
        }
        let current = held.status.retracted_by.is_none() && held.status.superseded_by.is_none();
        Ok(coalition_record::erasing::erasure_payloads(
            *target,
            held.payload(),
            current,
            reason,
        ))
    }

    /// The erasure (or order) that erased `target`, in wire form: what sync sends before an
    /// entry it serves without its payload, so that a node which never had the payload can
    /// store the entry (see `erasures_carried`). `None` for a mark written before it held
    /// the erasure's id.
    pub fn erasure_of(&self, target: &EntryId) -> Result<Option<WireEntry>, StoreError> {
        let db = self.db()?;
        let Some(value) = db.get_pinned_cf(db.cf(CF_INDEX)?, erased_key(target))? else {
            return Ok(None);
        };
        let Ok(id) = <[u8; 32]>::try_from(&value[..]) else {
            return Ok(None);
        };
        Ok(self
            .entry(&coalition_record::Hash32(id))?
            .map(|e| e.to_wire()))
    }

    /// Every erasure this node holds with authority (a city's own, or a committee order with the
    /// threshold), oldest first.
    pub fn erasures(&self) -> Result<Vec<HeldErasure>, StoreError> {
        let entries = self.query(&Query {
            kinds: Some(vec![
                PayloadKind::Erasure.code(),
                PayloadKind::ErasureOrder.code(),
            ]),
            // An erasure stays in force whatever becomes of the entry that carried it.
            include_inactive: true,
            ..Query::default()
        })?;
        let mut out: Vec<HeldErasure> = entries
            .into_iter()
            .filter_map(|e| {
                let payload = e.payload()?;
                let target = erased_target(&self.charter, payload)?;
                let (reason, by_committee) = match payload {
                    Payload::Erasure(x) => (x.reason.clone(), false),
                    Payload::ErasureOrder(o) => (o.order.reason.clone(), true),
                    _ => return None,
                };
                let h = &e.entry.header;
                Some(HeldErasure {
                    id: e.entry.id(),
                    author: h.author,
                    timestamp_ms: h.timestamp_ms,
                    target,
                    reason,
                    by_committee,
                })
            })
            .collect();
        out.sort_by_key(|e| (e.timestamp_ms, e.id));
        Ok(out)
    }

    /// Receipts held, by erasure id: each confirming city and when it signed its receipt.
    pub fn erasure_receipts(
        &self,
    ) -> Result<BTreeMap<EntryId, BTreeMap<PublicKey, i64>>, StoreError> {
        let entries = self.query(&Query {
            kinds: Some(vec![PayloadKind::ErasureReceipt.code()]),
            include_inactive: true,
            ..Query::default()
        })?;
        let mut out: BTreeMap<EntryId, BTreeMap<PublicKey, i64>> = BTreeMap::new();
        for e in entries {
            if let Some(Payload::ErasureReceipt(r)) = e.payload() {
                let h = &e.entry.header;
                let first = out.entry(r.erasure).or_default().entry(h.author);
                let at = first.or_insert(h.timestamp_ms);
                *at = (*at).min(h.timestamp_ms);
            }
        }
        Ok(out)
    }

    /// The erasures `city` has not signed a receipt for yet and whose payload is gone here.
    pub fn erasures_awaiting_receipt(
        &self,
        city: &PublicKey,
    ) -> Result<Vec<HeldErasure>, StoreError> {
        let receipts = self.erasure_receipts()?;
        let mut out = Vec::new();
        for erasure in self.erasures()? {
            if receipts
                .get(&erasure.id)
                .is_some_and(|by| by.contains_key(city))
            {
                continue;
            }
            if self.payload_held(&erasure.target)? {
                continue;
            }
            out.push(erasure);
        }
        Ok(out)
    }

    /// Whether the entry `id` is held with its payload bytes.
    pub fn payload_held(&self, id: &EntryId) -> Result<bool, StoreError> {
        let Some((author, seq)) = self.position(id)? else {
            return Ok(false);
        };
        let db = self.db()?;
        let held = match db.get_pinned_cf(db.cf(CF_ENTRIES)?, entry_key(&author, seq))? {
            Some(record) => split_log_record(&record).is_some_and(|r| r.payload.is_some()),
            None => false,
        };
        Ok(held)
    }
}
