//! Translations in the store (issue #21): accepted from another member city and listed with the
//! practice; refused from a non-member, for a version not held, and for the city's own practice;
//! an endorsement by any city but the practice's own is refused at publish and does not count
//! when a peer sends one. Real RocksDB in temporary directories.

use crate::common;

use coalition_record::translation::{Translation, TranslationEndorsement};
use coalition_record::{Hash32, Payload, RecordError, SignedEntry};
use coalition_store::{IngestOutcome, StoreError};
use common::*;

fn spanish(source: Hash32) -> Payload {
    Payload::Translation(Translation {
        source,
        from_lang: "en".into(),
        lang: "es".into(),
        title: "Pruebas en el alquiler".into(),
        summary: "Solicitudes emparejadas.".into(),
        body: String::new(),
        rationale: String::new(),
        approach: String::new(),
        results: String::new(),
        transferability: String::new(),
    })
}

fn rule_of(error: StoreError) -> String {
    match error {
        StoreError::PublishRule { rule, .. } => rule.to_string(),
        other => other.to_string(),
    }
}

#[test]
fn translations_are_checked_listed_and_endorsed_only_by_the_practice_city() {
    let lyon = TestStore::new();
    let montreal = TestStore::new();
    let practice = lyon
        .store
        .append_local(&city_a(), &sample_practice(), T0)
        .expect("Lyon's practice");
    montreal
        .store
        .ingest(vec![practice.to_wire()])
        .expect("ingest");

    // Montréal translates Lyon's practice: accepted, and Lyon's store lists it once it arrives.
    let translated = montreal
        .store
        .publish_local(&city_b(), &[spanish(practice.id())], T0 + 1)
        .expect("a translation by another member");
    let wire = translated[0].entry.to_wire();
    lyon.store.ingest(vec![wire]).expect("ingest");
    let listed = lyon.store.translations_of(&[practice.id()]).expect("read");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1.translator, city_b().public());
    assert!(!listed[0].1.endorsed);

    // Refused: a version not held; the city's own practice.
    let unknown = montreal
        .store
        .publish_local(&city_b(), &[spanish(Hash32([5; 32]))], T0 + 2)
        .expect_err("no such version");
    assert_eq!(rule_of(unknown), "unknown_version");
    let own = lyon
        .store
        .publish_local(&city_a(), &[spanish(practice.id())], T0 + 2)
        .expect_err("own practice");
    assert_eq!(rule_of(own), "own_practice");

    // A non-member's translation is refused on arrival.
    let (entry, blob) = SignedEntry::create(
        &stranger_key(),
        lyon.store.network_id(),
        1,
        None,
        T0 + 3,
        &spanish(practice.id()),
    );
    let outcomes = lyon
        .store
        .ingest(vec![coalition_record::WireEntry::new(&entry, Some(blob))])
        .expect("ingest");
    assert!(
        matches!(
            outcomes[..],
            [IngestOutcome::Rejected {
                error: RecordError::UnknownAuthor { .. },
                ..
            }]
        ),
        "{outcomes:?}"
    );

    // Endorsement: refused when Montréal (the translator) tries; counted from Lyon.
    let endorse = Payload::TranslationEndorsement(TranslationEndorsement {
        translation: translated[0].entry.id(),
    });
    let refused = montreal
        .store
        .publish_local(&city_b(), std::slice::from_ref(&endorse), T0 + 4)
        .expect_err("not the practice's city");
    assert_eq!(rule_of(refused), "not_author_city");
    // Signed anyway by a modified node and sent to Lyon: it does not count.
    let (entry, blob) = SignedEntry::create(
        &city_b(),
        lyon.store.network_id(),
        2,
        Some(translated[0].entry.id()),
        T0 + 4,
        &endorse,
    );
    lyon.store
        .ingest(vec![coalition_record::WireEntry::new(&entry, Some(blob))])
        .expect("ingest");
    assert!(
        !lyon.store.translations_of(&[practice.id()]).expect("read")[0]
            .1
            .endorsed
    );
    lyon.store
        .publish_local(&city_a(), &[endorse], T0 + 5)
        .expect("Lyon endorses");
    assert!(
        lyon.store.translations_of(&[practice.id()]).expect("read")[0]
            .1
            .endorsed
    );
}
