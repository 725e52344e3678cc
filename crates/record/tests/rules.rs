//! One test per validation rule: each builds an otherwise valid record that breaks exactly that
//! rule and checks the specific error variant and its rule name.

mod common;

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
use common::*;

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

// ---------------------------------------------------------------- baseline

#[test]
fn baseline_records_are_valid() {
    let charter = charter();
    let roster = roster(&charter);
    for payload in [
        practice_payload(),
        Payload::Practice(vector_practice()),
        Payload::ActivityUpdate(update()),
        Payload::ActivityReport(report()),
    ] {
        let (e, blob) = entry(net(), 1, None, &payload);
        let verified =
            full_check(&net(), &roster, e.bytes(), Some(blob)).expect("baseline verifies");
        assert_eq!(verified.payload.map(|(_, p)| p), Some(payload));
        assert_eq!(
            chain_position(None, None, &e.header, e.id()),
            Ok(ChainPosition::Next)
        );
    }
    // An erased payload: the entry alone still verifies.
    let (e, _) = valid_entry();
    assert!(full_check(&net(), &roster, e.bytes(), None).is_ok());
}

// ---------------------------------------------------------------- size_limit

#[test]
fn too_large_entry() {
    let (e, _) = valid_entry();
    let mut bytes = e.bytes().to_vec();
    bytes.resize(MAX_ENTRY_BYTES + 1, 0);
    let err = SignedEntry::decode(&bytes).expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::TooLarge { what: "entry", size, limit: MAX_ENTRY_BYTES } if size == MAX_ENTRY_BYTES + 1
    ));
    assert_eq!(err.rule(), "size_limit");
}

#[test]
fn too_large_payload_is_refused_before_anything_else() {
    // Five languages of 60 KiB each: every text is within its own limit, the payload is not.
    let mut p = practice();
    for lang in ["en", "fr", "de", "nl", "it"] {
        p.body.insert(lang.into(), "x".repeat(60 * 1024));
    }
    assert!(
        validate_practice(p.clone()).is_ok(),
        "schema alone accepts it"
    );
    let (e, blob) = entry(net(), 1, None, &Payload::Practice(p));
    assert!(blob.bytes.len() > MAX_PAYLOAD_BYTES);
    let err = full_check(&net(), &roster(&charter()), e.bytes(), Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::TooLarge {
            what: "payload",
            limit: MAX_PAYLOAD_BYTES,
            ..
        }
    ));
    assert_eq!(err.rule(), "size_limit");
    // Payload::decode applies the same limit.
    let err =
        Payload::decode(&vec![0u8; MAX_PAYLOAD_BYTES + 1]).expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::TooLarge {
            what: "payload",
            ..
        }
    ));
}

#[test]
fn ten_mib_body_is_too_large_on_the_wire_and_a_schema_error_by_itself() {
    let mut p = practice();
    p.body.insert("en".into(), "a".repeat(10 * 1024 * 1024));
    // Through the entry: the size limit fires first, before decoding.
    let (e, blob) = entry(net(), 1, None, &Payload::Practice(p.clone()));
    let err = blob
        .check_against(&e.header)
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::TooLarge {
            what: "payload",
            ..
        }
    ));
    assert_eq!(err.rule(), "size_limit");
    // Validating the payload directly (as the CLI does before signing) names the field.
    let err = validate_practice(p).expect_err("the rule must refuse this");
    assert!(
        matches!(&err, RecordError::Schema { field, rule } if field == "practice.body.en" && rule.contains("65536")),
        "{err:?}"
    );
    assert_eq!(err.rule(), "payload_schema");
}

#[test]
fn too_large_roster_change() {
    let charter = charter();
    let roster = roster(&charter);
    let mut signed = SignedRosterChange::unsigned(change(
        net(),
        2,
        roster.head,
        RosterAction::Suspend {
            city: city_key().public(),
            last_seq: 0,
            reason: "r".repeat(MAX_ROSTER_CHANGE_BYTES),
        },
    ));
    signed.sign_with(&committee_key());
    let err =
        SignedRosterChange::decode(&signed.to_bytes()).expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::TooLarge {
            what: "roster change",
            limit: MAX_ROSTER_CHANGE_BYTES,
            ..
        }
    ));
    assert_eq!(err.rule(), "size_limit");
}

#[test]
fn too_large_wire_entry() {
    let err = WireEntry::decode(&vec![0u8; MAX_WIRE_ENTRY_BYTES + 1])
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::TooLarge {
            what: "wire entry",
            limit: MAX_WIRE_ENTRY_BYTES,
            ..
        }
    ));
    assert_eq!(err.rule(), "size_limit");
}

// ---------------------------------------------------------------- decode

#[test]
fn malformed_truncated_entry() {
    let (e, _) = valid_entry();
    let bytes = &e.bytes()[..e.bytes().len() - 1];
    let err = SignedEntry::decode(bytes).expect_err("the rule must refuse this");
    assert!(
        matches!(
            err,
            RecordError::Malformed {
                what: "entry header",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.rule(), "decode");
}

#[test]
fn malformed_entry_too_short_for_a_signature() {
    let err = SignedEntry::decode(&[1u8; 64]).expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::Malformed { what: "entry", .. }));
    assert_eq!(err.rule(), "decode");
}

