//! The records one entry adds to the store that depend on the entry alone (its log record, id,
//! document and commitment keys, facet record), apart from its effects on other entries. Being
//! independent of the store, they are built by the look-ahead's workers (`pipeline.rs`) in
//! parallel, so that the writer, the serial part of ingest, only puts them.

use crate::layout::{document_key, entry_key, facet_record, log_record};
use crate::query::summarize;
use coalition_record::{codec, Payload, PayloadBlob, SignedEntry, VerifiedEntry};

/// An entry's own records, ready to put.
pub(crate) struct EntryRecords {
    /// Its position: author ‖ seq, the key in `entries` and `facets`.
    pub at: [u8; 40],
    /// Its log record (entry and payload bytes).
    pub log: Vec<u8>,
    /// The key that finds it by author and exact payload; `None` without a payload.
    pub document: Option<Vec<u8>>,
    /// One index key per commitment its payload names.
    pub commitments: Vec<Vec<u8>>,
    /// Its facet record.
    pub facet: Vec<u8>,
}

impl EntryRecords {
    /// The records of `verified` as it stands (with or without its payload).
    pub(crate) fn of(verified: &VerifiedEntry) -> Self {
        let payload = verified
            .payload
            .as_ref()
            .map(|(blob, payload)| (blob, payload));
        EntryRecords::new(&verified.entry, payload)
    }

    /// The records of `entry` with `payload` (its blob and decoded form), both checked.
    pub(crate) fn new(entry: &SignedEntry, payload: Option<(&PayloadBlob, &Payload)>) -> Self {
        let header = &entry.header;
        let id = entry.id();
        let blob = payload.map(|(blob, _)| blob);
        let summary = summarize(entry, payload.map(|(_, decoded)| decoded));
        EntryRecords {
            at: entry_key(&header.author, header.seq),
            log: log_record(entry.bytes(), blob),
            document: blob.map(|b| {
                document_key(
                    &header.author,
                    header.kind,
                    &b.bytes,
                    header.timestamp_ms,
                    &id,
                )
            }),
            commitments: summary.index_keys(&id),
            facet: facet_record(&id, &codec::encode(&summary)),
        }
    }

    /// Whether these records were built with the payload: records built ahead stay valid only
    /// while the writer keeps the payload (it drops one erased meanwhile).
    pub(crate) fn with_payload(&self) -> bool {
        self.document.is_some()
    }
}

/// Operations a write of `entries` entries needs room for: each entry's log record, id, facet
/// record and index keys (a document key and a few commitments), with some to spare for their
/// effects. Reserved up front, the list is not copied as it grows.
pub(crate) fn write_capacity(entries: usize) -> usize {
    const PER_ENTRY: usize = 8;
    entries.saturating_mul(PER_ENTRY)
}
