//! Reading entries back: by id (id → author ‖ seq → one read of the log record), by city and seq
//! range (one iterator over the city's log records), and as wire bytes for sync and export
//! (sliced from the record, nothing decoded).

use crate::layout::*;
use crate::query::EntryStatus;
use crate::{Store, StoreError, StoredEntry};
use coalition_record::{codec, EntryId, PublicKey, SignedEntry, WireEntry};

/// Scans of up to this many entries (about 750 KiB of practices, 1% of the block cache) fill
/// the block cache; longer ones read past it.
const CACHED_SCAN_MAX_ENTRIES: usize = 256;

impl Store {
    /// Decodes a log record read at `author`, `seq`.
    fn stored_entry(
        &self,
        author: &PublicKey,
        seq: u64,
        record: &[u8],
    ) -> Result<StoredEntry, StoreError> {
        let corrupt = |what: String| {
            StoreError::Corrupt(format!("entry {} seq {seq}: {what}", author.short()))
        };
        let parts =
            split_log_record(record).ok_or_else(|| corrupt("malformed log record".into()))?;
        let entry = SignedEntry::decode_stored(parts.entry).map_err(|e| corrupt(e.to_string()))?;
        let status = self.status(&entry.id())?;
        Ok(StoredEntry::new(entry, parts.blob(), status))
    }

    fn read_entry(&self, author: &PublicKey, seq: u64) -> Result<Option<StoredEntry>, StoreError> {
        let db = self.db()?;
        let Some(record) = db.get_pinned_cf(db.cf(CF_ENTRIES)?, entry_key(author, seq))? else {
            return Ok(None);
        };
        self.stored_entry(author, seq, &record).map(Some)
    }

    /// What later entries said about `id` (retracted, superseded); the default, all `None`, for
    /// an entry never retracted or revised and for one not held.
    pub fn status(&self, id: &EntryId) -> Result<EntryStatus, StoreError> {
        // Most entries were never retracted or revised: answer those from memory.
        if !self
            .inactive
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
        {
            return Ok(EntryStatus::default());
        }
        let db = self.db()?;
        let status = match db.get_pinned_cf(db.cf(CF_STATUS)?, id.0)? {
            Some(bytes) => codec::decode_canonical("entry status", &bytes, 1024)
                .map_err(|e| StoreError::Corrupt(format!("status of {id}: {e}")))?,
            None => EntryStatus::default(),
        };
        Ok(status)
    }

    /// Reads the log record at `author`, `seq` and hands its parts to `read` (bytes only).
    fn with_log_record<T>(
        &self,
        author: &PublicKey,
        seq: u64,
        read: impl FnOnce(LogRecord<'_>) -> T,
    ) -> Result<Option<T>, StoreError> {
        let db = self.db()?;
        let Some(record) = db.get_pinned_cf(db.cf(CF_ENTRIES)?, entry_key(author, seq))? else {
            return Ok(None);
        };
        let parts = split_log_record(&record).ok_or_else(|| {
            StoreError::Corrupt(format!(
                "the log record of {} seq {seq} is malformed",
                author.short()
            ))
        })?;
        Ok(Some(read(parts)))
    }

    /// The bytes of the entry held at `author`, `seq` (without its payload).
    pub(crate) fn entry_bytes_at(
        &self,
        author: &PublicKey,
        seq: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_log_record(author, seq, |parts| parts.entry.to_vec())
    }

    /// The id of `author`'s entry at `seq`, if held.
    pub fn id_at(&self, author: &PublicKey, seq: u64) -> Result<Option<EntryId>, StoreError> {
        Ok(self
            .entry_bytes_at(author, seq)?
            .map(|bytes| coalition_record::Hash32::of(&bytes)))
    }

    /// Where the entry with this id is held.
    pub(crate) fn position(&self, id: &EntryId) -> Result<Option<(PublicKey, u64)>, StoreError> {
        let db = self.db()?;
        let Some(at) = db.get_pinned_cf(db.cf(CF_IDS)?, id.0)? else {
            return Ok(None);
        };
        let position = split_entry_key(&at)
            .ok_or_else(|| StoreError::Corrupt(format!("id index of {id} is malformed")))?;
        Ok(Some(position))
    }

    /// The entry with this id, if held.
    pub fn entry(&self, id: &EntryId) -> Result<Option<StoredEntry>, StoreError> {
        match self.position(id)? {
            Some((author, seq)) => self.read_entry(&author, seq),
            None => Ok(None),
        }
    }

    /// The wire form of the entry with this id (entry and payload bytes), if held. Bytes only:
    /// nothing is decoded (for serving and export; [`Store::entry`] decodes).
    pub fn wire_entry(&self, id: &EntryId) -> Result<Option<WireEntry>, StoreError> {
        match self.position(id)? {
            Some((author, seq)) => self.with_log_record(&author, seq, |parts| WireEntry {
                entry: parts.entry.to_vec(),
                payload: parts.blob(),
            }),
            None => Ok(None),
        }
    }

    /// Finds an entry by a unique hex prefix of its id (at least 8 characters), as people type them.
    pub fn entry_by_prefix(&self, prefix: &str) -> Result<Option<StoredEntry>, StoreError> {
        let prefix = prefix.trim().to_ascii_lowercase();
        // Checked before slicing below, which would panic inside a multi-byte character.
        if prefix.len() < 8 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        if let Ok(id) = EntryId::from_hex(&prefix) {
            return self.entry(&id);
        }
        let Ok(raw) = hex::decode(&prefix[..prefix.len() & !1]) else {
            return Ok(None);
        };
        let mut found = None;
        let db = self.db()?;
        for item in db.prefix_iterator_cf(db.cf(CF_IDS)?, &raw) {
            let (key, _) = item?;
            if !key.starts_with(&raw) {
                break;
            }
            if hex::encode(&key).starts_with(&prefix) {
                if found.is_some() {
                    return Ok(None);
                }
                let id: [u8; 32] = key
                    .as_ref()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("id index key is not 32 bytes".into()))?;
                found = Some(EntryId::from_raw(id));
            }
        }
        match found {
            Some(id) => self.entry(&id),
            None => Ok(None),
        }
    }

