//! Reading entries back: by id, by city and seq range, and by the secondary indexes (commitment,
//! kind, city, country, language, year, time).

use crate::layout::*;
use crate::{Store, StoreError, StoredEntry};
use coalition_record::{codec, EntryId, Payload, PayloadBlob, PublicKey, SignedEntry};
use serde::{Deserialize, Serialize};

/// What a later entry said about this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryStatus {
    pub retracted_by: Option<EntryId>,
    pub superseded_by: Option<EntryId>,
}

/// The indexed facts of an entry, kept beside it so filters need not decode payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntrySummary {
    pub author: PublicKey,
    pub seq: u64,
    pub kind: u16,
    pub timestamp_ms: i64,
    pub commitments: Vec<u8>,
    pub country: Option<String>,
    pub languages: Vec<String>,
    pub year: Option<i32>,
}

pub(crate) fn summarize(entry: &SignedEntry, payload: Option<&Payload>) -> EntrySummary {
    let h = &entry.header;
    EntrySummary {
        author: h.author,
        seq: h.seq,
        kind: h.kind,
        timestamp_ms: h.timestamp_ms,
        commitments: payload.map(|p| p.commitments()).unwrap_or_default(),
        country: payload.and_then(|p| p.country()).map(str::to_string),
        languages: payload.map(|p| p.languages()).unwrap_or_default(),
        year: payload.and_then(|p| p.year()),
    }
}

impl EntrySummary {
    pub(crate) fn index_keys(&self, id: &EntryId) -> Vec<Vec<u8>> {
        let ts = self.timestamp_ms;
        let mut keys = vec![
            index_key(IndexTag::Kind, &self.kind.to_be_bytes(), ts, id),
            index_key(IndexTag::Author, &self.author.0, ts, id),
        ];
        for c in &self.commitments {
            keys.push(index_key(IndexTag::Commitment, &[*c], ts, id));
        }
        if let Some(country) = &self.country {
            keys.push(index_key(IndexTag::Country, country.as_bytes(), ts, id));
        }
        for lang in &self.languages {
            keys.push(index_key(
                IndexTag::Language,
                primary(lang).as_bytes(),
                ts,
                id,
            ));
        }
        if let Some(year) = self.year {
            keys.push(index_key(IndexTag::Year, &year.to_be_bytes(), ts, id));
        }
        keys
    }

    fn matches(&self, q: &Query) -> bool {
        q.kinds.as_ref().is_none_or(|k| k.contains(&self.kind))
            && q.commitment.is_none_or(|c| self.commitments.contains(&c))
            && q.author.is_none_or(|a| a == self.author)
            && q.country
                .as_ref()
                .is_none_or(|c| self.country.as_deref() == Some(c.as_str()))
            && q.language
                .as_ref()
                .is_none_or(|l| self.languages.iter().any(|x| primary(x) == primary(l)))
            && q.year.is_none_or(|y| self.year == Some(y))
            && q.since_ms.is_none_or(|t| self.timestamp_ms >= t)
            && q.until_ms.is_none_or(|t| self.timestamp_ms < t)
    }
}

/// Language filters match on the primary subtag: "fr" finds "fr-CA" too.
fn primary(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

/// A structured query; every set field must match. Results come newest first.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub kinds: Option<Vec<u16>>,
    pub commitment: Option<u8>,
    pub author: Option<PublicKey>,
    pub country: Option<String>,
    pub language: Option<String>,
    pub year: Option<i32>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Also return retracted and superseded entries.
    pub include_inactive: bool,
    pub offset: usize,
    pub limit: usize,
}

impl Store {
    fn read_entry(&self, author: &PublicKey, seq: u64) -> Result<Option<StoredEntry>, StoreError> {
        let db = self.db()?;
        let Some(bytes) = db.get_pinned_cf(db.cf(CF_ENTRIES)?, entry_key(author, seq))? else {
            return Ok(None);
        };
        let entry = SignedEntry::decode(&bytes)
            .map_err(|e| StoreError::Corrupt(format!("entry {} seq {seq}: {e}", author.short())))?;
        self.complete(entry).map(Some)
    }

