//! Export bundles: a self-contained file that verifies offline, with no store.
//!
//! File layout: the 8 magic bytes `COALBNDL`, one version byte (1), then the postcard encoding
//! of [`Bundle`] (canonical: re-encoding gives the same bytes, no trailing bytes).

use crate::AuditError;
use coalition_record::limits::MAX_ENTRY_BYTES;
use coalition_record::ForkProof;
use coalition_record::{
    codec, Charter, EntryHeader, EntryId, Hash32, PublicKey, RecordError, Roster, SignedEntry,
    SignedRosterChange, WireEntry,
};
use coalition_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The 8 bytes every bundle file starts with.
pub const BUNDLE_MAGIC: [u8; 8] = *b"COALBNDL";
/// The bundle format version byte that follows [`BUNDLE_MAGIC`]; [`Bundle::decode`] refuses any
/// other.
pub const BUNDLE_VERSION: u8 = 1;

/// What [`export`] writes and [`verify_bundle`] checks: everything needed to verify the exported
/// logs offline (PROTOCOL.md §13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// The charter's canonical bytes (its BLAKE3 is the network id).
    pub charter: Vec<u8>,
    /// Every roster change, oldest first, as signed roster change bytes.
    pub roster: Vec<Vec<u8>>,
    /// Entries with their payload blobs (none when erased), ordered by city then seq. Each city's
    /// exported range is contiguous; it may start after seq 1 (an export `since` a date).
    pub entries: Vec<WireEntry>,
    /// Fork proofs whose author is an exported city.
    pub forks: Vec<ForkProof>,
}

impl Bundle {
    /// The bundle file: [`BUNDLE_MAGIC`], [`BUNDLE_VERSION`], then canonical postcard.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = BUNDLE_MAGIC.to_vec();
        out.push(BUNDLE_VERSION);
        out.extend_from_slice(&codec::encode(self));
        out
    }

    /// Reads a bundle file: magic, version, canonical postcard.
    pub fn decode(bytes: &[u8]) -> Result<Bundle, RecordError> {
        if bytes.len() < BUNDLE_MAGIC.len() + 1 || bytes[..BUNDLE_MAGIC.len()] != BUNDLE_MAGIC {
            return Err(RecordError::Malformed {
                what: "bundle",
                detail: "not a coalition bundle (the file does not start with COALBNDL)".into(),
            });
        }
        let version = bytes[BUNDLE_MAGIC.len()];
        if version != BUNDLE_VERSION {
            return Err(RecordError::UnsupportedVersion {
                what: "bundle",
                found: version,
                expected: BUNDLE_VERSION,
            });
        }
        codec::decode_canonical("bundle", &bytes[BUNDLE_MAGIC.len() + 1..], usize::MAX)
    }
}

/// Exports the store: the charter, the whole roster history, and the logs of every city (or of
/// `city`), from each log's first entry with timestamp ≥ `since_ms` to its end. Fork proofs of the
/// exported cities come along.
pub fn export(
    store: &Store,
    city: Option<PublicKey>,
    since_ms: Option<i64>,
) -> Result<Bundle, AuditError> {
    let roster = store
        .roster_history()?
        .iter()
        .map(SignedRosterChange::to_bytes)
        .collect();
    let mut authors: Vec<PublicKey> = store.frontier().keys().copied().collect();
    authors.sort();
    if let Some(c) = city {
        authors.retain(|a| *a == c);
    }
    let mut entries = Vec::new();
    for author in &authors {
        let log = store.log(author, 1, usize::MAX)?;
        let start = match since_ms {
            Some(t) => log
                .iter()
                .position(|e| e.entry.header.timestamp_ms >= t)
                .unwrap_or(log.len()),
            None => 0,
        };
        entries.extend(log[start..].iter().map(|e| e.to_wire()));
    }
    let mut forks = Vec::new();
    for proof in store.forks()? {
        let author = SignedEntry::decode(&proof.first)
            .map(|e| e.header.author)
            .ok();
        if city.is_none() || author == city {
            forks.push(proof);
        }
    }
    Ok(Bundle {
        charter: store.charter().canonical_bytes(),
        roster,
        entries,
        forks,
    })
}

