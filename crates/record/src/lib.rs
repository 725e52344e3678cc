//! Coalition records: the charter that defines a coalition, the committee-signed roster of member
//! cities, the signed append-only entries of each city's log and the payloads they commit to.
//!
//! Everything here is pure (no I/O, no async): canonical encoding, hashing, signing, and the
//! validation rules, each failing with a [`RecordError`] that names the rule it broke. The byte
//! layouts are specified in `docs/PROTOCOL.md`.

#![warn(missing_docs, unreachable_pub)]

pub mod application;
pub mod bytes;
pub mod calendar;
pub mod chain;
pub mod charter;
pub mod codec;
pub mod cycle;
pub mod entry;
mod envelope;
pub mod erasing;
pub mod erasure;
pub mod error;
pub mod fork;
pub mod keys;
mod kind;
pub mod limits;
pub mod payload;
pub mod roster;
pub mod schema;
pub mod signature;
pub mod sync;
pub mod taxonomy;
#[cfg(feature = "test-utils")]
pub mod testing;
pub mod translation;
mod validate;

pub use bytes::{Hash32, PublicKey, SignatureBytes};
pub use chain::{chain_position, ChainPosition};
pub use charter::Charter;
pub use cycle::{
    Cycle, CycleCommitment, CycleDecision, IndicatorSpec, ReportFeedback, SignedCycleDecision,
    Timeliness,
};
pub use entry::{EntryHeader, EntryId, PayloadBlob, SignedEntry, VerifiedEntry, WireEntry};
pub use error::RecordError;
pub use fork::ForkProof;
pub use keys::SecretKey;
pub use payload::{
    ActivityReport, ActivityUpdate, Answer, CommitmentReport, Contact, Extensions, Indicator,
    LangText, NewerPayload, Payload, PayloadKind, Period, Practice, PracticeAdoption, Question,
    ReportStatus, UpdateCategory,
};
pub use roster::{CityStatus, Roster, RosterAction, RosterChange, SignedRosterChange};
pub use validate::check_report;

/// Version byte leading every signed structure of this protocol.
pub const FORMAT_VERSION: u8 = 1;

/// The BLAKE3 hash of a coalition's charter: scopes every entry, topic and data directory.
pub type NetworkId = Hash32;