#[test]
fn malformed_option_tag_for_prev() {
    let (e, _) = valid_entry();
    let mut header = e.header_bytes().to_vec();
    // seq 1 is one byte, so prev's tag follows it.
    assert_eq!(header[SEQ_OFFSET], 0x01);
    assert_eq!(header[SEQ_OFFSET + 1], 0x00);
    header[SEQ_OFFSET + 1] = 0x02;
    let bytes = sign_header_bytes(&city_key(), header);
    let err = SignedEntry::decode(&bytes).expect_err("the rule must refuse this");
    assert!(
        matches!(
            err,
            RecordError::Malformed {
                what: "entry header",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.rule(), "decode");
}

#[test]
fn malformed_payload_with_unknown_variant() {
    // Version 1, variant 9: there is no such payload. Header and commitment match the blob.
    let blob = PayloadBlob {
        salt: SALT,
        bytes: vec![FORMAT_VERSION, 9, 0, 0],
    };
    let header = header_for(net(), 1, None, 1, &blob);
    let bytes = sign_header(&city_key(), &header);
    let err = full_check(&net(), &roster(&charter()), &bytes, Some(blob))
        .expect_err("the rule must refuse this");
    assert!(
        matches!(
            err,
            RecordError::Malformed {
                what: "payload",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.rule(), "decode");
}

#[test]
fn malformed_payload_with_invalid_utf8() {
    let mut p = vector_practice();
    p.city = "Testvill\u{e9}".into(); // "é" is c3 a9 in UTF-8
    let mut bytes = Payload::Practice(p).to_bytes();
    let at = bytes
        .windows(2)
        .position(|w| w == [0xc3, 0xa9])
        .expect("é is in the bytes");
    bytes[at + 1] = 0x28; // c3 28 is not UTF-8
    let err = Payload::decode(&bytes).expect_err("the rule must refuse this");
    assert!(
        matches!(
            err,
            RecordError::Malformed {
                what: "payload",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn malformed_roster_change() {
    let charter = charter();
    let bytes = admit_change(&charter).to_bytes();
    let err = SignedRosterChange::decode(&bytes[..bytes.len() - 1])
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::Malformed {
            what: "roster change",
            ..
        }
    ));
    assert_eq!(err.rule(), "decode");
}

// ---------------------------------------------------------------- canonical_encoding

#[test]
fn non_canonical_overlong_seq_varint() {
    let (e, _) = valid_entry();
    let header = e.header_bytes();
    assert_eq!(header[SEQ_OFFSET], 0x01);
    // 1 written as two bytes: 0x81 0x00. Properly signed, so only the encoding is wrong.
    let mut overlong = header[..SEQ_OFFSET].to_vec();
    overlong.extend_from_slice(&[0x81, 0x00]);
    overlong.extend_from_slice(&header[SEQ_OFFSET + 1..]);
    let bytes = sign_header_bytes(&city_key(), overlong);
    let err = SignedEntry::decode(&bytes).expect_err("the rule must refuse this");
    assert!(
        matches!(
            err,
            RecordError::NonCanonical {
                what: "entry header"
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.rule(), "canonical_encoding");
}

#[test]
fn non_canonical_trailing_byte_in_header() {
    let (e, _) = valid_entry();
    let mut header = e.header_bytes().to_vec();
    header.push(0);
    let bytes = sign_header_bytes(&city_key(), header);
    let err = SignedEntry::decode(&bytes).expect_err("the rule must refuse this");
    assert!(
        matches!(
            err,
            RecordError::NonCanonical {
                what: "entry header"
            }
        ),
        "{err:?}"
    );
}

/// Payload bytes with the title's two languages in the wrong order (fr before en).
fn payload_with_unsorted_title() -> Vec<u8> {
    let bytes = Payload::Practice(vector_practice()).to_bytes();
    let en = [&[2u8][..], b"en", &[23], b"Testing rental agencies"].concat();
    let fr = [&[2u8][..], b"fr", &[18], b"Tester les agences"].concat();
    let sorted = [en.clone(), fr.clone()].concat();
    let at = bytes
        .windows(sorted.len())
        .position(|w| w == sorted.as_slice())
        .expect("title pairs in the bytes");
    [&bytes[..at], &fr, &en, &bytes[at + sorted.len()..]].concat()
}

#[test]
fn non_canonical_unsorted_map_keys_in_payload() {
    let blob = PayloadBlob {
        salt: SALT,
        bytes: payload_with_unsorted_title(),
    };
    let header = header_for(net(), 1, None, 1, &blob);
    let bytes = sign_header(&city_key(), &header);
    let err = full_check(&net(), &roster(&charter()), &bytes, Some(blob))
        .expect_err("the rule must refuse this");
    assert!(
        matches!(err, RecordError::NonCanonical { what: "payload" }),
        "{err:?}"
    );
    assert_eq!(err.rule(), "canonical_encoding");
}

#[test]
fn non_canonical_duplicate_map_key_and_trailing_bytes_in_payload() {
    let bytes = Payload::Practice(vector_practice()).to_bytes();
    // Title: two entries, both "en".
    let en1 = [&[2u8][..], b"en", &[23], b"Testing rental agencies"].concat();
    let fr = [&[2u8][..], b"fr", &[18], b"Tester les agences"].concat();
    let en2 = [&[2u8][..], b"en", &[18], b"Tester les agences"].concat();
    let at = bytes
        .windows(en1.len())
        .position(|w| w == en1.as_slice())
        .expect("en title");
    let duplicated = [
        &bytes[..at],
        &en1,
        &en2,
        &bytes[at + en1.len() + fr.len()..],
    ]
    .concat();
    let err = Payload::decode(&duplicated).expect_err("the rule must refuse this");
    assert!(
        matches!(err, RecordError::NonCanonical { what: "payload" }),
        "{err:?}"
    );

    let mut trailing = bytes;
    trailing.push(0);
    let err = Payload::decode(&trailing).expect_err("the rule must refuse this");
    assert!(
        matches!(err, RecordError::NonCanonical { what: "payload" }),
        "{err:?}"
    );
}

#[test]
fn non_canonical_roster_change() {
    let charter = charter();
    let bytes = admit_change(&charter).to_bytes();
    // version (1) + network id (32), then seq = 1.
    assert_eq!(bytes[33], 0x01);
    let overlong = [&bytes[..33], &[0x81, 0x00], &bytes[34..]].concat();
    let err = SignedRosterChange::decode(&overlong).expect_err("the rule must refuse this");
    assert!(
        matches!(
            err,
            RecordError::NonCanonical {
                what: "roster change"
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.rule(), "canonical_encoding");
}

// ---------------------------------------------------------------- format_version

#[test]
fn unsupported_entry_version() {
    let (e, _) = valid_entry();
    let mut header = e.header;
    header.version = 2;
    let bytes = sign_header(&city_key(), &header);
    let err = SignedEntry::decode(&bytes).expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::UnsupportedVersion {
            what: "entry",
            found: 2,
            expected: 1
        }
    ));
    assert_eq!(err.rule(), "format_version");
}

#[test]
fn unsupported_payload_version() {
    let mut bytes = practice_payload().to_bytes();
    bytes[0] = 2;
    let blob = PayloadBlob { salt: SALT, bytes };
    let header = header_for(net(), 1, None, 1, &blob);
    let entry_bytes = sign_header(&city_key(), &header);
    let err = full_check(&net(), &roster(&charter()), &entry_bytes, Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::UnsupportedVersion {
            what: "payload",
            found: 2,
            expected: 1
        }
    ));
    assert_eq!(err.rule(), "format_version");
}

#[test]
fn unsupported_roster_change_version() {
    let charter = charter();
    let mut c = change(net(), 1, None, admit_action(city_key().public()));
    c.version = 2;
    let mut signed = SignedRosterChange::unsigned(c);
    signed.sign_with(&committee_key());
    let err = Roster::empty(net())
        .apply(&charter, &signed)
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::UnsupportedVersion {
            what: "roster change",
            found: 2,
            ..
        }
    ));
    assert_eq!(err.rule(), "format_version");
}

#[test]
fn unsupported_charter_version() {
    let mut c = charter();
    c.version = 2;
    let err = c.validate().expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::UnsupportedVersion {
            what: "charter",
            found: 2,
            ..
        }
    ));
    assert_eq!(err.rule(), "format_version");
}

// ---------------------------------------------------------------- network_id

#[test]
fn wrong_network_entry() {
    let other = Charter::new(
        "Other Coalition",
        vec![committee_key().public()],
        1,
        CREATED_MS,
    )
    .expect("valid charter");
    let (e, blob) = entry(other.network_id(), 1, None, &practice_payload());
    let err = full_check(&net(), &roster(&charter()), e.bytes(), Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::WrongNetwork { expected, found } if expected == net() && found == other.network_id()
    ));
    assert_eq!(err.rule(), "network_id");
}

#[test]
fn wrong_network_roster_change() {
    let charter = charter();
    let mut signed = SignedRosterChange::unsigned(change(
        Hash32([7; 32]),
        1,
        None,
        admit_action(city_key().public()),
    ));
    signed.sign_with(&committee_key());
    let err = Roster::empty(net())
        .apply(&charter, &signed)
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::WrongNetwork { found, .. } if found == Hash32([7; 32])));
    assert_eq!(err.rule(), "network_id");
}

