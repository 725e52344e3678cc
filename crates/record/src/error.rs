//! The typed error of every validation rule. Each variant names the rule it enforces, so a
//! rejection can be logged, counted and shown to a person without guessing.

use crate::bytes::{Hash32, PublicKey};

/// Why a record was refused: one variant per validation rule (PROTOCOL.md §10), named by
/// [`RecordError::rule`]. The message says what was found and what the rule expects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    /// `size_limit`: an input is over its limit (PROTOCOL.md §9), checked before decoding.
    #[error("size limit: {what} is {size} bytes, the limit is {limit} bytes")]
    TooLarge {
        /// What was too large (`entry`, `payload`, `wire entry`…).
        what: &'static str,
        /// Its size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// `decode`: the bytes do not decode (truncated, bad tag, bad varint, bad UTF-8, an entry of
    /// 64 bytes or fewer).
    #[error("decode: {what} is malformed: {detail}")]
    Malformed {
        /// What failed to decode.
        what: &'static str,
        /// The decoder's reason.
        detail: String,
    },
    /// `canonical_encoding`: the value decodes but re-encodes to other bytes (PROTOCOL.md §2).
    #[error("canonical encoding: {what} is not in canonical form (re-encoding gives other bytes)")]
    NonCanonical {
        /// What was not in canonical form.
        what: &'static str,
    },
    /// `format_version`: a version byte this node does not read (a header, roster change,
    /// charter or application other than 1; a payload version of 0).
    #[error(
        "format version: {what} has version {found}, this node understands version {expected}"
    )]
    UnsupportedVersion {
        /// What carried the version byte.
        what: &'static str,
        /// The version byte found.
        found: u8,
        /// The version this node reads.
        expected: u8,
    },
    /// `network_id`: the record names another coalition.
    #[error("network id: the record belongs to coalition {found}, this node serves {expected}")]
    WrongNetwork {
        /// This node's network id.
        expected: Hash32,
        /// The network id the record names.
        found: Hash32,
    },
    /// `unknown_author`: the author key is not on the roster.
    #[error("roster: author {author} is not a member city of this coalition")]
    UnknownAuthor {
        /// The entry's author key.
        author: PublicKey,
    },
    /// `author_suspended`: the author is suspended, or its key was rotated, and the entry's seq
    /// is after the last one it may still sign.
    #[error("roster: author {author} ({city}) is suspended; new entries are refused")]
    AuthorSuspended {
        /// The entry's author key.
        author: PublicKey,
        /// The city's name on the roster.
        city: String,
    },
    /// `author_revoked`: the author was revoked and the entry's seq is after the cutoff.
    #[error("roster: author {author} ({city}) was revoked after seq {cutoff}; entry seq {seq} is refused")]
    AuthorRevoked {
        /// The entry's author key.
        author: PublicKey,
        /// The city's name on the roster.
        city: String,
        /// The last seq of the city's log that stays valid.
        cutoff: u64,
        /// The refused entry's seq.
        seq: u64,
    },
    /// `chain_shape`: an entry with seq 0.
    #[error("chain: seq must be at least 1")]
    ZeroSeq,
    /// `chain_shape`: `prev` present at seq 1, or absent after it.
    #[error("chain: seq 1 must not name a previous entry, seq {seq} must")]
    PrevShape {
        /// The entry's seq.
        seq: u64,
    },
    /// `prev_mismatch`: the entry's `prev` is not the id held at seq - 1.
    #[error("chain: entry seq {seq} names previous {claimed}, but the stored entry at seq {} is {stored}", seq - 1)]
    PrevMismatch {
        /// The entry's seq.
        seq: u64,
        /// The `prev` the entry names.
        claimed: Hash32,
        /// The id held at seq - 1.
        stored: Hash32,
    },
    /// `gap`: the log is held only up to seq `have`, so the entries before this one are missing.
    /// [`chain_position`](crate::chain_position) reports a gap as a position to hold and sync,
    /// not as this error.
    #[error("chain: entry seq {seq} arrived but the log only reaches seq {have}; entries {} to {} are missing", have + 1, seq - 1)]
    Gap {
        /// The entry's seq.
        seq: u64,
        /// The highest seq held.
        have: u64,
    },
    /// `inconsistent_state`: a seq at or below the frontier with nothing held at it, which
    /// contiguous logs cannot have; the caller's state is wrong.
    #[error("chain: entry seq {seq} is at or below the frontier {have} but no entry is held there; the store is inconsistent")]
    Inconsistent {
        /// The entry's seq.
        seq: u64,
        /// The frontier: the highest seq held.
        have: u64,
    },
    /// `payload_kind`: a header's kind code of 0, which no payload has.
    #[error("payload kind: {kind} is never a payload kind (kind codes start at 1)")]
    UnknownKind {
        /// The kind code found.
        kind: u16,
    },
    /// `signature`: a signature that does not verify under the rule of PROTOCOL.md §1.
    #[error("signature: the signature does not verify against author {author}")]
    BadSignature {
        /// The key the signature was checked against.
        author: PublicKey,
    },
    /// `payload_commitment`: BLAKE3(salt || payload bytes) is not the header's commitment.
    #[error("payload commitment: BLAKE3(salt || payload) does not match the entry's commitment")]
    CommitmentMismatch,
    /// `payload_length`: the payload's length is not the header's `payload_len`.
    #[error("payload length: the entry says {declared} bytes, the payload has {actual}")]
    PayloadLengthMismatch {
        /// The header's `payload_len`.
        declared: u32,
        /// The payload's length in bytes.
        actual: usize,
    },
    /// `payload_kind`: the payload's kind code (variant index + 1) is not the header's `kind`.
    #[error("payload kind: the entry says kind {declared}, the payload is kind {actual}")]
    KindMismatch {
        /// The header's kind code.
        declared: u16,
        /// The payload's kind code.
        actual: u16,
    },
    /// `payload_schema`: a schema rule (PROTOCOL.md §8.6) failed.
    #[error("payload schema: {field}: {rule}")]
    Schema {
        /// The field, as a path: `practice.title`, `report.commitments[0].indicators[1].value`…
        field: String,
        /// The rule it broke, in words.
        rule: String,
    },
    /// `charter`: a charter constraint (PROTOCOL.md §3) failed; the text says which.
    #[error("charter: {0}")]
    Charter(String),
    #[error("roster change: {0}")]
    /// `roster_change`: a roster change is out of order or its precondition fails (PROTOCOL.md
    /// §4); the text says which.
    RosterChange(String),
    /// `committee_threshold`: fewer than the charter's threshold of valid, distinct committee
    /// signatures.
    #[error("committee signatures: {valid} valid distinct committee signatures, threshold is {threshold}")]
    BelowThreshold {
        /// Distinct committee keys whose signature verifies.
        valid: usize,
        /// The charter's threshold.
        threshold: usize,
    },
}