/// One rule a bundle item breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleFailure {
    /// `file`, `charter`, `roster`, `entry`, `payload` or `fork`.
    pub item: String,
    /// Index of the item in its list in the bundle (roster change, entry, fork proof).
    pub index: Option<usize>,
    /// The city's roster name, or `unknown city <short key>`; None when the item has no readable
    /// author (charter, roster, undecodable entry).
    pub city: Option<String>,
    /// The author's key; None exactly when `city` is.
    pub city_key: Option<PublicKey>,
    /// Entry seq, or roster version for a roster change.
    pub seq: Option<u64>,
    /// Entry id (of the bytes as found in the bundle), or roster change id.
    pub id: Option<Hash32>,
    /// The name of the rule broken (as [`RecordError::rule`] gives it).
    pub rule: String,
    /// What was found, for a human.
    pub detail: String,
}

impl std::fmt::Display for BundleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.item)?;
        if let Some(i) = self.index {
            write!(f, " #{i}")?;
        }
        if let Some(c) = &self.city {
            write!(f, " city {c}")?;
        }
        if let Some(k) = &self.city_key {
            write!(f, " ({})", k.short())?;
        }
        if let Some(s) = self.seq {
            write!(f, " seq {s}")?;
        }
        if let Some(id) = &self.id {
            write!(f, " id {id}")?;
        }
        write!(f, ": [{}] {}", self.rule, self.detail)
    }
}

/// One city's exported range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleCity {
    /// The city's key (the entries' author).
    pub key: PublicKey,
    /// Its roster name, or `unknown city <short key>` when the roster does not hold it.
    pub name: String,
    /// Entries of this city in the bundle that decode.
    pub entries: u64,
    /// Lowest seq exported (greater than 1 for an export `since` a date).
    pub first_seq: u64,
    /// Highest seq exported.
    pub last_seq: u64,
    /// Id of the entry at `last_seq`.
    pub last_id: EntryId,
    /// Entries exported without their payload (erased).
    pub erased_payloads: u64,
}

/// What [`verify_bundle`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleVerdict {
    /// True only when every item of the bundle holds.
    pub ok: bool,
    /// The charter's coalition name; None when the file or its charter does not decode.
    pub coalition: Option<String>,
    /// BLAKE3 of the charter bytes; None when the file or its charter does not decode.
    pub network_id: Option<Hash32>,
    /// Roster changes in the bundle, valid or not.
    pub roster_changes: u64,
    /// Entries in the bundle, valid or not.
    pub entries: u64,
    /// Fork proofs in the bundle, valid or not.
    pub fork_proofs: u64,
    /// Per city, the entries that decode, ordered by key.
    pub cities: Vec<BundleCity>,
    /// Every rule broken, in the order checked: file, charter, roster, entries, fork proofs.
    pub failures: Vec<BundleFailure>,
}

/// The header of entry bytes that failed to decode as an entry, when the header part itself
/// decodes canonically: enough to place it in its author's chain.
fn readable_header(bytes: &[u8]) -> Option<EntryHeader> {
    // The last 64 bytes are the signature (§5).
    let header = bytes
        .len()
        .checked_sub(64)
        .filter(|&n| n > 0)
        .map(|n| &bytes[..n])?;
    codec::decode_canonical("entry header", header, MAX_ENTRY_BYTES).ok()
}

fn fail(item: &str, rule: &str, detail: impl Into<String>) -> BundleFailure {
    BundleFailure {
        item: item.into(),
        index: None,
        city: None,
        city_key: None,
        seq: None,
        id: None,
        rule: rule.into(),
        detail: detail.into(),
    }
}

fn from_record(item: &str, e: &RecordError) -> BundleFailure {
    fail(item, e.rule(), e.to_string())
}