// ---------------------------------------------------------------- roster: author rules

#[test]
fn unknown_author() {
    let (e, blob) = SignedEntry::create_with_salt(
        &stranger_key(),
        net(),
        1,
        None,
        CREATED_MS,
        &practice_payload(),
        SALT,
    );
    let err = full_check(&net(), &roster(&charter()), e.bytes(), Some(blob))
        .expect_err("the rule must refuse this");
    assert!(
        matches!(err, RecordError::UnknownAuthor { author } if author == stranger_key().public())
    );
    assert_eq!(err.rule(), "unknown_author");
}

#[test]
fn author_suspended() {
    let charter = charter();
    let mut roster = roster(&charter);
    apply_next(
        &charter,
        &mut roster,
        RosterAction::Suspend {
            city: city_key().public(),
            last_seq: 0,
            reason: "did not pay".into(),
        },
    )
    .expect("suspend applies");
    let (e, blob) = valid_entry();
    let err = full_check(&net(), &roster, e.bytes(), Some(blob.clone()))
        .expect_err("the rule must refuse this");
    assert!(matches!(&err, RecordError::AuthorSuspended { city, .. } if city == "Testville"));
    assert_eq!(err.rule(), "author_suspended");

    // Readmitted: accepted again.
    apply_next(
        &charter,
        &mut roster,
        RosterAction::Readmit {
            city: city_key().public(),
        },
    )
    .expect("readmit applies");
    assert!(full_check(&net(), &roster, e.bytes(), Some(blob)).is_ok());
}