impl RecordError {
    /// A short stable name of the rule, for metrics labels and JSON output.
    pub fn rule(&self) -> &'static str {
        match self {
            RecordError::TooLarge { .. } => "size_limit",
            RecordError::Malformed { .. } => "decode",
            RecordError::NonCanonical { .. } => "canonical_encoding",
            RecordError::UnsupportedVersion { .. } => "format_version",
            RecordError::WrongNetwork { .. } => "network_id",
            RecordError::UnknownAuthor { .. } => "unknown_author",
            RecordError::AuthorSuspended { .. } => "author_suspended",
            RecordError::AuthorRevoked { .. } => "author_revoked",
            RecordError::ZeroSeq | RecordError::PrevShape { .. } => "chain_shape",
            RecordError::PrevMismatch { .. } => "prev_mismatch",
            RecordError::Gap { .. } => "gap",
            RecordError::Inconsistent { .. } => "inconsistent_state",
            RecordError::UnknownKind { .. } => "payload_kind",
            RecordError::BadSignature { .. } => "signature",
            RecordError::CommitmentMismatch => "payload_commitment",
            RecordError::PayloadLengthMismatch { .. } => "payload_length",
            RecordError::KindMismatch { .. } => "payload_kind",
            RecordError::Schema { .. } => "payload_schema",
            RecordError::Charter(_) => "charter",
            RecordError::RosterChange(_) => "roster_change",
            RecordError::BelowThreshold { .. } => "committee_threshold",
        }
    }

    /// A schema error. `field` is formatted here, on the error path only: callers pass names
    /// built lazily ([`crate::schema::Dotted`], `format_args!`), since validation runs on every
    /// entry a node ingests and nearly every entry passes.
    pub(crate) fn schema(field: impl std::fmt::Display, rule: impl Into<String>) -> Self {
        RecordError::Schema {
            field: field.to_string(),
            rule: rule.into(),
        }
    }
}
