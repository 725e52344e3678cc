//! Charter, roster changes, committee threshold, and the rule names themselves.

use super::*;

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
        let mut s = SignedRosterChange::unsigned(roster_change(net(), seq, prev, action));
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
    let mut s = SignedRosterChange::unsigned(roster_change(
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
    SignedRosterChange::unsigned(roster_change(
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
