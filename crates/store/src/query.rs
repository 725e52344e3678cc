//! Structured queries (commitment, kind, city, country, language, year, time). A commitment is
//! answered from its index keys; a city from its facet records (author ‖ seq, one iterator); the
//! rest from a scan of the facet records, one small record per entry (ARCHITECTURE.md says why
//! the store keeps no other index).

use crate::layout::*;
use crate::{Store, StoreError, StoredEntry};
use coalition_record::{codec, EntryId, Payload, PublicKey, SignedEntry};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// What a later entry said about this one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryStatus {
    /// The retraction (kind 5) that withdrew this entry, if one is held.
    pub retracted_by: Option<EntryId>,
    /// The practice revision (kind 2) that replaced this practice, if one is held.
    pub superseded_by: Option<EntryId>,
}

/// The indexed facts of an entry, kept beside it so filters need not decode payloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntrySummary {
    /// The city that signed the entry.
    pub author: PublicKey,
    /// Its position in the author's log (1, 2, 3…).
    pub seq: u64,
    /// The payload's kind code, from the header (PROTOCOL.md §8).
    pub kind: u16,
    /// The header's timestamp (ms since the Unix epoch); orders query results.
    pub timestamp_ms: i64,
    /// Ten-Point-Plan commitments (1 to 10) the payload is tagged with; empty without a payload.
    pub commitments: Vec<u8>,
    /// The ISO 3166-1 alpha-2 country the payload states, if any.
    pub country: Option<String>,
    /// BCP 47 tags of the languages the payload's texts are in.
    pub languages: Vec<String>,
    /// The year the payload is about (a practice's start, an update's date, a report's period).
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
    /// The commitment index keys of the entry (one per commitment).
    pub(crate) fn index_keys(&self, id: &EntryId) -> Vec<Vec<u8>> {
        // Deduplicated: a payload listing a commitment twice still has one key.
        let distinct: HashSet<u8> = self.commitments.iter().copied().collect();
        distinct
            .into_iter()
            .map(|c| index_key(IndexTag::Commitment, &[c], self.timestamp_ms, id))
            .collect()
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
    /// Kind codes, any of which matches.
    pub kinds: Option<Vec<u16>>,
    /// A commitment (1 to 10) the entry is tagged with; answered from the commitment index.
    pub commitment: Option<u8>,
    /// The signing city; answered from that city's facet records.
    pub author: Option<PublicKey>,
    /// An ISO 3166-1 alpha-2 code, compared exactly.
    pub country: Option<String>,
    /// A BCP 47 tag, compared on its primary subtag: `fr` matches `fr-CA` and the reverse.
    pub language: Option<String>,
    /// The year the payload is about (see [`EntrySummary::year`]).
    pub year: Option<i32>,
    /// Earliest timestamp, inclusive (ms since the Unix epoch).
    pub since_ms: Option<i64>,
    /// Latest timestamp, exclusive (ms since the Unix epoch).
    pub until_ms: Option<i64>,
    /// Also return retracted and superseded entries.
    pub include_inactive: bool,
    /// Matches to skip, newest first.
    pub offset: usize,
    /// Most matches to return after `offset`; 0 means no limit.
    pub limit: usize,
}

impl Store {
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
        let mut matched = match (q.commitment, q.author) {
            (Some(c), _) => self.commitment_matches(q, c)?,
            (None, Some(author)) => self.facet_matches(q, &author.0)?,
            (None, None) => self.facet_matches(q, &[])?,
        };
        matched.sort_by(|a, b| b.cmp(a));
        let limit = if q.limit == 0 { usize::MAX } else { q.limit };
        Ok(matched
            .into_iter()
            .skip(q.offset)
            .take(limit)
            .map(|(_, id)| id)
            .collect())
    }

    /// Whether a retracted or superseded entry is to be left out.
    fn hidden(
        &self,
        q: &Query,
        inactive: &HashSet<EntryId>,
        id: &EntryId,
    ) -> Result<bool, StoreError> {
        if q.include_inactive || !inactive.contains(id) {
            return Ok(false);
        }
        let status = self.status(id)?;
        Ok(status.retracted_by.is_some() || status.superseded_by.is_some())
    }

    /// Matches from one commitment's index keys; other dimensions from the facet record.
    fn commitment_matches(&self, q: &Query, c: u8) -> Result<Vec<(i64, EntryId)>, StoreError> {
        let prefix = index_prefix(IndexTag::Commitment, &[c]);
        let needs_summary = q.kinds.is_some()
            || q.author.is_some()
            || q.country.is_some()
            || q.language.is_some()
            || q.year.is_some();
        let inactive = self
            .inactive
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let db = self.db()?;
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
                || self.hidden(q, &inactive, &id)?
            {
                continue;
            }
            if needs_summary && !self.summary(&id)?.is_some_and(|s| s.matches(q)) {
                continue;
            }
            matched.push((timestamp_ms, id));
        }
        Ok(matched)
    }

    /// Matches from the facet records under `prefix` (an author, or every record).
    fn facet_matches(&self, q: &Query, prefix: &[u8]) -> Result<Vec<(i64, EntryId)>, StoreError> {
        let inactive = self
            .inactive
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let db = self.db()?;
        let mut matched = Vec::new();
        let mode = rocksdb::IteratorMode::From(prefix, rocksdb::Direction::Forward);
        for item in db.iterator_cf(db.cf(CF_FACETS)?, mode) {
            let (key, record) = item?;
            if !key.starts_with(prefix) {
                break;
            }
            let (id, summary) = decode_facets(&record)?;
            if !summary.matches(q) || self.hidden(q, &inactive, &id)? {
                continue;
            }
            matched.push((summary.timestamp_ms, id));
        }
        Ok(matched)
    }

    /// The indexed summary of an entry; `None` when the entry is not held.
    pub fn summary(&self, id: &EntryId) -> Result<Option<EntrySummary>, StoreError> {
        let db = self.db()?;
        let Some(at) = db.get_pinned_cf(db.cf(CF_IDS)?, id.0)? else {
            return Ok(None);
        };
        let record = db.get_pinned_cf(db.cf(CF_FACETS)?, &at)?;
        let summary = match record {
            Some(record) => Some(decode_facets(&record)?.1),
            None => None,
        };
        Ok(summary)
    }
}

fn decode_facets(record: &[u8]) -> Result<(EntryId, EntrySummary), StoreError> {
    let (id, bytes) = split_facet_record(record)
        .ok_or_else(|| StoreError::Corrupt("a facet record is shorter than an id".into()))?;
    let summary = codec::decode_canonical("entry summary", bytes, 64 * 1024)
        .map_err(|e| StoreError::Corrupt(format!("summary of {id}: {e}")))?;
    Ok((id, summary))
}
