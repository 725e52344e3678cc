//! The example input files in docs/examples/ read into their payload types, pass the schema, and
//! sign into entries that verify; docs/ten-point-plan.toml matches the crate's taxonomy.

use crate::common;

use coalition_record::taxonomy::COMMITMENTS;
use coalition_record::{
    ActivityReport, ActivityUpdate, Payload, PayloadKind, Practice, SignedEntry, VerifiedEntry,
};
use serde::Deserialize;

const PRACTICE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/practice.toml"
));
const UPDATE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/update.toml"
));
const REPORT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/examples/report.toml"
));
const TEN_POINT_PLAN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/ten-point-plan.toml"
));

/// Validates, encodes, signs and fully verifies `payload`; returns its languages.
fn check(payload: Payload, kind: PayloadKind) -> Vec<String> {
    assert_eq!(payload.kind(), kind);
    if let Err(e) = payload.validate() {
        panic!("{} example fails the schema: {e}", kind.name());
    }
    let bytes = payload.to_bytes();
    assert_eq!(Payload::decode(&bytes).as_ref(), Ok(&payload));
    let (entry, blob) = SignedEntry::create_with_salt(
        &common::city_key(),
        common::charter().network_id(),
        1,
        None,
        common::CREATED_MS,
        &payload,
        common::SALT,
    );
    let entry = SignedEntry::decode(entry.bytes()).expect("entry decodes");
    VerifiedEntry::verify(entry, Some(blob)).expect("example entry verifies");
    payload.languages()
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> T {
    toml::from_str(text).unwrap_or_else(|e| panic!("docs/examples/{name} does not parse: {e}"))
}

#[test]
fn practice_example_is_valid() {
    let p: Practice = parse("practice.toml", PRACTICE);
    assert!(p.illustrative, "examples are marked illustrative");
    assert!(!p.city.is_empty() && !p.country.is_empty());
    assert!(p.commitments.contains(&3) && p.commitments.contains(&7));
    assert!(p.contact.is_some());
    for section in [
        &p.body,
        &p.rationale,
        &p.approach,
        &p.results,
        &p.transferability,
    ] {
        assert!(
            !section.is_empty(),
            "every section is filled in the example"
        );
    }
    let langs = check(Payload::Practice(p), PayloadKind::Practice);
    for lang in ["en", "fr", "de"] {
        assert!(langs.iter().any(|l| l == lang), "practice lacks {lang}");
    }
}

#[test]
fn update_example_is_valid() {
    let u: ActivityUpdate = parse("update.toml", UPDATE);
    assert!(u.illustrative);
    let langs = check(Payload::ActivityUpdate(u), PayloadKind::ActivityUpdate);
    for lang in ["en", "fr"] {
        assert!(langs.iter().any(|l| l == lang), "update lacks {lang}");
    }
}

#[test]
fn report_example_is_valid() {
    let r: ActivityReport = parse("report.toml", REPORT);
    assert!(r.illustrative);
    assert!(!r.city.is_empty() && !r.country.is_empty());
    assert!(r.commitments.iter().any(|c| !c.indicators.is_empty()));
    let langs = check(Payload::ActivityReport(r), PayloadKind::ActivityReport);
    for lang in ["en", "fr"] {
        assert!(langs.iter().any(|l| l == lang), "report lacks {lang}");
    }
}

#[test]
fn examples_refuse_unknown_fields() {
    // A typo in a field name must not be silently ignored.
    let typo = PRACTICE.replacen("themes =", "theme =", 1);
    assert!(toml::from_str::<Practice>(&typo).is_err());
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Plan {
    commitment: Vec<PlanCommitment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanCommitment {
    id: u8,
    title: String,
    summary: String,
}

#[test]
fn ten_point_plan_matches_the_taxonomy() {
    let plan: Plan = parse("../ten-point-plan.toml", TEN_POINT_PLAN);
    let doc: Vec<(u8, &str)> = plan
        .commitment
        .iter()
        .map(|c| (c.id, c.title.as_str()))
        .collect();
    let code: Vec<(u8, &str)> = COMMITMENTS.iter().map(|c| (c.id, c.title)).collect();
    assert_eq!(doc, code);
    assert_eq!(
        code.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<u8>>()
    );
    for c in &plan.commitment {
        assert!(
            !c.summary.trim().is_empty(),
            "commitment {} has no summary",
            c.id
        );
    }
}
