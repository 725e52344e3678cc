//! Column families and key encodings. Integers in keys are big-endian so that RocksDB's byte order
//! is numeric order.

use coalition_record::entry::SALT_LEN;
use coalition_record::{EntryId, Hash32, PayloadBlob, PublicKey};

/// Stored schema version. Raise it when the layout changes, with a migration (`migrate.rs`).
/// Schema 2 keeps a payload beside its entry and one facet record per entry (ARCHITECTURE.md).
pub const SCHEMA_VERSION: u32 = 2;

/// author ‖ seq → log record: the entry bytes and its payload blob (see [`log_record`]). A city's
/// log is one iterator; sync and export read its bytes without decoding.
pub const CF_ENTRIES: &str = "entries";
/// entry id → author ‖ seq.
pub const CF_IDS: &str = "ids";
/// author → seq ‖ entry id.
pub const CF_FRONTIER: &str = "frontier";
/// author ‖ seq ‖ id ‖ id → postcard(ForkProof).
pub const CF_FORKS: &str = "forks";
/// roster seq → postcard(SignedRosterChange).
pub const CF_ROSTER: &str = "roster";
/// author ‖ seq → entry id ‖ postcard(EntrySummary): one record per entry holding every facet a
/// query filters on.
pub const CF_FACETS: &str = "facets";
/// Commitment index keys (see [`index_key`]) and the marks of `payloads.rs` and `publish.rs`
/// → empty.
pub const CF_INDEX: &str = "index";
/// target entry id → postcard(EntryStatus): retractions and revisions.
pub const CF_STATUS: &str = "status";
/// [`META_SCHEMA`] and [`META_CHARTER`] (the network id is the charter's hash), plus a
/// migration's cursor while one is under way.
pub const CF_META: &str = "meta";

/// Every column family of schema [`SCHEMA_VERSION`], in no particular order. Opening an existing
/// store uses the names it holds instead; a writable open drops any not listed here.
pub const ALL_CFS: [&str; 9] = [
    CF_ENTRIES,
    CF_IDS,
    CF_FRONTIER,
    CF_FORKS,
    CF_ROSTER,
    CF_FACETS,
    CF_INDEX,
    CF_STATUS,
    CF_META,
];

/// Key in [`CF_META`] of the store's schema version (u32, big-endian).
pub const META_SCHEMA: &[u8] = b"schema_version";
/// Key in [`CF_META`] of the charter's canonical bytes, written once by `Store::create`.
pub const META_CHARTER: &[u8] = b"charter";

/// In [`CF_INDEX`]: `e` ‖ target entry id → empty, written with an erasure of that entry's
/// payload. Index keys of other tags are longer than 33 bytes, so the two cannot collide.
pub fn erased_key(target: &EntryId) -> [u8; 33] {
    let mut key = [0u8; 33];
    key[0] = b'e';
    key[1..].copy_from_slice(&target.0);
    key
}

/// Key in [`CF_ENTRIES`] and [`CF_FACETS`]: author (32 bytes) ‖ seq (8 bytes), so a city's log
/// is one prefix scan in seq order.
pub fn entry_key(author: &PublicKey, seq: u64) -> [u8; 40] {
    let mut key = [0u8; 40];
    key[..32].copy_from_slice(&author.0);
    key[32..].copy_from_slice(&seq.to_be_bytes());
    key
}

/// The author and seq of an [`entry_key`]; `None` when the key is shorter than 40 bytes.
pub fn split_entry_key(key: &[u8]) -> Option<(PublicKey, u64)> {
    let author: [u8; 32] = key.get(..32)?.try_into().ok()?;
    let seq: [u8; 8] = key.get(32..40)?.try_into().ok()?;
    Some((PublicKey(author), u64::from_be_bytes(seq)))
}

/// Value in [`CF_FRONTIER`]: the city's highest seq (8 bytes) ‖ its entry id (32 bytes).
pub fn frontier_value(seq: u64, id: &EntryId) -> [u8; 40] {
    let mut value = [0u8; 40];
    value[..8].copy_from_slice(&seq.to_be_bytes());
    value[8..].copy_from_slice(&id.0);
    value
}

/// The seq and id of a [`frontier_value`]; `None` when it is shorter than 40 bytes.
pub fn split_frontier_value(value: &[u8]) -> Option<(u64, EntryId)> {
    let seq: [u8; 8] = value.get(..8)?.try_into().ok()?;
    let id: [u8; 32] = value.get(8..40)?.try_into().ok()?;
    Some((u64::from_be_bytes(seq), EntryId::from_raw(id)))
}

/// Index keys in [`CF_INDEX`]. Each is tag ‖ value ‖ timestamp ‖ entry id, so a prefix scan
/// yields one value's entries in publication order. Schema 1 also kept kind, author, country,
/// language and year keys (tags `k a n l y`); schema 2 answers those from [`CF_FACETS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexTag {
    /// The commitment number (1 byte): the entries that name that commitment.
    Commitment = b'c' as isize,
    /// author ‖ BLAKE3 of kind and payload bytes: finds a document already published.
    Document = b'd' as isize,
}

/// Tag ‖ value length (1 byte) ‖ value: the prefix of every [`index_key`] for that value.
/// `value` is at most 255 bytes.
pub fn index_prefix(tag: IndexTag, value: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 + value.len() + 8 + 32);
    key.push(tag as u8);
    // Length-prefixed so "fr" can never be a prefix of "fr-CA"'s entries.
    key.push(value.len() as u8);
    key.extend_from_slice(value);
    key
}

