//! Baseline, size limits, decoding, canonical encoding, format version and network id.

use super::*;

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
    let mut signed = SignedRosterChange::unsigned(roster_change(
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
fn a_payload_of_another_variant_than_the_header_kind_is_refused() {
    // Version 1, variant 99 (kind 100) under a header that says kind 1.
    let blob = PayloadBlob {
        salt: SALT,
        bytes: vec![FORMAT_VERSION, 99, 0, 0],
    };
    let header = header_for(net(), 1, None, 1, &blob);
    let bytes = sign_header(&city_key(), &header);
    let err = full_check(&net(), &roster(&charter()), &bytes, Some(blob))
        .expect_err("the rule must refuse this");
    assert_eq!(
        err,
        RecordError::KindMismatch {
            declared: 1,
            actual: 100
        }
    );
    assert_eq!(err.rule(), "payload_kind");
}

#[test]
fn a_kind_of_a_newer_version_is_kept_after_every_check_it_allows() {
    // Variant 99 under kind 100: a kind this version does not know. Signature, commitment and
    // length are checked; the body is a newer version's and is kept as it came.
    let blob = PayloadBlob {
        salt: SALT,
        bytes: vec![FORMAT_VERSION, 99, 0, 0],
    };
    let header = header_for(net(), 1, None, 100, &blob);
    let bytes = sign_header(&city_key(), &header);
    let verified = full_check(&net(), &roster(&charter()), &bytes, Some(blob.clone()))
        .expect("a newer kind is accepted");
    let (kept, payload) = verified.payload.expect("the payload is kept");
    assert_eq!(kept, blob);
    assert_eq!(
        payload.newer(),
        Some(coalition_record::NewerPayload {
            kind: 100,
            version: 1
        })
    );
    assert_eq!(payload.kind().code(), 100);
    assert!(payload.title(None).contains("newer version"));
    // Its commitment is still checked.
    let mut other = blob;
    other.bytes.push(1);
    assert_eq!(
        full_check(&net(), &roster(&charter()), &bytes, Some(other))
            .expect_err("refused")
            .rule(),
        "payload_length"
    );
    // And this node never signs one.
    assert_eq!(
        payload.check_publishable().expect_err("refused").rule(),
        "payload_schema"
    );
}

#[test]
fn a_variant_index_beyond_the_kind_codes_is_malformed() {
    // Variant 65535 would be kind 65536, which does not fit the header's u16.
    let mut bytes = vec![FORMAT_VERSION];
    bytes.extend(codec::encode(&65_535u32));
    let err = Payload::decode(&bytes).expect_err("the rule must refuse this");
    assert_eq!(err.rule(), "decode", "{err:?}");
    assert_eq!(
        Payload::decode(&[FORMAT_VERSION])
            .expect_err("no variant")
            .rule(),
        "decode"
    );
    assert_eq!(Payload::decode(&[]).expect_err("empty").rule(), "decode");
}

#[test]
fn extension_fields_are_read_kept_and_must_be_canonical() {
    let payload = practice_payload();
    let mut fields = std::collections::BTreeMap::new();
    fields.insert(3u32, vec![0xaa, 0xbb]);
    fields.insert(7u32, Vec::new());
    let extensions = coalition_record::Extensions(fields);
    let bytes = payload.to_bytes_with(&extensions);
    assert_eq!(bytes[0], 2, "a payload with extension fields is version 2");
    let mut expected = vec![2u8];
    expected.extend_from_slice(&payload.to_bytes()[1..]);
    expected.extend_from_slice(&[3, 2, 0xaa, 0xbb, 7, 0]);
    assert_eq!(
        bytes, expected,
        "version 2 is the version-1 body followed by the fields"
    );
    let (back, read) = Payload::decode_with_extensions(&bytes).expect("decodes");
    assert_eq!(back, payload);
    assert_eq!(read, extensions);
    assert_eq!(Payload::decode_stored(&bytes).expect("stored"), payload);
    // An overlong field length is refused as non-canonical.
    let mut overlong = payload.to_bytes();
    overlong[0] = 2;
    overlong.extend_from_slice(&[3, 0x80, 0x00]);
    assert_eq!(
        Payload::decode(&overlong).expect_err("refused").rule(),
        "canonical_encoding"
    );
    // A truncated field is malformed.
    let mut truncated = payload.to_bytes();
    truncated[0] = 2;
    truncated.extend_from_slice(&[3, 5, 0xaa]);
    assert_eq!(
        Payload::decode(&truncated).expect_err("refused").rule(),
        "decode"
    );
    // Field number 0 is never used.
    let mut zero = payload.to_bytes();
    zero[0] = 2;
    zero.extend_from_slice(&[0, 0]);
    assert_eq!(
        Payload::decode(&zero).expect_err("refused").rule(),
        "canonical_encoding"
    );
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
fn payload_versions_0_and_a_bare_2_are_refused_and_3_is_kept() {
    let check = |version: u8, extra: &[u8]| {
        let mut bytes = practice_payload().to_bytes();
        bytes[0] = version;
        bytes.extend_from_slice(extra);
        let blob = PayloadBlob { salt: SALT, bytes };
        let header = header_for(net(), 1, None, 1, &blob);
        let entry_bytes = sign_header(&city_key(), &header);
        full_check(&net(), &roster(&charter()), &entry_bytes, Some(blob))
    };
    let err = check(0, &[]).expect_err("version 0 is refused");
    assert_eq!(
        err,
        RecordError::UnsupportedVersion {
            what: "payload",
            found: 0,
            expected: 1
        }
    );
    assert_eq!(err.rule(), "format_version");
    // Version 2 with no extension field is version 1 written another way.
    assert_eq!(
        check(2, &[]).expect_err("refused").rule(),
        "canonical_encoding"
    );
    // Version 3 is a newer version's: kept, not read.
    let verified = check(3, b"anything").expect("kept");
    assert_eq!(
        verified.payload.and_then(|(_, p)| p.newer()),
        Some(coalition_record::NewerPayload {
            kind: 1,
            version: 3
        })
    );
}

#[test]
fn unsupported_roster_change_version() {
    let charter = charter();
    let mut c = roster_change(net(), 1, None, admit_action(city_key().public()));
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
    let mut signed = SignedRosterChange::unsigned(roster_change(
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