    fn complete(&self, entry: SignedEntry) -> Result<StoredEntry, StoreError> {
        let db = self.db()?;
        let id = entry.id();
        let blob: Option<PayloadBlob> = match db.get_pinned_cf(db.cf(CF_PAYLOADS)?, id.0)? {
            Some(bytes) => Some(
                codec::decode_stored("payload blob", &bytes)
                    .map_err(|e| StoreError::Corrupt(format!("payload of {id}: {e}")))?,
            ),
            None => None,
        };
        let payload = blob
            .as_ref()
            .and_then(|b| Payload::decode_stored(&b.bytes).ok());
        Ok(StoredEntry {
            status: self.status(&id)?,
            entry,
            blob,
            payload,
        })
    }

    pub fn status(&self, id: &EntryId) -> Result<EntryStatus, StoreError> {
        let db = self.db()?;
        // Most entries were never retracted or revised: answer those from memory.
        if !self
            .inactive
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(id)
        {
            return Ok(EntryStatus::default());
        }
        let status = match db.get_pinned_cf(db.cf(CF_STATUS)?, id.0)? {
            Some(bytes) => codec::decode_canonical("entry status", &bytes, 1024)
                .map_err(|e| StoreError::Corrupt(format!("status of {id}: {e}")))?,
            None => EntryStatus::default(),
        };
        Ok(status)
    }

    /// The entry with this id, if held.
    pub fn entry(&self, id: &EntryId) -> Result<Option<StoredEntry>, StoreError> {
        let db = self.db()?;
        let Some(at) = db.get_pinned_cf(db.cf(CF_IDS)?, id.0)? else {
            return Ok(None);
        };
        let (author, seq) = split_entry_key(&at)
            .ok_or_else(|| StoreError::Corrupt(format!("id index of {id} is malformed")))?;
        self.read_entry(&author, seq)
    }