#[test]
fn author_with_rotated_key_counts_as_suspended() {
    let charter = charter();
    let mut roster = roster(&charter);
    let new = SecretKey::from_seed([4; 32]);
    apply_next(
        &charter,
        &mut roster,
        RosterAction::RotateKey {
            old: city_key().public(),
            new: new.public(),
            last_seq: 0,
        },
    )
    .expect("rotation applies");
    let err = roster
        .check_author(&city_key().public(), 2)
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::AuthorSuspended { .. }));
    assert_eq!(err.rule(), "author_suspended");
    let member = roster
        .check_author(&new.public(), 1)
        .expect("new key active");
    assert_eq!(member.name, "Testville");
}

#[test]
fn author_revoked_after_cutoff() {
    let charter = charter();
    let mut roster = roster(&charter);
    apply_next(
        &charter,
        &mut roster,
        RosterAction::Revoke {
            city: city_key().public(),
            cutoff_seq: 3,
            reason: "key compromised".into(),
        },
    )
    .expect("revoke applies");
    let payload = practice_payload();
    let prev = Some(Hash32([5; 32]));
    let (at_cutoff, blob3) = entry(net(), 3, prev, &payload);
    assert!(full_check(&net(), &roster, at_cutoff.bytes(), Some(blob3)).is_ok());
    let (after, blob4) = entry(net(), 4, prev, &payload);
    let err = full_check(&net(), &roster, after.bytes(), Some(blob4))
        .expect_err("the rule must refuse this");
    assert!(matches!(
        &err,
        RecordError::AuthorRevoked { cutoff: 3, seq: 4, city, .. } if city == "Testville"
    ));
    assert_eq!(err.rule(), "author_revoked");
}

// ---------------------------------------------------------------- chain

#[test]
fn zero_seq() {
    let (e, blob) = entry(net(), 0, None, &practice_payload());
    // Every stateless rule passes: only the chain rule refuses it.
    assert!(full_check(&net(), &roster(&charter()), e.bytes(), Some(blob)).is_ok());
    let err = chain_position(None, None, &e.header, e.id()).expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::ZeroSeq));
    assert_eq!(err.rule(), "chain_shape");
}

#[test]
fn prev_shape() {
    let (first, _) = valid_entry();
    // seq 1 naming a previous entry.
    let (e, _) = entry(net(), 1, Some(first.id()), &practice_payload());
    let err = chain_position(None, None, &e.header, e.id()).expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::PrevShape { seq: 1 }));
    assert_eq!(err.rule(), "chain_shape");
    // seq 2 naming none.
    let (e, _) = entry(net(), 2, None, &practice_payload());
    let err = chain_position(Some((1, first.id())), None, &e.header, e.id())
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::PrevShape { seq: 2 }));
    assert_eq!(err.rule(), "chain_shape");
}

#[test]
fn prev_mismatch() {
    let (first, _) = valid_entry();
    let wrong = Hash32([6; 32]);
    let (e, _) = entry(net(), 2, Some(wrong), &practice_payload());
    let err = chain_position(Some((1, first.id())), None, &e.header, e.id())
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::PrevMismatch { seq: 2, claimed, stored } if claimed == wrong && stored == first.id()
    ));
    assert_eq!(err.rule(), "prev_mismatch");
}

#[test]
fn inconsistent_state_is_refused() {
    // The frontier says seq 3 is held, yet nothing is held at seq 2: the caller's state is
    // inconsistent, and the rule refuses rather than guess.
    let (e, _) = entry(net(), 2, Some(Hash32([1; 32])), &practice_payload());
    let err = chain_position(Some((3, Hash32([3; 32]))), None, &e.header, e.id())
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::Inconsistent { seq: 2, have: 3 }));
    assert_eq!(err.rule(), "inconsistent_state");
}

#[test]
fn chain_positions_next_duplicate_fork_gap() {
    let payload = practice_payload();
    let (e1, _) = entry(net(), 1, None, &payload);
    let (e2, _) = entry(net(), 2, Some(e1.id()), &payload);
    let (e3, _) = entry(net(), 3, Some(e2.id()), &payload);

    // Next: first entry of an empty log, and the entry after the frontier.
    assert_eq!(
        chain_position(None, None, &e1.header, e1.id()),
        Ok(ChainPosition::Next)
    );
    assert_eq!(
        chain_position(Some((1, e1.id())), None, &e2.header, e2.id()),
        Ok(ChainPosition::Next)
    );

    // Duplicate: the same entry is already held at its seq.
    assert_eq!(
        chain_position(Some((2, e2.id())), Some(e2.id()), &e2.header, e2.id()),
        Ok(ChainPosition::Duplicate)
    );

    // Fork: another validly signed entry at seq 2, with a different payload.
    let other = Payload::ActivityUpdate(update());
    let (fork, _) = entry(net(), 2, Some(e1.id()), &other);
    assert_ne!(fork.id(), e2.id());
    assert!(
        fork.verify_signature().is_ok(),
        "a fork proof needs a valid signature"
    );
    assert_eq!(
        chain_position(Some((2, e2.id())), Some(e2.id()), &fork.header, fork.id()),
        Ok(ChainPosition::Fork { existing: e2.id() })
    );

    // Gap: seq 3 arrives while the log only reaches seq 1.
    assert_eq!(
        chain_position(Some((1, e1.id())), None, &e3.header, e3.id()),
        Ok(ChainPosition::Gap { have: 1 })
    );
    assert_eq!(
        chain_position(None, None, &e3.header, e3.id()),
        Ok(ChainPosition::Gap { have: 0 })
    );
}