    /// The entry at `seq` of `author`'s log; `None` when it is not held.
    pub fn entry_at(
        &self,
        author: &PublicKey,
        seq: u64,
    ) -> Result<Option<StoredEntry>, StoreError> {
        self.read_entry(author, seq)
    }

    /// How many entries a scan of `author`'s log from `from` reads, at most `limit`: known from
    /// the city's head (logs are contiguous).
    fn scan_length(&self, author: &PublicKey, from: u64, limit: usize) -> usize {
        let held = self
            .head(author)
            .map_or(0, |(head, _)| head.saturating_sub(from.max(1)) + 1);
        usize::try_from(held).unwrap_or(usize::MAX).min(limit)
    }

    /// Calls `each(seq, record)` on `author`'s log records from seq `from` on, in order, until
    /// it returns `false`; `length` is how many records the caller expects to read. A raw
    /// iterator bounded by the city's prefix: the records are borrowed from RocksDB's blocks,
    /// not copied per item.
    fn scan_log(
        &self,
        author: &PublicKey,
        from: u64,
        length: usize,
        mut each: impl FnMut(u64, &[u8]) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        let db = self.db()?;
        let mut options = rocksdb::ReadOptions::default();
        // Up to (not including) seq u64::MAX, which no chain reaches.
        options.set_iterate_upper_bound(entry_key(author, u64::MAX).to_vec());
        // A long scan (a whole log for sync, export or an index rebuild) reads each block once:
        // caching it would only evict the blocks that point reads and short pages reuse, and
        // inserting and evicting was a third of the scan's time (PERFORMANCE.md).
        options.fill_cache(length <= CACHED_SCAN_MAX_ENTRIES);
        let mut it = db.raw_iterator_cf_opt(db.cf(CF_ENTRIES)?, options);
        it.seek(entry_key(author, from.max(1)));
        while let (Some(key), Some(record)) = (it.key(), it.value()) {
            if !key.starts_with(&author.0) {
                break;
            }
            let seq = split_entry_key(key).map_or(0, |(_, s)| s);
            if !each(seq, record)? {
                return Ok(());
            }
            it.next();
        }
        it.status()?;
        Ok(())
    }

    /// Up to `limit` entries of `author`'s log from seq `from` on, in order.
    pub fn log(
        &self,
        author: &PublicKey,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        // Sized from the city's head, so a long log is not moved as the vector grows.
        let length = self.scan_length(author, from, limit);
        let mut out = Vec::with_capacity(length.min(4096));
        if limit == 0 {
            return Ok(out);
        }
        self.scan_log(author, from, length, |seq, record| {
            out.push(self.stored_entry(author, seq, record)?);
            Ok(out.len() < limit)
        })?;
        Ok(out)
    }

    /// Wire forms of `author`'s entries from seq `from` on, stopping before `max_bytes` would be
    /// passed (at least one entry is returned when there is one). Bytes only: nothing is decoded.
    pub fn log_wire(
        &self,
        author: &PublicKey,
        from: u64,
        max_entries: usize,
        max_bytes: usize,
    ) -> Result<Vec<WireEntry>, StoreError> {
        let mut out = Vec::new();
        if max_entries == 0 {
            return Ok(out);
        }
        let mut bytes_total = 0;
        let length = self.scan_length(author, from, max_entries);
        self.scan_log(author, from, length, |_, record| {
            let parts = split_log_record(record).ok_or_else(|| {
                StoreError::Corrupt(format!("a log record of {} is malformed", author.short()))
            })?;
            // As counted before schema 2: entry, payload bytes and 24 bytes of framing.
            let size = parts.entry.len() + parts.payload.map_or(0, |(_, b)| b.len() + 24);
            if !out.is_empty() && bytes_total + size > max_bytes {
                return Ok(false);
            }
            bytes_total += size;
            out.push(WireEntry {
                entry: parts.entry.to_vec(),
                payload: parts.blob(),
            });
            Ok(out.len() < max_entries)
        })?;
        Ok(out)
    }
}