/// Verifies a bundle file with no store: the charter, every roster change (threshold of
/// distinct valid committee signatures, chain, preconditions), every entry (network id, author on
/// the roster at its seq, signature, chain within the exported range, payload length, commitment,
/// kind and schema) and every fork proof.
pub fn verify_bundle(bytes: &[u8]) -> BundleVerdict {
    let mut verdict = BundleVerdict {
        ok: false,
        coalition: None,
        network_id: None,
        roster_changes: 0,
        entries: 0,
        fork_proofs: 0,
        cities: Vec::new(),
        failures: Vec::new(),
    };
    if bytes.len() < BUNDLE_MAGIC.len() + 1 || bytes[..BUNDLE_MAGIC.len()] != BUNDLE_MAGIC {
        verdict.failures.push(fail(
            "file",
            "bundle_magic",
            "not a coalition bundle (the file does not start with COALBNDL)",
        ));
        return verdict;
    }
    let version = bytes[BUNDLE_MAGIC.len()];
    if version != BUNDLE_VERSION {
        verdict.failures.push(fail(
            "file",
            "format_version",
            format!("bundle version {version}, this build reads version {BUNDLE_VERSION}"),
        ));
        return verdict;
    }
    let bundle: Bundle =
        match codec::decode_canonical("bundle", &bytes[BUNDLE_MAGIC.len() + 1..], usize::MAX) {
            Ok(b) => b,
            Err(e) => {
                verdict.failures.push(from_record("file", &e));
                return verdict;
            }
        };
    verdict.roster_changes = bundle.roster.len() as u64;
    verdict.entries = bundle.entries.len() as u64;
    verdict.fork_proofs = bundle.forks.len() as u64;

    let charter: Charter = match codec::decode_canonical("charter", &bundle.charter, 64 * 1024)
        .and_then(|c: Charter| c.validate().map(|_| c))
    {
        Ok(c) => c,
        Err(e) => {
            verdict.failures.push(from_record("charter", &e));
            return verdict;
        }
    };
    let network_id = charter.network_id();
    verdict.coalition = Some(charter.name.clone());
    verdict.network_id = Some(network_id);

    // Roster: apply in order; the first change that fails stops the roster there (later changes
    // cannot chain onto it), and is reported with the ones not checked.
    let mut roster = Roster::empty(network_id);
    for (i, raw) in bundle.roster.iter().enumerate() {
        let mut failure = match SignedRosterChange::decode(raw) {
            Ok(change) => match roster.apply(&charter, &change) {
                Ok(()) => continue,
                Err(e) => {
                    let mut f = from_record("roster", &e);
                    f.seq = Some(change.change.seq);
                    f.id = Some(change.id());
                    f
                }
            },
            Err(e) => from_record("roster", &e),
        };
        failure.index = Some(i);
        verdict.failures.push(failure);
        if i + 1 < bundle.roster.len() {
            let mut rest = fail(
                "roster",
                "roster_change",
                format!(
                    "{} later roster change(s) not checked: they chain onto the failing one",
                    bundle.roster.len() - i - 1
                ),
            );
            rest.index = Some(i + 1);
            verdict.failures.push(rest);
        }
        break;
    }
    let name_of = |key: &PublicKey| {
        roster
            .cities
            .get(key)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| format!("unknown city {}", key.short()))
    };

    // Entries, in bundle order; chain state per author.
    struct Last {
        seq: u64,
        id: EntryId,
        damaged: bool,
    }
    let mut last: BTreeMap<PublicKey, Last> = BTreeMap::new();
    let mut cities: BTreeMap<PublicKey, BundleCity> = BTreeMap::new();
    for (i, wire) in bundle.entries.iter().enumerate() {
        let id = Hash32::of(&wire.entry);
        let entry = match SignedEntry::decode(&wire.entry) {
            Ok(e) => e,
            Err(e) => {
                let mut f = from_record("entry", &e);
                f.index = Some(i);
                f.id = Some(id);
                // A header that decodes but is refused (format version, unknown kind) still
                // holds its place in the author's chain, so the entry after it is not blamed
                // for a gap that is this one's fault (PROTOCOL.md §13, point 4).
                if let Some(header) = readable_header(&wire.entry) {
                    f.city = Some(name_of(&header.author));
                    f.city_key = Some(header.author);
                    f.seq = Some(header.seq);
                    if last.get(&header.author).is_none_or(|p| header.seq > p.seq) {
                        last.insert(
                            header.author,
                            Last {
                                seq: header.seq,
                                id,
                                damaged: true,
                            },
                        );
                    }
                }
                verdict.failures.push(f);
                continue;
            }
        };
        let author = entry.header.author;
        let seq = entry.header.seq;
        let located = |item: &str, rule: &str, detail: String| BundleFailure {
            item: item.into(),
            index: Some(i),
            city: Some(name_of(&author)),
            city_key: Some(author),
            seq: Some(seq),
            id: Some(id),
            rule: rule.into(),
            detail,
        };
        let before = verdict.failures.len();
        if let Err(e) = entry.check_network(&network_id) {
            verdict
                .failures
                .push(located("entry", e.rule(), e.to_string()));
        }
        if let Err(e) = roster.check_author(&author, seq) {
            verdict
                .failures
                .push(located("entry", e.rule(), e.to_string()));
        }
        if let Err(e) = entry.verify_signature() {
            verdict
                .failures
                .push(located("entry", e.rule(), e.to_string()));
        }
        // Chain: seq 1 has no prev, later seqs have one; within the exported range each entry
        // follows the one before it, with no hole. The first exported entry's prev may name an
        // entry not in the bundle.
        let shape_ok = seq >= 1 && ((seq == 1) == entry.header.prev.is_none());
        if !shape_ok {
            verdict.failures.push(located(
                "entry",
                "chain_shape",
                "seq 1 must not name a previous entry, later seqs must".into(),
            ));
        }
        match last.get(&author) {
            None => {}
            Some(prev) if seq <= prev.seq => verdict.failures.push(located(
                "entry",
                "chain_order",
                format!(
                    "seq {seq} comes after seq {} of the same city: entries must be in increasing seq order, once each",
                    prev.seq
                ),
            )),
            Some(prev) if seq > prev.seq + 1 => verdict.failures.push(located(
                "entry",
                "gap",
                format!(
                    "seq {} to {} are missing from the middle of the exported log",
                    prev.seq + 1,
                    seq - 1
                ),
            )),
            Some(prev) if shape_ok && entry.header.prev != Some(prev.id) && !prev.damaged => {
                verdict.failures.push(located(
                    "entry",
                    "prev_mismatch",
                    format!(
                        "prev does not name the bundle's entry at seq {} ({})",
                        prev.seq,
                        prev.id.short()
                    ),
                ))
            }
            Some(_) => {}
        }
        if let Some(blob) = &wire.payload {
            if let Err(e) = blob.check_against(&entry.header) {
                verdict
                    .failures
                    .push(located("payload", e.rule(), e.to_string()));
            }
        }
        let damaged = verdict.failures.len() > before;
        if last.get(&author).is_none_or(|p| seq > p.seq) {
            last.insert(author, Last { seq, id, damaged });
        }
        let city = cities.entry(author).or_insert_with(|| BundleCity {
            key: author,
            name: name_of(&author),
            entries: 0,
            first_seq: seq,
            last_seq: seq,
            last_id: id,
            erased_payloads: 0,
        });
        city.entries += 1;
        if seq >= city.last_seq {
            city.last_seq = seq;
            city.last_id = id;
        }
        city.first_seq = city.first_seq.min(seq);
        if wire.payload.is_none() {
            city.erased_payloads += 1;
        }
    }
    verdict.cities = cities.into_values().collect();

    for (i, proof) in bundle.forks.iter().enumerate() {
        let result = proof.verify().and_then(|(author, seq)| {
            for raw in [&proof.first, &proof.second] {
                SignedEntry::decode(raw)?.check_network(&network_id)?;
            }
            roster.check_author(&author, seq)?;
            Ok((author, seq))
        });
        if let Err(e) = result {
            let mut f = from_record("fork", &e);
            f.index = Some(i);
            if let Ok(entry) = SignedEntry::decode(&proof.first) {
                f.city = Some(name_of(&entry.header.author));
                f.city_key = Some(entry.header.author);
                f.seq = Some(entry.header.seq);
            }
            verdict.failures.push(f);
        }
    }
    verdict.ok = verdict.failures.is_empty();
    verdict
}
