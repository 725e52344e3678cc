//! Appending a city's own entries: chaining, frontier, reading back by id, seq, range, wire form
//! and id prefix; roster and schema refusals; retractions and revisions.

use crate::common;

use coalition_record::payload::PracticeRevision;
use coalition_record::{Hash32, Payload, PayloadKind, RecordError};
use coalition_store::{Query, StoreError};
use common::*;

#[test]
fn append_local_chains_seq_and_prev_and_moves_the_frontier() {
    let t = TestStore::new();
    let a = city_a();
    assert_eq!(t.store.head(&a.public()), None);
    assert_eq!(t.store.entry_count(), 0);
    let mut ids: Vec<Hash32> = Vec::new();
    for i in 0..3 {
        let payload = update(&format!("Update {i}"), "2024-05-01", &[1]);
        let verified = t.store.append_local(&a, &payload, T0 + i).expect("append");
        let header = &verified.entry.header;
        assert_eq!(header.seq, i as u64 + 1);
        assert_eq!(
            header.prev,
            ids.last().copied(),
            "seq {} names its predecessor",
            header.seq
        );
        assert_eq!(header.author, a.public());
        assert_eq!(header.network_id, t.store.network_id());
        assert_eq!(header.timestamp_ms, T0 + i);
        assert_eq!(header.kind, PayloadKind::ActivityUpdate.code());
        verified
            .entry
            .verify_signature()
            .expect("the entry is validly signed");
        ids.push(verified.id());
        assert_eq!(
            t.store.head(&a.public()),
            Some((i as u64 + 1, verified.id()))
        );
        assert_eq!(t.store.entry_count(), i as u64 + 1);
        assert!(t.store.contains(&verified.id()).expect("contains"));
    }
    let frontier = t.store.frontier();
    assert_eq!(frontier.len(), 1, "only Lyon has a log");
    assert_eq!(frontier[&a.public()], (3, ids[2]));

    // A second city's log starts at seq 1 without a prev and does not touch the first one.
    let b = t
        .store
        .append_local(&city_b(), &sample_practice(), T0)
        .expect("append by Montréal");
    assert_eq!(b.entry.header.seq, 1);
    assert_eq!(b.entry.header.prev, None);
    assert_eq!(t.store.entry_count(), 4);
    assert_eq!(t.store.frontier()[&a.public()], (3, ids[2]));
}

#[test]
fn entries_read_back_by_id_seq_range_wire_and_prefix() {
    let t = TestStore::new();
    let a = city_a().public();
    let payload = sample_practice();
    let first = t
        .store
        .append_local(&city_a(), &payload, T0)
        .expect("append a practice");
    let wires = append_updates(&t.store, &city_a(), 2);

    let by_id = t.store.entry(&first.id()).expect("read").expect("held");
    assert_eq!(by_id.id(), first.id());
    assert_eq!(by_id.entry, first.entry);
    assert_eq!(by_id.payload(), Some(&payload));
    assert_eq!(by_id.blob, first.payload.as_ref().map(|(b, _)| b.clone()));
    assert_eq!(by_id.status, Default::default());
    assert_eq!(by_id.to_wire(), first.to_wire());

    let at = t.store.entry_at(&a, 2).expect("read").expect("seq 2 held");
    assert_eq!(at.to_wire(), wires[0]);
    assert!(t.store.entry_at(&a, 4).expect("read").is_none());
    assert!(t
        .store
        .entry_at(&city_b().public(), 1)
        .expect("read")
        .is_none());
    assert!(t
        .store
        .entry(&Hash32::of(b"nothing"))
        .expect("read")
        .is_none());

    let log = t.store.log(&a, 1, 100).expect("log");
    let seqs: Vec<u64> = log.iter().map(|e| e.entry.header.seq).collect();
    assert_eq!(seqs, [1, 2, 3]);
    let log = t.store.log(&a, 2, 1).expect("log from 2, limit 1");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].to_wire(), wires[0]);
    assert_eq!(t.store.log(&a, 0, 100).expect("log from 0").len(), 3);
    assert!(t
        .store
        .log(&a, 4, 100)
        .expect("log past the end")
        .is_empty());
    assert!(t
        .store
        .log(&city_b().public(), 1, 100)
        .expect("empty log")
        .is_empty());

    let wire = t.store.log_wire(&a, 1, 100, usize::MAX).expect("log_wire");
    assert_eq!(wire.len(), 3);
    assert_eq!(wire[0], first.to_wire());
    assert_eq!(&wire[1..], &wires[..]);
    let wire = t
        .store
        .log_wire(&a, 2, 100, usize::MAX)
        .expect("log_wire from 2");
    assert_eq!(wire, wires);
    assert_eq!(
        t.store.log_wire(&a, 1, 2, usize::MAX).expect("two").len(),
        2
    );
    // A byte budget smaller than one entry still returns one entry, and only one.
    assert_eq!(
        t.store.log_wire(&a, 1, 100, 1).expect("tiny budget").len(),
        1
    );

    let hex = first.id().to_hex();
    for prefix in [&hex[..], &hex[..8], &hex[..9], &hex.to_uppercase()[..12]] {
        let found = t
            .store
            .entry_by_prefix(prefix)
            .expect("prefix lookup")
            .unwrap_or_else(|| panic!("prefix {prefix} finds the entry"));
        assert_eq!(found.id(), first.id(), "prefix {prefix}");
    }
    assert!(t
        .store
        .entry_by_prefix(&Hash32::of(b"other").to_hex())
        .expect("lookup")
        .is_none());
}

