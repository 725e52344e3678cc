//! Catching the index up with the store: exactly what it lacks after offline writes, resuming
//! after a stop halfway, roster changes, and the cost at 500 cities.

use super::{ids, indexed, multilingual, query, view};
use crate::common::{self, text, Fixture};
use coalition_record::testing::{committee_signed, event_update, next_change};
use coalition_record::Payload;
use coalition_search::{SearchIndex, SearchQuery};
use std::time::Instant;

#[test]
fn catch_up_applies_exactly_what_the_index_lacks_and_agrees_with_a_rebuild() {
    let (mut f, [fr, de, _housing, schools, _]) = multilingual();
    let dir = f.dir.path().join("search");
    let never = || false;
    {
        // A new index records no position: the first catch-up fills it from scratch.
        let index = SearchIndex::open_or_create(&dir).expect("create");
        assert_eq!(index.applied(), None);
        let done = index.catch_up(&f.store, &never).expect("catch up");
        assert!(done.rebuilt.is_some(), "{done:?}");
        assert_eq!(done.entries, 5);
        assert_eq!(index.doc_count(), 5);
        assert_eq!(index.applied().expect("a position").entries(), 5);
    }
    // Written while no index was open (a node killed, an offline publish): a revision, two
    // retractions, an erasure and new documents.
    let mut revised = f.practice(
        0,
        &[("en", "Access to housing: review")],
        &[("en", "Review of housing refusals.")],
        &[7],
        2024,
    );
    revised.body = text(&[("en", "Longer body about tenants.")]);
    f.revise(0, fr, revised);
    f.retract(1, de);
    f.update(2, "Housing fair", "Landlords met tenants.", &[7]);
    f.report(3, "A year of meeting places for newcomers.");
    f.publish(
        2,
        Payload::Erasure(coalition_record::payload::Erasure {
            target: schools,
            reason: String::new(),
        }),
    );
    let index = SearchIndex::open_or_create(&dir).expect("reopen");
    let before = index.applied().expect("the position survives a reopen");
    assert_eq!(before.entries(), 5);
    let done = index.catch_up(&f.store, &never).expect("catch up");
    assert_eq!((done.entries, done.rebuilt.clone()), (5, None), "{done:?}");
    assert_eq!(index.applied().expect("position").entries(), 10);
    assert_eq!(
        index.catch_up(&f.store, &never).expect("again").entries,
        0,
        "nothing left to apply"
    );
    let rebuilt = indexed(&f);
    assert_eq!(index.doc_count(), rebuilt.doc_count());
    for q in [
        SearchQuery::default(),
        query("housing"),
        query("logement"),
        query("newcomers"),
        query("tenants"),
        SearchQuery {
            commitments: vec![7],
            ..SearchQuery::default()
        },
    ] {
        let a = index.search(&q).expect("search");
        let b = rebuilt.search(&q).expect("search");
        assert_eq!(view(&a), view(&b), "{q:?}");
    }

    // A roster change: the city it names is applied again (not the others), and the position
    // records the new roster version.
    let suspend = committee_signed(coalition_record::RosterChange {
        timestamp_ms: common::T0,
        ..next_change(
            &f.store.roster(),
            coalition_record::RosterAction::Suspend {
                city: f.cities[3].key.public(),
                last_seq: 10,
                reason: "test".into(),
            },
        )
    });
    f.store.apply_roster_change(&suspend).expect("suspend");
    let done = index.catch_up(&f.store, &never).expect("roster catch-up");
    assert_eq!((done.roster_cities, done.entries), (1, 2), "{done:?}");
    assert_eq!(
        index.applied().expect("position").roster_version,
        f.store.roster_version()
    );
    assert_eq!(index.catch_up(&f.store, &never).expect("again").entries, 0);
}

#[test]
fn a_catch_up_stopped_halfway_resumes_from_its_last_committed_chunk() {
    let mut f = Fixture::new(&[("Lyon", "FR"), ("Leipzig", "DE")]);
    let updates = |n: usize| -> Vec<Payload> {
        (0..n)
            .map(|i| {
                Payload::ActivityUpdate(event_update(
                    "2025-03-21",
                    text(&[("en", &format!("Meeting number {i}"))]),
                    text(&[("en", "Neighbours met.")]),
                    &[1],
                ))
            })
            .collect()
    };
    f.ingest_bulk(0, &updates(1100));
    f.ingest_bulk(1, &updates(1100));
    let dir = f.dir.path().join("search");
    {
        let index = SearchIndex::open_or_create(&dir).expect("create");
        // Stopped (as a node is, or killed) after its first chunk: that chunk is durable.
        let done = index.catch_up(&f.store, &|| true).expect("catch up");
        assert!(done.interrupted, "{done:?}");
        let applied = index.applied().expect("position");
        assert!(
            applied.entries() >= 2048 && applied.entries() < 2200,
            "{applied:?}"
        );
    }
    let index = SearchIndex::open_or_create(&dir).expect("reopen");
    let resumed = index.applied().expect("position").entries();
    let done = index.catch_up(&f.store, &|| false).expect("resume");
    assert_eq!((done.entries, done.rebuilt), (2200 - resumed, None));
    assert_eq!(index.doc_count(), 2200);
    assert_eq!(index.applied().expect("position").entries(), 2200);
    // The same documents as a rebuild (both cities' "1099", ties in either order).
    let sorted_ids = |index: &SearchIndex| {
        let mut found = ids(&index.search(&query("meeting 1099")).expect("search"));
        found.sort();
        found
    };
    let resumed_ids = sorted_ids(&index);
    assert_eq!(resumed_ids.len(), 2);
    assert_eq!(resumed_ids, sorted_ids(&indexed(&f)));
}

#[test]
fn at_500_cities_an_idle_catch_up_reads_no_log_and_one_new_entry_costs_one_scan() {
    let names: Vec<(String, String)> = (0..500)
        .map(|i| (format!("City {i}"), "FR".into()))
        .collect();
    let refs: Vec<(&str, &str)> = names
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_str()))
        .collect();
    let mut f = Fixture::new(&refs);
    for i in 0..500 {
        f.update(i, &format!("Opening day {i}"), "Neighbours met.", &[1]);
    }
    let index = SearchIndex::in_memory().expect("index");
    assert_eq!(
        index.catch_up(&f.store, &|| false).expect("first").entries,
        500
    );
    let started = Instant::now();
    let idle = index.catch_up(&f.store, &|| false).expect("idle");
    let idle_time = started.elapsed();
    assert_eq!(idle.entries, 0);
    f.update(250, "Second meeting", "Again.", &[1]);
    let started = Instant::now();
    let one = index.catch_up(&f.store, &|| false).expect("one");
    let one_time = started.elapsed();
    assert_eq!((one.entries, one.rebuilt), (1, None));
    assert_eq!(index.doc_count(), 501);
    println!("500 cities: idle catch-up {idle_time:?}, one new entry {one_time:?}");
    // Generous for a debug build on a busy machine: the idle check is a frontier comparison.
    assert!(idle_time.as_millis() < 500, "{idle_time:?}");
}