/// An index key: [`index_prefix`] ‖ timestamp (ms, big-endian with the sign bit flipped, so
/// keys sort by time, earliest first) ‖ entry id.
pub fn index_key(tag: IndexTag, value: &[u8], timestamp_ms: i64, id: &EntryId) -> Vec<u8> {
    let mut key = index_prefix(tag, value);
    // Flip the sign bit so negative timestamps sort before positive ones.
    key.extend_from_slice(&((timestamp_ms as u64) ^ (1 << 63)).to_be_bytes());
    key.extend_from_slice(&id.0);
    key
}

/// The entry id at the end of an index key (see [`index_key`]); `None` when the key is shorter
/// than 32 bytes.
pub fn id_from_index_key(key: &[u8]) -> Option<EntryId> {
    let raw: [u8; 32] = key.get(key.len().checked_sub(32)?..)?.try_into().ok()?;
    Some(EntryId::from_raw(raw))
}

/// The publication time inside an index key (see [`index_key`]).
pub fn timestamp_from_index_key(key: &[u8]) -> Option<i64> {
    let end = key.len().checked_sub(32)?;
    let raw: [u8; 8] = key.get(end.checked_sub(8)?..end)?.try_into().ok()?;
    Some((u64::from_be_bytes(raw) ^ (1 << 63)) as i64)
}

/// A log record: entry length (u32, big-endian) ‖ entry bytes ‖ payload salt ‖ payload bytes; the
/// payload part is absent when the payload is (erased).
pub fn log_record(entry: &[u8], blob: Option<&PayloadBlob>) -> Vec<u8> {
    let payload_len = blob.map_or(0, |b| b.salt.len() + b.bytes.len());
    let mut record = Vec::with_capacity(4 + entry.len() + payload_len);
    record.extend_from_slice(&(entry.len() as u32).to_be_bytes());
    record.extend_from_slice(entry);
    if let Some(blob) = blob {
        record.extend_from_slice(&blob.salt);
        record.extend_from_slice(&blob.bytes);
    }
    record
}

/// The parts of a log record, borrowed.
pub struct LogRecord<'a> {
    /// The signed entry's bytes, as on the wire.
    pub entry: &'a [u8],
    /// Salt and payload bytes; `None` when the store holds no payload (erased, or kept without
    /// it by an older version).
    pub payload: Option<(&'a [u8; SALT_LEN], &'a [u8])>,
}

impl LogRecord<'_> {
    /// The payload as an owned [`PayloadBlob`] (the bytes copied); `None` as for `payload`.
    pub fn blob(&self) -> Option<PayloadBlob> {
        self.payload.map(|(salt, bytes)| PayloadBlob {
            salt: *salt,
            bytes: bytes.to_vec(),
        })
    }
}

/// Splits a log record; `None` when it is malformed.
pub fn split_log_record(record: &[u8]) -> Option<LogRecord<'_>> {
    let len: [u8; 4] = record.get(..4)?.try_into().ok()?;
    let end = 4usize.checked_add(u32::from_be_bytes(len) as usize)?;
    let entry = record.get(4..end)?;
    let rest = record.get(end..)?;
    let payload = if rest.is_empty() {
        None
    } else {
        let salt: &[u8; SALT_LEN] = rest.get(..SALT_LEN)?.try_into().ok()?;
        let bytes = rest.get(SALT_LEN..).filter(|b| !b.is_empty())?;
        Some((salt, bytes))
    };
    Some(LogRecord { entry, payload })
}

/// A facet record: entry id ‖ postcard(EntrySummary).
pub fn facet_record(id: &EntryId, summary_bytes: &[u8]) -> Vec<u8> {
    let mut record = Vec::with_capacity(32 + summary_bytes.len());
    record.extend_from_slice(&id.0);
    record.extend_from_slice(summary_bytes);
    record
}

/// The id and encoded summary of a facet record.
pub fn split_facet_record(record: &[u8]) -> Option<(EntryId, &[u8])> {
    let id: [u8; 32] = record.get(..32)?.try_into().ok()?;
    Some((EntryId::from_raw(id), record.get(32..)?))
}

/// Domain tag of the document hash, so it can never equal another hash in the store.
const DOCUMENT_TAG: &[u8] = b"coalition/document/v1";

pub(crate) fn document_hash(kind: u16, bytes: &[u8]) -> Hash32 {
    Hash32::of_parts(&[DOCUMENT_TAG, &kind.to_be_bytes(), bytes])
}

pub(crate) fn document_prefix(author: &PublicKey, kind: u16, bytes: &[u8]) -> Vec<u8> {
    let mut value = author.0.to_vec();
    value.extend_from_slice(&document_hash(kind, bytes).0);
    index_prefix(IndexTag::Document, &value)
}

/// Index key that finds an entry by its author and exact payload.
pub(crate) fn document_key(
    author: &PublicKey,
    kind: u16,
    bytes: &[u8],
    timestamp_ms: i64,
    id: &EntryId,
) -> Vec<u8> {
    let mut value = author.0.to_vec();
    value.extend_from_slice(&document_hash(kind, bytes).0);
    index_key(IndexTag::Document, &value, timestamp_ms, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Document keys are on disk: the hash must stay BLAKE3 of tag ‖ kind ‖ payload bytes.
    #[test]
    fn the_document_hash_is_blake3_of_tag_kind_and_bytes() {
        let bytes = b"a payload".repeat(300);
        let mut whole = b"coalition/document/v1".to_vec();
        whole.extend_from_slice(&3u16.to_be_bytes());
        whole.extend_from_slice(&bytes);
        assert_eq!(document_hash(3, &bytes), Hash32::of(&whole));
        assert_ne!(document_hash(4, &bytes), Hash32::of(&whole));
    }
}