#[test]
fn entry_by_prefix_refuses_ambiguous_short_and_non_hex_input() {
    let t = TestStore::new();
    let wires = append_updates(&t.store, &city_a(), 40);
    let ids: Vec<String> = wires
        .iter()
        .map(|w| Hash32::of(&w.entry).to_hex())
        .collect();
    // With 40 ids, some two share their first hex digit: that prefix is ambiguous.
    let shared = ids
        .iter()
        .map(|id| &id[..1])
        .find(|p| ids.iter().filter(|id| id.starts_with(p)).count() > 1)
        .expect("two of 40 ids share a first digit");
    assert!(t.store.entry_by_prefix(shared).expect("lookup").is_none());
    for bad in ["", "zzzzzzzzzz", "héllo wörld", "ééééééééé", "0123456é"] {
        let found = t
            .store
            .entry_by_prefix(bad)
            .unwrap_or_else(|e| panic!("prefix {bad:?}: {e}"));
        assert!(
            found.is_none(),
            "prefix {bad:?} found {:?}",
            found.map(|f| f.id())
        );
    }
    // Fewer than 8 characters is refused even when unique.
    let unique = ids
        .iter()
        .find(|id| ids.iter().filter(|o| o.starts_with(&id[..7])).count() == 1)
        .expect("some id is unique on 7 digits");
    assert!(t
        .store
        .entry_by_prefix(&unique[..7])
        .expect("lookup")
        .is_none());
    assert!(t
        .store
        .entry_by_prefix(&unique[..8])
        .expect("lookup")
        .is_some());
}

#[test]
fn append_local_by_a_city_not_on_the_roster_is_unknown_author() {
    let t = TestStore::new();
    let err = expect_err(
        t.store
            .append_local(&stranger_key(), &sample_practice(), T0),
        "append by a stranger",
    );
    match err {
        StoreError::Record(RecordError::UnknownAuthor { author }) => {
            assert_eq!(author, stranger_key().public())
        }
        other => panic!("expected UnknownAuthor, got {other:?}"),
    }
    assert_eq!(t.store.entry_count(), 0);
    assert!(t.store.frontier().is_empty());
}

#[test]
fn append_local_with_an_invalid_payload_is_a_schema_error_and_stores_nothing() {
    let t = TestStore::new();
    append_updates(&t.store, &city_a(), 1);
    let before = t.store.frontier();
    let bad = Payload::Practice(practice(&["en"], &[3, 11], "FR", "2024-01"));
    let err = expect_err(t.store.append_local(&city_a(), &bad, T0), "commitment 11");
    match &err {
        StoreError::Record(RecordError::Schema { field, rule }) => {
            assert_eq!(field, "practice.commitments");
            assert!(rule.contains("11"), "rule: {rule}");
        }
        other => panic!("expected a Schema error, got {other:?}"),
    }
    assert_eq!(t.store.frontier(), before);
    assert_eq!(t.store.entry_count(), 1);
    assert_eq!(
        t.store.log(&city_a().public(), 1, 10).expect("log").len(),
        1
    );
    assert_eq!(t.store.query(&Query::default()).expect("query").len(), 1);
    assert!(t
        .store
        .entry_at(&city_a().public(), 2)
        .expect("read")
        .is_none());
    // The next good append still takes seq 2.
    let next = t
        .store
        .append_local(&city_a(), &sample_practice(), T0)
        .expect("good append");
    assert_eq!(next.entry.header.seq, 2);
}

#[test]
fn retraction_of_an_own_entry_marks_it_and_hides_it_from_queries() {
    let t = TestStore::new();
    let target = t
        .store
        .append_local(&city_a(), &sample_practice(), T0)
        .expect("append a practice");
    let other = t
        .store
        .append_local(&city_a(), &update("Kept", "2024-05-01", &[3]), T0 + 1)
        .expect("append an update");
    let retraction_entry = t
        .store
        .append_local(
            &city_a(),
            &retraction(target.id(), "Published by mistake"),
            T0 + 2,
        )
        .expect("retract own entry");

    let stored = t
        .store
        .entry(&target.id())
        .expect("read")
        .expect("still held");
    assert_eq!(stored.status.retracted_by, Some(retraction_entry.id()));
    assert_eq!(stored.status.superseded_by, None);
    assert_eq!(
        t.store.status(&target.id()).expect("status").retracted_by,
        Some(retraction_entry.id())
    );
    assert_eq!(
        t.store.status(&other.id()).expect("status"),
        Default::default()
    );

    let commitment_3 = Query {
        commitment: Some(3),
        ..Query::default()
    };
    assert_eq!(
        t.store.query_ids(&commitment_3).expect("query"),
        [other.id()]
    );
    let all = Query {
        commitment: Some(3),
        include_inactive: true,
        ..Query::default()
    };
    assert_eq!(
        t.store.query_ids(&all).expect("query"),
        [other.id(), target.id()]
    );
    let everything = t.store.query_ids(&Query::default()).expect("query");
    assert_eq!(everything, [retraction_entry.id(), other.id()]);

    // The status survives a reopen, and so does the hiding.
    let t = t.reopen();
    assert_eq!(
        t.store.status(&target.id()).expect("status").retracted_by,
        Some(retraction_entry.id())
    );
    assert_eq!(
        t.store.query_ids(&commitment_3).expect("query"),
        [other.id()]
    );
    // A store that ingests the same log by sync hides it too.
    let b = TestStore::new();
    let wires: Vec<_> = t
        .store
        .log_wire(&city_a().public(), 1, 10, usize::MAX)
        .expect("read the log");
    stored_ids(&b.store.ingest(wires).expect("ingest"));
    assert_eq!(
        b.store.query_ids(&commitment_3).expect("query"),
        [other.id()]
    );
    assert_eq!(
        b.store.status(&target.id()).expect("status").retracted_by,
        Some(retraction_entry.id())
    );
}