// ---------------------------------------------------------------- signature

#[test]
fn bad_signature_flipped_bit() {
    let (e, blob) = valid_entry();
    let mut bytes = e.bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last - 10] ^= 0x01;
    let err = full_check(&net(), &roster(&charter()), &bytes, Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::BadSignature { author } if author == city_key().public()));
    assert_eq!(err.rule(), "signature");
}

#[test]
fn bad_signature_by_another_key() {
    // The header names the city as author, the stranger signs it.
    let (e, blob) = valid_entry();
    let bytes = sign_header(&stranger_key(), &e.header);
    let err = full_check(&net(), &roster(&charter()), &bytes, Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::BadSignature { .. }));
    assert_eq!(err.rule(), "signature");
}

#[test]
fn bad_signature_without_domain_tag() {
    let (e, blob) = valid_entry();
    let header = e.header_bytes().to_vec();
    let signature = city_key().sign(&header);
    let bytes = [header, signature.0.to_vec()].concat();
    let err = full_check(&net(), &roster(&charter()), &bytes, Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::BadSignature { .. }));
}

// ---------------------------------------------------------------- payload

#[test]
fn commitment_mismatch() {
    let (e, mut blob) = valid_entry();
    blob.salt[0] ^= 0xff;
    let err = full_check(&net(), &roster(&charter()), e.bytes(), Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::CommitmentMismatch));
    assert_eq!(err.rule(), "payload_commitment");

    // The payload of another entry, same length, same salt.
    let (e, _) = valid_entry();
    let mut p = practice();
    p.city = "Testvilla".into();
    let (_, other_blob) = entry(net(), 1, None, &Payload::Practice(p));
    assert_eq!(other_blob.bytes.len(), e.header.payload_len as usize);
    let err = full_check(&net(), &roster(&charter()), e.bytes(), Some(other_blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::CommitmentMismatch));
}

#[test]
fn payload_length_mismatch() {
    let (e, mut blob) = valid_entry();
    blob.bytes.push(0);
    let actual = blob.bytes.len();
    let err = full_check(&net(), &roster(&charter()), e.bytes(), Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::PayloadLengthMismatch { declared, actual: a } if declared as usize + 1 == actual && a == actual
    ));
    assert_eq!(err.rule(), "payload_length");
}

#[test]
fn kind_mismatch() {
    // A practice committed to by a header that says "update".
    let (_, blob) = valid_entry();
    let update_code = PayloadKind::ActivityUpdate.code();
    let header = header_for(net(), 1, None, update_code, &blob);
    let bytes = sign_header(&city_key(), &header);
    let err = full_check(&net(), &roster(&charter()), &bytes, Some(blob))
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::KindMismatch {
            declared: 3,
            actual: 1
        }
    ));
    assert_eq!(err.rule(), "payload_kind");
}

// ---------------------------------------------------------------- payload_schema

#[test]
fn schema_through_the_full_check() {
    let mut p = practice();
    p.commitments = vec![3, 11];
    let (e, blob) = entry(net(), 1, None, &Payload::Practice(p));
    let err = full_check(&net(), &roster(&charter()), e.bytes(), Some(blob))
        .expect_err("the rule must refuse this");
    assert!(
        matches!(&err, RecordError::Schema { field, rule } if field == "practice.commitments" && rule.contains("11")),
        "{err:?}"
    );
    assert_eq!(err.rule(), "payload_schema");
}

#[test]
fn schema_commitment_out_of_range_and_order() {
    for bad in [vec![11], vec![0], vec![7, 3], vec![3, 3], vec![]] {
        let mut p = practice();
        p.commitments = bad.clone();
        assert_eq!(
            schema_field(validate_practice(p)),
            "practice.commitments",
            "{bad:?}"
        );
    }
    let mut u = update();
    u.commitments = vec![11];
    assert_eq!(
        schema_field(Payload::ActivityUpdate(u.clone()).validate()),
        "update.commitments"
    );
    u.commitments = vec![]; // an update may name none
    assert!(Payload::ActivityUpdate(u).validate().is_ok());
    let mut r = report();
    r.commitments[0].commitment = 11;
    assert_eq!(
        schema_field(Payload::ActivityReport(r).validate()),
        "report.commitments[0].commitment"
    );
}

#[test]
fn schema_no_title_in_any_language() {
    let mut p = practice();
    p.title.clear();
    assert_eq!(schema_field(validate_practice(p.clone())), "practice.title");
    p.title = text(&[("en", "  "), ("fr", "")]);
    assert_eq!(schema_field(validate_practice(p)), "practice.title");
    let mut u = update();
    u.title.clear();
    assert_eq!(
        schema_field(Payload::ActivityUpdate(u).validate()),
        "update.title"
    );
}

