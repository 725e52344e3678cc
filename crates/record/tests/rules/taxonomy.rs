//! Grounds of discrimination and partner types: their extension fields, and the crate's lists
//! equal to docs/grounds.toml and docs/partner-types.toml.

use super::*;

#[test]
fn grounds_travel_as_extension_field_1_and_older_bytes_stay_the_same() {
    let mut p = vector_practice();
    let plain = Payload::Practice(p.clone()).to_bytes();
    assert_eq!(
        plain[0], 1,
        "a practice without grounds is version 1, as before"
    );
    p.grounds = vec!["disability".into(), "gender".into()];
    let payload = Payload::Practice(p.clone());
    let bytes = payload.to_bytes();
    assert_eq!(bytes[0], 2);
    assert_eq!(
        &bytes[1..plain.len()],
        &plain[1..],
        "the version-1 fields are unchanged"
    );
    let (back, extensions) = Payload::decode_with_extensions(&bytes).expect("decodes");
    assert_eq!(back, payload);
    assert_eq!(extensions.0.keys().copied().collect::<Vec<_>>(), vec![1]);
    assert_eq!(Payload::decode_stored(&bytes).expect("stored"), payload);
    assert!(payload.check_publishable().is_ok());
    // A revision carries them the same way.
    let revision = Payload::PracticeRevision(coalition_record::payload::PracticeRevision {
        supersedes: coalition_record::Hash32([7; 32]),
        practice: p.clone(),
    });
    assert_eq!(
        Payload::decode(&revision.to_bytes()).expect("decodes"),
        revision
    );

    // Input files list them in any order, with repeats: read sorted, once.
    let json = serde_json::to_value(&p).expect("json");
    let mut json = json;
    json["grounds"] = serde_json::json!(["gender", "disability", "gender"]);
    let read: coalition_record::Practice = serde_json::from_value(json).expect("read");
    assert_eq!(read.grounds, ["disability", "gender"]);

    // A code of a newer release passes the record rule; this node does not publish it.
    p.grounds = vec!["caste".into()];
    let newer_ground = Payload::Practice(p.clone());
    assert!(newer_ground.validate().is_ok());
    let err = newer_ground.check_publishable().expect_err("not listed");
    assert!(err.to_string().contains("practice.grounds[0]"), "{err}");
    assert!(err.to_string().contains("docs/grounds.toml"), "{err}");
    p.grounds = vec!["Gender".into()];
    let err = Payload::Practice(p).validate().expect_err("shape");
    assert_eq!(err.rule(), "payload_schema");
}

#[test]
fn updates_and_reports_carry_grounds_as_extension_field_1() {
    let mut u = update();
    let plain = Payload::ActivityUpdate(u.clone()).to_bytes();
    assert_eq!(
        plain[0], 1,
        "an update without grounds is version 1, as before"
    );
    u.grounds = vec!["age".into(), "gender".into()];
    let payload = Payload::ActivityUpdate(u);
    let bytes = payload.to_bytes();
    assert_eq!(&bytes[1..plain.len()], &plain[1..]);
    assert_eq!(Payload::decode(&bytes).expect("decodes"), payload);
    let mut r = report();
    r.grounds = vec!["religion_or_belief".into()];
    let payload = Payload::ActivityReport(r.clone());
    assert_eq!(
        Payload::decode(&payload.to_bytes()).expect("decodes"),
        payload
    );
    r.grounds = vec!["caste".into()];
    let err = Payload::ActivityReport(r)
        .check_publishable()
        .expect_err("not listed");
    assert!(err.to_string().contains("report.grounds[0]"), "{err}");
}

#[test]
fn partner_types_travel_as_extension_field_2_aligned_with_partners() {
    let mut p = vector_practice();
    p.partners = vec!["Tenants' Union".into(), "University".into()];
    p.partner_types = vec!["civil_society".into(), "academia".into()];
    let payload = Payload::Practice(p.clone());
    let (back, extensions) = Payload::decode_with_extensions(&payload.to_bytes()).expect("decodes");
    assert_eq!(back, payload);
    assert_eq!(extensions.0.keys().copied().collect::<Vec<_>>(), vec![2]);
    assert!(payload.check_publishable().is_ok());
    // One partner without a type.
    p.partner_types = vec!["civil_society".into(), String::new()];
    assert!(Payload::Practice(p.clone()).check_publishable().is_ok());
    // Not one per partner.
    p.partner_types = vec!["civil_society".into()];
    let err = Payload::Practice(p.clone())
        .validate()
        .expect_err("misaligned");
    assert!(err.to_string().contains("practice.partner_types"), "{err}");
    assert!(err.to_string().contains("1 types for 2 partners"), "{err}");
    // A type of a newer release is kept; this node does not publish it.
    p.partner_types = vec!["civil_society".into(), "trade_union".into()];
    assert!(Payload::Practice(p.clone()).validate().is_ok());
    let err = Payload::Practice(p)
        .check_publishable()
        .expect_err("not listed");
    assert!(
        err.to_string().contains("practice.partner_types[1]"),
        "{err}"
    );
}

/// The crate's list equals the file of `docs/` that documents it: codes in order, and every
/// label in every language.
fn assert_list_matches_doc(file: &str, table: &str, list: &[coalition_record::taxonomy::Term]) {
    let path = format!("{}/../../docs/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc: toml::Value = toml::from_str(&text).expect("toml");
    let entries = doc[table].as_array().expect("an array of tables");
    assert_eq!(entries.len(), list.len(), "{file}");
    for (entry, term) in entries.iter().zip(list) {
        assert_eq!(entry["code"].as_str(), Some(term.code), "{file}");
        for (lang, label) in term.labels {
            assert_eq!(entry[lang].as_str(), Some(label), "{} in {lang}", term.code);
        }
    }
}

#[test]
fn the_partner_types_of_the_crate_are_those_of_docs_partner_types_toml() {
    assert_list_matches_doc(
        "partner-types.toml",
        "partner_type",
        &coalition_record::taxonomy::PARTNER_TYPES,
    );
}

#[test]
fn the_grounds_of_the_crate_are_those_of_docs_grounds_toml() {
    assert_list_matches_doc(
        "grounds.toml",
        "ground",
        &coalition_record::taxonomy::GROUNDS,
    );
}
