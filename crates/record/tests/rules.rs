//! One test per validation rule: each builds an otherwise valid record that breaks exactly that
//! rule and checks the specific error variant and its rule name.

use crate::common::*;
use coalition_record::codec;
use coalition_record::limits::{
    MAX_ENTRY_BYTES, MAX_PAYLOAD_BYTES, MAX_ROSTER_CHANGE_BYTES, MAX_WIRE_ENTRY_BYTES,
};
use coalition_record::payload::Retraction;
use coalition_record::roster::CommitteeSignature;
use coalition_record::{
    chain_position, ChainPosition, Charter, EntryHeader, Hash32, Indicator, Payload, PayloadBlob,
    PayloadKind, PublicKey, RecordError, Roster, RosterAction, SecretKey, SignedEntry,
    SignedRosterChange, WireEntry, FORMAT_VERSION,
};

fn net() -> Hash32 {
    charter().network_id()
}

fn practice_payload() -> Payload {
    Payload::Practice(practice())
}

/// The baseline record every test starts from: a valid first entry and its blob.
fn valid_entry() -> (SignedEntry, PayloadBlob) {
    entry(net(), 1, None, &practice_payload())
}

/// Offset of `seq` in an entry header: version (1) + network id (32) + author (32).
const SEQ_OFFSET: usize = 65;

fn schema_field(result: Result<(), RecordError>) -> String {
    match result {
        Err(RecordError::Schema { field, .. }) => field,
        other => panic!("expected a schema error, got {other:?}"),
    }
}

fn validate_practice(p: coalition_record::Practice) -> Result<(), RecordError> {
    Payload::Practice(p).validate()
}

mod encoding;
mod entries;
mod roster;
mod taxonomy;
