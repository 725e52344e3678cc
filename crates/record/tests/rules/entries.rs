//! The author rules, chain position, signature, payload checks and the payload schema.

use super::*;

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