#[test]
fn schema_bad_language_tag() {
    let mut p = practice();
    p.title
        .insert("english".into(), "Discrimination testing".into());
    let err = validate_practice(p).expect_err("the rule must refuse this");
    assert!(
        matches!(&err, RecordError::Schema { field, rule } if field == "practice.title" && rule.contains("'english'")),
        "{err:?}"
    );
    for bad in ["EN", "en-us", "e", "en_GB", "en-"] {
        let mut p = practice();
        p.summary.insert(bad.into(), "x".into());
        assert_eq!(
            schema_field(validate_practice(p)),
            "practice.summary",
            "{bad}"
        );
    }
    for good in ["de-AT", "pt-BR", "es-419", "zh-Hant", "sr-Latn-RS"] {
        let mut p = practice();
        p.summary.insert(good.into(), "x".into());
        assert!(validate_practice(p).is_ok(), "{good}");
    }
}

#[test]
fn schema_bad_country() {
    let mut p = practice();
    p.country = "XX".into();
    let err = validate_practice(p).expect_err("the rule must refuse this");
    assert!(
        matches!(&err, RecordError::Schema { field, rule } if field == "practice.country" && rule.contains("'XX'")),
        "{err:?}"
    );
    for bad in ["UK", "fr", "FRA", ""] {
        let mut r = report();
        r.country = bad.into();
        assert_eq!(
            schema_field(Payload::ActivityReport(r).validate()),
            "report.country",
            "{bad}"
        );
    }
}

#[test]
fn schema_bad_date() {
    for bad in [
        "2024-02-30",
        "2023-02-29",
        "2024-13",
        "24-01-01",
        "2024-1-01",
        "1899",
        "2024-01-01-01",
        "soon",
    ] {
        let mut p = practice();
        p.period.start = bad.into();
        assert_eq!(
            schema_field(validate_practice(p)),
            "practice.period.start",
            "{bad}"
        );
    }
    let mut p = practice();
    p.period.start = "2024-02-29".into(); // a leap day
    p.period.end = Some("2023-12".into());
    assert_eq!(schema_field(validate_practice(p)), "practice.period.end");
    let mut u = update();
    u.date = "21/03/2025".into();
    assert_eq!(
        schema_field(Payload::ActivityUpdate(u).validate()),
        "update.date"
    );
}

#[test]
fn schema_bad_report_period() {
    for bad in ["2024-Q1", "2024-H3", "24", "2024-", "FY2024"] {
        let mut r = report();
        r.period = bad.into();
        assert_eq!(
            schema_field(Payload::ActivityReport(r).validate()),
            "report.period",
            "{bad}"
        );
    }
    for good in ["2024", "2024-H1", "2024-H2"] {
        let mut r = report();
        r.period = good.into();
        assert!(Payload::ActivityReport(r).validate().is_ok(), "{good}");
    }
}

#[test]
fn schema_non_finite_indicator() {
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut r = report();
        r.commitments[0].indicators.push(Indicator {
            name: "complaints".into(),
            value,
            unit: "cases".into(),
        });
        let err = Payload::ActivityReport(r)
            .validate()
            .expect_err("the rule must refuse this");
        assert!(
            matches!(&err, RecordError::Schema { field, .. } if field == "report.commitments[0].indicators[1].value"),
            "{value}: {err:?}"
        );
        assert_eq!(err.rule(), "payload_schema");
    }
}

#[test]
fn schema_other_rules_name_their_field() {
    let mut r = report();
    r.commitments.clear();
    assert_eq!(
        schema_field(Payload::ActivityReport(r).validate()),
        "report.commitments"
    );

    let mut r = report();
    let again = r.commitments[0].clone();
    r.commitments.push(again);
    assert_eq!(
        schema_field(Payload::ActivityReport(r).validate()),
        "report.commitments[1].commitment"
    );

    let mut p = practice();
    p.links = vec!["ftp://example.org".into()];
    assert_eq!(schema_field(validate_practice(p)), "practice.links[0]");

    let mut p = practice();
    if let Some(c) = p.contact.as_mut() {
        c.email = Some("equality at testville".into());
    }
    assert_eq!(schema_field(validate_practice(p)), "practice.contact.email");

    let mut p = practice();
    p.city = " ".into();
    assert_eq!(schema_field(validate_practice(p)), "practice.city");

    let mut p = practice();
    p.themes = vec!["x".into(); 65];
    assert_eq!(schema_field(validate_practice(p)), "practice.themes");

    let mut p = practice();
    p.title.insert("de".into(), "t".repeat(1025));
    assert_eq!(schema_field(validate_practice(p)), "practice.title.de");

    let retraction = Payload::Retraction(Retraction {
        target: Hash32([0; 32]),
        reason: " ".into(),
    });
    assert_eq!(schema_field(retraction.validate()), "reason");
}

// ---------------------------------------------------------------- charter

