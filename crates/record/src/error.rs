//! The typed error of every validation rule. Each variant names the rule it enforces, so a
//! rejection can be logged, counted and shown to a person without guessing.

use crate::bytes::{Hash32, PublicKey};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecordError {
    #[error("size limit: {what} is {size} bytes, the limit is {limit} bytes")]
    TooLarge {
        what: &'static str,
        size: usize,
        limit: usize,
    },
    #[error("decode: {what} is malformed: {detail}")]
    Malformed { what: &'static str, detail: String },
    #[error("canonical encoding: {what} is not in canonical form (re-encoding gives other bytes)")]
    NonCanonical { what: &'static str },
    #[error(
        "format version: {what} has version {found}, this node understands version {expected}"
    )]
    UnsupportedVersion {
        what: &'static str,
        found: u8,
        expected: u8,
    },
    #[error("network id: the record belongs to coalition {found}, this node serves {expected}")]
    WrongNetwork { expected: Hash32, found: Hash32 },
    #[error("roster: author {author} is not a member city of this coalition")]
    UnknownAuthor { author: PublicKey },
    #[error("roster: author {author} ({city}) is suspended; new entries are refused")]
    AuthorSuspended { author: PublicKey, city: String },
    #[error("roster: author {author} ({city}) was revoked after seq {cutoff}; entry seq {seq} is refused")]
    AuthorRevoked {
        author: PublicKey,
        city: String,
        cutoff: u64,
        seq: u64,
    },
    #[error("chain: seq must be at least 1")]
    ZeroSeq,
    #[error("chain: seq 1 must not name a previous entry, seq {seq} must")]
    PrevShape { seq: u64 },
    #[error("chain: entry seq {seq} names previous {claimed}, but the stored entry at seq {} is {stored}", seq - 1)]
    PrevMismatch {
        seq: u64,
        claimed: Hash32,
        stored: Hash32,
    },
    #[error("chain: entry seq {seq} arrived but the log only reaches seq {have}; entries {} to {} are missing", have + 1, seq - 1)]
    Gap { seq: u64, have: u64 },
    #[error("chain: entry seq {seq} is at or below the frontier {have} but no entry is held there; the store is inconsistent")]
    Inconsistent { seq: u64, have: u64 },
    #[error("payload kind: {kind} is never a payload kind (kind codes start at 1)")]
    UnknownKind { kind: u16 },
    #[error("signature: the signature does not verify against author {author}")]
    BadSignature { author: PublicKey },
    #[error("payload commitment: BLAKE3(salt || payload) does not match the entry's commitment")]
    CommitmentMismatch,
    #[error("payload length: the entry says {declared} bytes, the payload has {actual}")]
    PayloadLengthMismatch { declared: u32, actual: usize },
    #[error("payload kind: the entry says kind {declared}, the payload is kind {actual}")]
    KindMismatch { declared: u16, actual: u16 },
    #[error("payload schema: {field}: {rule}")]
    Schema { field: String, rule: String },
    #[error("charter: {0}")]
    Charter(String),
    #[error("roster change: {0}")]
    RosterChange(String),
    #[error("committee signatures: {valid} valid distinct committee signatures, threshold is {threshold}")]
    BelowThreshold { valid: usize, threshold: usize },
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

    pub(crate) fn schema(field: impl Into<String>, rule: impl Into<String>) -> Self {
        RecordError::Schema {
            field: field.into(),
            rule: rule.into(),
        }
    }
}