    /// Finds an entry by a unique hex prefix of its id (at least 8 characters), as people type them.
    pub fn entry_by_prefix(&self, prefix: &str) -> Result<Option<StoredEntry>, StoreError> {
        let db = self.db()?;
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

    pub fn entry_at(
        &self,
        author: &PublicKey,
        seq: u64,
    ) -> Result<Option<StoredEntry>, StoreError> {
        self.read_entry(author, seq)
    }

    /// Up to `limit` entries of `author`'s log from seq `from` on, in order.
    pub fn log(
        &self,
        author: &PublicKey,
        from: u64,
        limit: usize,
    ) -> Result<Vec<StoredEntry>, StoreError> {
        let db = self.db()?;
        let mut out = Vec::new();
        let start = entry_key(author, from.max(1));
        for item in db.iterator_cf(
            db.cf(CF_ENTRIES)?,
            rocksdb::IteratorMode::From(&start, rocksdb::Direction::Forward),
        ) {
            let (key, bytes) = item?;
            if !key.starts_with(&author.0) || out.len() >= limit {
                break;
            }
            let entry = SignedEntry::decode(&bytes).map_err(|e| {
                StoreError::Corrupt(format!("entry of {} in the log: {e}", author.short()))
            })?;
            out.push(self.complete(entry)?);
        }
        Ok(out)
    }

    /// Wire forms of `author`'s entries from seq `from` on, stopping before `max_bytes` would be
    /// passed (at least one entry is returned when there is one).
    pub fn log_wire(
        &self,
        author: &PublicKey,
        from: u64,
        max_entries: usize,
        max_bytes: usize,
    ) -> Result<Vec<coalition_record::WireEntry>, StoreError> {
        let db = self.db()?;
        let mut out = Vec::new();
        let mut bytes_total = 0;
        let start = entry_key(author, from.max(1));
        for item in db.iterator_cf(
            db.cf(CF_ENTRIES)?,
            rocksdb::IteratorMode::From(&start, rocksdb::Direction::Forward),
        ) {
            let (key, entry) = item?;
            if !key.starts_with(&author.0) || out.len() >= max_entries {
                break;
            }
            let id = coalition_record::Hash32::of(&entry);
            let blob: Option<PayloadBlob> = db
                .get_pinned_cf(db.cf(CF_PAYLOADS)?, id.0)?
                .and_then(|b| codec::decode_canonical("payload blob", &b, usize::MAX).ok());
            let size = entry.len() + blob.as_ref().map_or(0, |b| b.bytes.len() + 24);
            if !out.is_empty() && bytes_total + size > max_bytes {
                break;
            }
            bytes_total += size;
            out.push(coalition_record::WireEntry {
                entry: entry.to_vec(),
                payload: blob,
            });
        }
        Ok(out)
    }

    /// Entries matching `q`, newest first.
    pub fn query(&self, q: &Query) -> Result<Vec<StoredEntry>, StoreError> {
        let ids = self.query_ids(q)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(e) = self.entry(&id)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Ids of entries matching `q`, newest first, after offset and limit.
    pub fn query_ids(&self, q: &Query) -> Result<Vec<EntryId>, StoreError> {
        let db = self.db()?;
        // The most selective dimension set picks the index prefix; the summary is read only when
        // another dimension must also be checked.
        let mut rest = q.clone();
        let prefix = if let Some(c) = rest.commitment.take() {
            index_prefix(IndexTag::Commitment, &[c])
        } else if let Some(author) = rest.author.take() {
            index_prefix(IndexTag::Author, &author.0)
        } else if let Some(country) = rest.country.take() {
            index_prefix(IndexTag::Country, country.as_bytes())
        } else if let Some(lang) = rest.language.take() {
            index_prefix(IndexTag::Language, primary(&lang).as_bytes())
        } else if let Some(year) = rest.year.take() {
            index_prefix(IndexTag::Year, &year.to_be_bytes())
        } else if let Some([kind]) = q.kinds.as_deref() {
            rest.kinds = None;
            index_prefix(IndexTag::Kind, &kind.to_be_bytes())
        } else {
            // Every entry has exactly one kind key: the whole store, once each.
            vec![IndexTag::Kind as u8]
        };
        let needs_summary = rest.kinds.is_some()
            || rest.commitment.is_some()
            || rest.author.is_some()
            || rest.country.is_some()
            || rest.language.is_some()
            || rest.year.is_some();
        let inactive = self.inactive.read().unwrap_or_else(|p| p.into_inner());
        let mut matched = Vec::new();
        for item in db.prefix_iterator_cf(db.cf(CF_INDEX)?, &prefix) {
            let (key, _) = item?;
            if !key.starts_with(&prefix) {
                break;
            }
            let (Some(id), Some(timestamp_ms)) =
                (id_from_index_key(&key), timestamp_from_index_key(&key))
            else {
                continue;
            };
            if q.since_ms.is_some_and(|t| timestamp_ms < t)
                || q.until_ms.is_some_and(|t| timestamp_ms >= t)
            {
                continue;
            }
            if !q.include_inactive && inactive.contains(&id) {
                let status = self.status(&id)?;
                if status.retracted_by.is_some() || status.superseded_by.is_some() {
                    continue;
                }
            }
            if needs_summary {
                let Some(summary) = self.summary(&id)? else {
                    continue;
                };
                if !summary.matches(q) {
                    continue;
                }
            }
            matched.push((timestamp_ms, id));
        }
        matched.sort_by(|a, b| b.cmp(a));
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        Ok(matched
            .into_iter()
            .skip(q.offset)
            .take(limit)
            .map(|(_, id)| id)
            .collect())
    }

    /// The indexed summary of an entry.
    pub fn summary(&self, id: &EntryId) -> Result<Option<EntrySummary>, StoreError> {
        let db = self.db()?;
        let summary = match db.get_pinned_cf(db.cf(CF_SUMMARY)?, id.0)? {
            Some(bytes) => Some(
                codec::decode_canonical("entry summary", &bytes, 64 * 1024)
                    .map_err(|e| StoreError::Corrupt(format!("summary of {id}: {e}")))?,
            ),
            None => None,
        };
        Ok(summary)
    }
}