#[test]
fn retraction_of_another_citys_entry_is_rejected() {
    let t = TestStore::new();
    let lyon = t
        .store
        .append_local(&city_a(), &sample_practice(), T0)
        .expect("Lyon's practice");
    let err = expect_err(
        t.store
            .append_local(&city_b(), &retraction(lyon.id(), "Not yours"), T0 + 1),
        "retraction of another city's entry",
    );
    match &err {
        StoreError::Record(RecordError::Schema { field, rule }) => {
            assert_eq!(field, "retraction.target");
            assert!(rule.contains("another city"), "rule: {rule}");
        }
        other => panic!("expected a Schema error, got {other:?}"),
    }
    assert_eq!(t.store.head(&city_b().public()), None);
    assert_eq!(
        t.store.status(&lyon.id()).expect("status"),
        Default::default()
    );

    // A target nobody published is refused too.
    let err = expect_err(
        t.store.append_local(
            &city_b(),
            &retraction(Hash32::of(b"nothing"), "Gone"),
            T0 + 1,
        ),
        "retraction of an unknown entry",
    );
    assert!(
        matches!(err, StoreError::Record(RecordError::Schema { .. })),
        "got {err:?}"
    );
    assert_eq!(t.store.entry_count(), 1);
}

#[test]
fn practice_revision_sets_superseded_by() {
    let t = TestStore::new();
    let original = t
        .store
        .append_local(&city_a(), &sample_practice(), T0)
        .expect("the original practice");
    let mut revised = practice(&["en", "fr"], &[3, 7], "FR", "2024-01");
    revised.results = text(&[("en", "Measured results")]);
    let revision = t
        .store
        .append_local(
            &city_a(),
            &Payload::PracticeRevision(PracticeRevision {
                supersedes: original.id(),
                practice: revised,
            }),
            T0 + 1,
        )
        .expect("the revision");
    let status = t.store.status(&original.id()).expect("status");
    assert_eq!(status.superseded_by, Some(revision.id()));
    assert_eq!(status.retracted_by, None);
    let practices = Query {
        kinds: Some(vec![
            PayloadKind::Practice.code(),
            PayloadKind::PracticeRevision.code(),
        ]),
        ..Query::default()
    };
    assert_eq!(
        t.store.query_ids(&practices).expect("query"),
        [revision.id()]
    );
    let with_inactive = Query {
        include_inactive: true,
        ..practices
    };
    assert_eq!(
        t.store.query_ids(&with_inactive).expect("query"),
        [revision.id(), original.id()]
    );

    // Another city cannot supersede Lyon's practice.
    let err = expect_err(
        t.store.append_local(
            &city_b(),
            &Payload::PracticeRevision(PracticeRevision {
                supersedes: original.id(),
                practice: practice(&["en"], &[1], "CA", "2024"),
            }),
            T0 + 2,
        ),
        "revision of another city's practice",
    );
    assert!(
        matches!(err, StoreError::Record(RecordError::Schema { ref field, .. }) if field == "revision.supersedes"),
        "got {err:?}"
    );
}

#[test]
fn practice_revision_must_supersede_a_practice() {
    let t = TestStore::new();
    let news = t
        .store
        .append_local(&city_a(), &update("News", "2024-05-01", &[1]), T0)
        .expect("an update");
    let err = expect_err(
        t.store.append_local(
            &city_a(),
            &Payload::PracticeRevision(PracticeRevision {
                supersedes: news.id(),
                practice: practice(&["en"], &[1], "FR", "2024"),
            }),
            T0 + 1,
        ),
        "revision naming an activity update",
    );
    assert!(
        matches!(err, StoreError::Record(RecordError::Schema { ref field, .. }) if field == "revision.supersedes"),
        "got {err:?}"
    );
    assert_eq!(
        t.store.status(&news.id()).expect("status"),
        Default::default()
    );
    assert_eq!(t.store.entry_count(), 1);
}