#[test]
fn charter_rules() {
    let k = |i: u8| SecretKey::from_seed([i; 32]).public();
    let cases: Vec<(&str, Result<Charter, RecordError>)> = vec![
        ("threshold 0", Charter::new("C", vec![k(1)], 0, 0)),
        (
            "threshold above committee",
            Charter::new("C", vec![k(1), k(2)], 3, 0),
        ),
        ("empty committee", Charter::new("C", vec![], 1, 0)),
        ("key twice", Charter::new("C", vec![k(1), k(1)], 1, 0)),
        ("blank name", Charter::new("  ", vec![k(1)], 1, 0)),
        (
            "long name",
            Charter::new(&"n".repeat(201), vec![k(1)], 1, 0),
        ),
        // A point of small order (order 4): not a usable key.
        (
            "weak key",
            Charter::new("C", vec![PublicKey([0; 32])], 1, 0),
        ),
        (
            "too many keys",
            Charter::new("C", (0..65).map(|i| k(i + 10)).collect(), 1, 0),
        ),
    ];
    for (name, result) in cases {
        let err = result.expect_err(name);
        assert!(matches!(err, RecordError::Charter(_)), "{name}: {err:?}");
        assert_eq!(err.rule(), "charter", "{name}");
    }
    let mut c = charter();
    c.protocol_version = 2;
    let err = c.validate().expect_err("the rule must refuse this");
    assert!(matches!(err, RecordError::Charter(_)));
    assert!(Charter::new("C", vec![k(1), k(2), k(3)], 3, 0).is_ok());
}

// ---------------------------------------------------------------- roster_change

#[test]
fn roster_change_rules() {
    let charter = charter();
    let base = roster(&charter);
    let city = city_key().public();
    let signed = |seq: u64, prev: Option<Hash32>, action: RosterAction| {
        let mut s = SignedRosterChange::unsigned(change(net(), seq, prev, action));
        s.sign_with(&committee_key());
        s
    };
    let cases = vec![
        (
            "skips a version",
            signed(3, base.head, RosterAction::Readmit { city }),
        ),
        (
            "repeats a version",
            signed(1, None, admit_action(stranger_key().public())),
        ),
        (
            "wrong prev",
            signed(
                2,
                Some(Hash32([8; 32])),
                RosterAction::Suspend {
                    city,
                    last_seq: 0,
                    reason: "r".into(),
                },
            ),
        ),
        (
            "no prev",
            signed(
                2,
                None,
                RosterAction::Suspend {
                    city,
                    last_seq: 0,
                    reason: "r".into(),
                },
            ),
        ),
        ("admit twice", signed(2, base.head, admit_action(city))),
        (
            "admit weak key",
            signed(2, base.head, admit_action(PublicKey([0; 32]))),
        ),
        (
            "suspend a stranger",
            signed(
                2,
                base.head,
                RosterAction::Suspend {
                    city: stranger_key().public(),
                    last_seq: 0,
                    reason: "r".into(),
                },
            ),
        ),
        (
            "readmit an active city",
            signed(2, base.head, RosterAction::Readmit { city }),
        ),
        (
            "rotate to a key on the roster",
            signed(
                2,
                base.head,
                RosterAction::RotateKey {
                    old: city,
                    new: city,
                    last_seq: 0,
                },
            ),
        ),
        (
            "revoke a stranger",
            signed(
                2,
                base.head,
                RosterAction::Revoke {
                    city: stranger_key().public(),
                    cutoff_seq: 0,
                    reason: "r".into(),
                },
            ),
        ),
    ];
    for (name, change) in cases {
        let mut roster = base.clone();
        let err = roster
            .apply(&charter, &change)
            .expect_err("the rule must refuse this");
        assert!(
            matches!(err, RecordError::RosterChange(_)),
            "{name}: {err:?}"
        );
        assert_eq!(err.rule(), "roster_change", "{name}");
        assert_eq!(roster, base, "{name}: nothing is half-applied");
    }
}

#[test]
fn roster_admit_checks_name_and_country_with_the_schema_rule() {
    let charter = charter();
    let mut roster = Roster::empty(net());
    let mut s = SignedRosterChange::unsigned(change(
        net(),
        1,
        None,
        RosterAction::Admit {
            city: city_key().public(),
            name: "Testville".into(),
            country: "XX".into(),
        },
    ));
    s.sign_with(&committee_key());
    let err = roster
        .apply(&charter, &s)
        .expect_err("the rule must refuse this");
    assert!(matches!(&err, RecordError::Schema { field, .. } if field == "country"));
}

// ---------------------------------------------------------------- committee_threshold

fn committee_of_three() -> (Vec<SecretKey>, Charter) {
    let keys: Vec<SecretKey> = (11..14).map(|i| SecretKey::from_seed([i; 32])).collect();
    let charter = Charter::new(
        "Three",
        keys.iter().map(SecretKey::public).collect(),
        2,
        CREATED_MS,
    )
    .expect("valid charter");
    (keys, charter)
}

fn admit_in(charter: &Charter) -> SignedRosterChange {
    SignedRosterChange::unsigned(change(
        charter.network_id(),
        1,
        None,
        admit_action(city_key().public()),
    ))
}

#[test]
fn below_threshold_with_k_minus_one_signatures() {
    let (keys, charter) = committee_of_three();
    let mut signed = admit_in(&charter);
    signed.sign_with(&keys[0]);
    let err = Roster::empty(charter.network_id())
        .apply(&charter, &signed)
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::BelowThreshold {
            valid: 1,
            threshold: 2
        }
    ));
    assert_eq!(err.rule(), "committee_threshold");

    let unsigned = admit_in(&charter);
    let err = unsigned
        .verify(&charter)
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::BelowThreshold {
            valid: 0,
            threshold: 2
        }
    ));

    signed.sign_with(&keys[2]);
    assert!(Roster::empty(charter.network_id())
        .apply(&charter, &signed)
        .is_ok());
}

