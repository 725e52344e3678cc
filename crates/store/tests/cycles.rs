//! Reporting cycles in the store (issue #18): the committee threshold on ingest and publish, a
//! report checked against its cycle at publish, feedback only from the committee or a reviewer
//! the cycle names. Real RocksDB in a temporary directory.

use crate::common;

use coalition_record::cycle::{CycleCommitment, CycleDecision, IndicatorSpec, ReportFeedback};
use coalition_record::{
    ActivityReport, Charter, CommitmentReport, Indicator, Payload, RecordError, ReportStatus,
    SignedCycleDecision, SignedEntry,
};
use coalition_store::{IngestOutcome, StoreError};
use common::*;

fn decision(charter: &Charter) -> CycleDecision {
    CycleDecision {
        network_id: charter.network_id(),
        period: "2024".into(),
        title: text(&[("en", "Annual report 2024")]),
        opens: "2025-01-01".into(),
        deadline: "2025-03-31".into(),
        commitments: vec![CycleCommitment {
            commitment: 3,
            questions: text(&[("en", "How do victims reach you?")]),
            narrative_required: false,
            indicators: vec![IndicatorSpec {
                name: "complaints received".into(),
                unit: "complaints".into(),
                required: true,
            }],
        }],
        reviewers: Vec::new(),
        amends: None,
        decided_ms: T0,
    }
}

fn report(cycle: Option<coalition_record::Hash32>, indicators: Vec<Indicator>) -> Payload {
    Payload::ActivityReport(ActivityReport {
        city: String::new(),
        country: String::new(),
        period: "2024".into(),
        narrative: text(&[("en", "Our year.")]),
        commitments: vec![CommitmentReport {
            commitment: 3,
            status: ReportStatus::InProgress,
            narrative: text(&[("en", "A counselling office opened.")]),
            indicators,
        }],
        illustrative: false,
        grounds: Vec::new(),
        cycle,
    })
}

#[test]
fn a_decision_below_the_threshold_is_refused_on_publish_and_on_ingest() {
    let charter = two_of_three();
    let tmp = tempfile::tempdir().expect("valid in the test");
    let a = store_two_of_three(&charter, &tmp.path().join("a"));
    let b = store_two_of_three(&charter, &tmp.path().join("b"));
    let mut signed = SignedCycleDecision::unsigned(decision(&charter));
    signed.sign_with(&committee_key());
    let one = Payload::ReportingCycle(signed.clone());
    let error = expect_err(
        a.publish_local(&city_a(), std::slice::from_ref(&one), T0),
        "a decision with 1 of 2 signatures",
    );
    assert!(
        matches!(
            error,
            StoreError::Record(RecordError::BelowThreshold {
                valid: 1,
                threshold: 2
            })
        ),
        "{error}"
    );
    assert_eq!(a.entry_count(), 0, "nothing was signed");
    // A node that skipped the check signs it anyway: every other node refuses it.
    let (entry, blob) = SignedEntry::create(&city_a(), charter.network_id(), 1, None, T0, &one);
    let outcomes = b
        .ingest(vec![coalition_record::WireEntry::new(&entry, Some(blob))])
        .expect("valid in the test");
    match &outcomes[0] {
        IngestOutcome::Rejected { error, .. } => assert_eq!(error.rule(), "committee_threshold"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(b.cycles().expect("valid in the test").is_empty());
    // The node's own signing path without the publish rules (demo, benchmarks) refuses it too.
    let own = expect_err(
        a.append_local(&city_a(), &one, T0),
        "appending a decision with 1 of 2 signatures",
    );
    assert!(
        matches!(own, StoreError::Record(RecordError::BelowThreshold { .. })),
        "{own}"
    );
    assert_eq!(a.entry_count(), 0);
    // With the second signature it is published, and it is a cycle on both nodes.
    signed.sign_with(&second_committee_key());
    let published = a
        .publish_local(&city_a(), &[Payload::ReportingCycle(signed.clone())], T0)
        .expect("valid in the test");
    let wire = published[0].entry.to_wire();
    assert!(matches!(
        b.ingest(vec![wire]).expect("valid in the test")[0],
        IngestOutcome::Stored { .. }
    ));
    for s in [&a, &b] {
        let cycles = s.cycles().expect("valid in the test");
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].id, signed.id());
        assert_eq!(cycles[0].terms.deadline, "2025-03-31");
    }
}

#[test]
fn a_report_for_a_cycle_must_answer_it_and_feedback_needs_a_reviewer() {
    let charter = two_of_three();
    let tmp = tempfile::tempdir().expect("valid in the test");
    let s = store_two_of_three(&charter, &tmp.path().join("s"));
    let mut signed = SignedCycleDecision::unsigned(decision(&charter));
    signed.sign_with(&committee_key());
    signed.sign_with(&second_committee_key());
    s.publish_local(&city_a(), &[Payload::ReportingCycle(signed.clone())], T0)
        .expect("valid in the test");
    let before = s.entry_count();
    let missing = expect_err(
        s.publish_local(&city_b(), &[report(Some(signed.id()), Vec::new())], T0),
        "a report without the required indicator",
    );
    let message = missing.to_string();
    assert!(message.contains("\"complaints received\""), "{message}");
    assert_eq!(s.entry_count(), before, "a refused report changes nothing");
    let unknown = expect_err(
        s.publish_local(
            &city_b(),
            &[report(Some(coalition_record::Hash32::of(b"x")), Vec::new())],
            T0,
        ),
        "a report naming no known cycle",
    );
    assert!(matches!(
        unknown,
        StoreError::PublishRule {
            rule: "unknown_cycle",
            ..
        }
    ));
    let good = s
        .publish_local(
            &city_b(),
            &[report(
                Some(signed.id()),
                vec![Indicator {
                    name: "complaints received".into(),
                    value: 41.0,
                    unit: "complaints".into(),
                }],
            )],
            T0 + DAY_MS,
        )
        .expect("valid in the test");
    let report_id = good[0].entry.id();
    // The cycle field survives the round trip through the store.
    let stored = s
        .entry(&report_id)
        .expect("valid in the test")
        .expect("valid in the test");
    match stored.payload() {
        Some(Payload::ActivityReport(r)) => assert_eq!(r.cycle, Some(signed.id())),
        other => panic!("{other:?}"),
    }
    let stranger_feedback =
        ReportFeedback::sign(&stranger_key(), report_id, text(&[("en", "Hm.")]));
    assert!(matches!(
        expect_err(
            s.publish_local(&city_a(), &[Payload::ReportFeedback(stranger_feedback)], T0),
            "feedback by a key the charter and cycle do not name",
        ),
        StoreError::PublishRule {
            rule: "not_a_reviewer",
            ..
        }
    ));
    let feedback = ReportFeedback::sign(
        &second_committee_key(),
        report_id,
        text(&[("en", "Please give the number of cases resolved next year.")]),
    );
    s.publish_local(
        &city_a(),
        &[Payload::ReportFeedback(feedback)],
        T0 + 2 * DAY_MS,
    )
    .expect("committee feedback is published");
}