#[test]
fn below_threshold_when_one_key_signs_twice() {
    let (keys, charter) = committee_of_three();
    let mut signed = admit_in(&charter);
    signed.sign_with(&keys[0]);
    // sign_with replaces an earlier signature by the same key…
    signed.sign_with(&keys[0]);
    assert_eq!(signed.signatures.len(), 1);
    // …and a hand-made list with the key twice still counts it once.
    let again = signed.signatures[0].clone();
    signed.signatures.push(again);
    assert_eq!(signed.valid_committee_signers(&charter), 1);
    let err = signed
        .verify(&charter)
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::BelowThreshold {
            valid: 1,
            threshold: 2
        }
    ));
    // The duplicate survives the wire and is still counted once.
    let decoded = SignedRosterChange::decode(&signed.to_bytes()).expect("decodes");
    assert!(matches!(
        decoded.verify(&charter),
        Err(RecordError::BelowThreshold { valid: 1, .. })
    ));
}

#[test]
fn below_threshold_ignores_outsiders_and_bad_signatures() {
    let (keys, charter) = committee_of_three();
    let mut signed = admit_in(&charter);
    signed.sign_with(&keys[0]);
    // A key outside the committee.
    signed.sign_with(&stranger_key());
    // A committee key whose signature is over other bytes.
    signed.signatures.push(CommitteeSignature {
        signer: keys[1].public(),
        signature: keys[1].sign(b"something else"),
    });
    assert_eq!(signed.signatures.len(), 3);
    let err = signed
        .verify(&charter)
        .expect_err("the rule must refuse this");
    assert!(matches!(
        err,
        RecordError::BelowThreshold {
            valid: 1,
            threshold: 2
        }
    ));
}

// ---------------------------------------------------------------- rule names

#[test]
fn every_rule_name_is_distinct_per_rule() {
    let errors = [
        RecordError::TooLarge {
            what: "entry",
            size: 1,
            limit: 0,
        },
        RecordError::Malformed {
            what: "entry",
            detail: String::new(),
        },
        RecordError::NonCanonical { what: "entry" },
        RecordError::UnsupportedVersion {
            what: "entry",
            found: 2,
            expected: 1,
        },
        RecordError::WrongNetwork {
            expected: Hash32([0; 32]),
            found: Hash32([1; 32]),
        },
        RecordError::UnknownAuthor {
            author: PublicKey([0; 32]),
        },
        RecordError::AuthorSuspended {
            author: PublicKey([0; 32]),
            city: String::new(),
        },
        RecordError::AuthorRevoked {
            author: PublicKey([0; 32]),
            city: String::new(),
            cutoff: 1,
            seq: 2,
        },
        RecordError::ZeroSeq,
        RecordError::PrevMismatch {
            seq: 2,
            claimed: Hash32([0; 32]),
            stored: Hash32([1; 32]),
        },
        RecordError::Gap { seq: 5, have: 2 },
        RecordError::BadSignature {
            author: PublicKey([0; 32]),
        },
        RecordError::CommitmentMismatch,
        RecordError::PayloadLengthMismatch {
            declared: 1,
            actual: 2,
        },
        RecordError::KindMismatch {
            declared: 1,
            actual: 2,
        },
        RecordError::Schema {
            field: "f".into(),
            rule: "r".into(),
        },
        RecordError::Charter(String::new()),
        RecordError::RosterChange(String::new()),
        RecordError::BelowThreshold {
            valid: 0,
            threshold: 1,
        },
    ];
    let mut names: Vec<&str> = errors.iter().map(RecordError::rule).collect();
    for e in &errors {
        assert!(!e.to_string().is_empty());
    }
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), errors.len());
    assert_eq!(
        RecordError::PrevShape { seq: 1 }.rule(),
        RecordError::ZeroSeq.rule()
    );
}

#[test]
fn the_entry_header_layout_matches_the_seq_offset() {
    // Guards the hand-edited byte offsets used above.
    let (e, _) = valid_entry();
    let header: EntryHeader =
        codec::decode_canonical("entry header", e.header_bytes(), 512).expect("decodes");
    assert_eq!(&e.header_bytes()[1..33], header.network_id.as_bytes());
    assert_eq!(&e.header_bytes()[33..SEQ_OFFSET], header.author.as_bytes());
}

#[test]
fn suspended_city_keeps_entries_up_to_last_seq() {
    let charter = charter();
    let mut roster = roster(&charter);
    apply_next(
        &charter,
        &mut roster,
        RosterAction::Suspend {
            city: city_key().public(),
            last_seq: 5,
            reason: "audit pending".into(),
        },
    )
    .expect("suspend applies");
    assert!(roster.check_author(&city_key().public(), 5).is_ok());
    let err = roster
        .check_author(&city_key().public(), 6)
        .expect_err("seq after last_seq is refused");
    assert_eq!(err.rule(), "author_suspended");
}

#[test]
fn roster_change_over_the_size_limit_is_refused_before_it_applies() {
    let charter = charter();
    let mut roster = roster(&charter);
    let err = apply_next(
        &charter,
        &mut roster,
        RosterAction::Suspend {
            city: city_key().public(),
            last_seq: 0,
            reason: "r".repeat(MAX_ROSTER_CHANGE_BYTES),
        },
    )
    .expect_err("an oversized change must not apply");
    assert!(matches!(
        err,
        RecordError::Schema { .. } | RecordError::TooLarge { .. }
    ));
    assert_eq!(roster.version, 1);
}
