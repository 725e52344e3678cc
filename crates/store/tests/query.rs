//! Structured queries over the secondary indexes: each filter alone and combined, paging, and
//! newest-first order by the entries' timestamps (not by arrival).

use crate::common;

use coalition_record::payload::{ActivityReport, CommitmentReport, ReportStatus};
use coalition_record::{Hash32, Payload, PayloadKind};
use coalition_store::{Query, Store};
use common::*;

struct Corpus {
    t: TestStore,
    /// Lyon, practice, en, commitments 3 7, FR, 2023, day 0.
    p1: Hash32,
    /// Montréal, practice, fr-CA, commitment 7, CA, 2024, day 1.
    p2: Hash32,
    /// Lyon, update, en, commitments 1 7, 2024, day 2.
    u1: Hash32,
    /// Montréal, practice, en and fr, commitment 1, CA, 2024, day 3.
    p3: Hash32,
    /// Montréal, report, de, commitment 10, CA, 2025, day 4.
    r1: Hash32,
    /// Lyon, update, en, commitment 2, 2023, day -1, appended last.
    u0: Hash32,
}

fn corpus() -> Corpus {
    let t = TestStore::new();
    let add = |key: &coalition_record::SecretKey, payload: Payload, day: i64| {
        t.store
            .append_local(key, &payload, T0 + day * DAY_MS)
            .expect("append")
            .id()
    };
    let p1 = add(
        &city_a(),
        Payload::Practice(practice(&["en"], &[3, 7], "FR", "2023-03")),
        0,
    );
    let p2 = add(
        &city_b(),
        Payload::Practice(practice(&["fr-CA"], &[7], "CA", "2024-02")),
        1,
    );
    let u1 = add(&city_a(), update("Open day", "2024-05-01", &[1, 7]), 2);
    let p3 = add(
        &city_b(),
        Payload::Practice(practice(&["en", "fr"], &[1], "CA", "2024")),
        3,
    );
    let r1 = add(
        &city_b(),
        Payload::ActivityReport(ActivityReport {
            cycle: None,
            city: "Montréal".into(),
            country: "CA".into(),
            period: "2025-H1".into(),
            narrative: text(&[("de", "Ein Halbjahr.")]),
            commitments: vec![CommitmentReport {
                commitment: 10,
                status: ReportStatus::Done,
                narrative: text(&[("de", "Erledigt.")]),
                indicators: Vec::new(),
            }],
            illustrative: true,
            grounds: Vec::new(),
        }),
        4,
    );
    let u0 = add(&city_a(), update("Earlier news", "2023-12-01", &[2]), -1);
    Corpus {
        t,
        p1,
        p2,
        u1,
        p3,
        r1,
        u0,
    }
}

fn ids(store: &Store, q: Query) -> Vec<Hash32> {
    let ids = store.query_ids(&q).expect("query_ids");
    let entries: Vec<Hash32> = store
        .query(&q)
        .expect("query")
        .iter()
        .map(|e| e.id())
        .collect();
    assert_eq!(ids, entries, "query and query_ids agree for {q:?}");
    ids
}

#[test]
fn no_filter_returns_everything_newest_first() {
    let c = corpus();
    assert_eq!(
        ids(&c.t.store, Query::default()),
        [c.r1, c.p3, c.u1, c.p2, c.p1, c.u0]
    );
    let entries = c.t.store.query(&Query::default()).expect("query");
    assert!(entries.iter().all(|e| e.payload().is_some()));
    let stamps: Vec<i64> = entries
        .iter()
        .map(|e| e.entry.header.timestamp_ms)
        .collect();
    assert!(stamps.windows(2).all(|w| w[0] >= w[1]), "{stamps:?}");
}

#[test]
fn filter_by_commitment() {
    let c = corpus();
    let q = |n| Query {
        commitment: Some(n),
        ..Query::default()
    };
    assert_eq!(ids(&c.t.store, q(7)), [c.u1, c.p2, c.p1]);
    assert_eq!(ids(&c.t.store, q(1)), [c.p3, c.u1]);
    assert_eq!(ids(&c.t.store, q(10)), [c.r1]);
    assert_eq!(ids(&c.t.store, q(2)), [c.u0]);
    assert!(ids(&c.t.store, q(5)).is_empty());
}

#[test]
fn filter_by_kind() {
    let c = corpus();
    let q = |kinds: &[PayloadKind]| Query {
        kinds: Some(kinds.iter().map(|k| k.code()).collect()),
        ..Query::default()
    };
    assert_eq!(
        ids(&c.t.store, q(&[PayloadKind::Practice])),
        [c.p3, c.p2, c.p1]
    );
    assert_eq!(
        ids(&c.t.store, q(&[PayloadKind::ActivityUpdate])),
        [c.u1, c.u0]
    );
    assert_eq!(ids(&c.t.store, q(&[PayloadKind::ActivityReport])), [c.r1]);
    assert_eq!(
        ids(
            &c.t.store,
            q(&[PayloadKind::ActivityReport, PayloadKind::ActivityUpdate])
        ),
        [c.r1, c.u1, c.u0]
    );
    assert!(ids(&c.t.store, q(&[PayloadKind::Retraction])).is_empty());
    assert!(ids(&c.t.store, q(&[])).is_empty());
}

#[test]
fn filter_by_author() {
    let c = corpus();
    let q = |key: coalition_record::SecretKey| Query {
        author: Some(key.public()),
        ..Query::default()
    };
    assert_eq!(ids(&c.t.store, q(city_a())), [c.u1, c.p1, c.u0]);
    assert_eq!(ids(&c.t.store, q(city_b())), [c.r1, c.p3, c.p2]);
    assert!(ids(&c.t.store, q(stranger_key())).is_empty());
}

#[test]
fn filter_by_country() {
    let c = corpus();
    let q = |country: &str| Query {
        country: Some(country.into()),
        ..Query::default()
    };
    assert_eq!(ids(&c.t.store, q("CA")), [c.r1, c.p3, c.p2]);
    assert_eq!(ids(&c.t.store, q("FR")), [c.p1]);
    assert!(ids(&c.t.store, q("DE")).is_empty());
}

#[test]
fn filter_by_language_matches_the_primary_subtag() {
    let c = corpus();
    let q = |lang: &str| Query {
        language: Some(lang.into()),
        ..Query::default()
    };
    assert_eq!(ids(&c.t.store, q("fr")), [c.p3, c.p2], "fr finds fr-CA too");
    assert_eq!(ids(&c.t.store, q("fr-CA")), [c.p3, c.p2]);
    assert_eq!(ids(&c.t.store, q("en")), [c.p3, c.u1, c.p1, c.u0]);
    assert_eq!(ids(&c.t.store, q("de")), [c.r1]);
    assert!(
        ids(&c.t.store, q("f")).is_empty(),
        "f is no prefix match of fr"
    );
    assert!(ids(&c.t.store, q("es")).is_empty());
}

#[test]
fn filter_by_year() {
    let c = corpus();
    let q = |year| Query {
        year: Some(year),
        ..Query::default()
    };
    assert_eq!(ids(&c.t.store, q(2024)), [c.p3, c.u1, c.p2]);
    assert_eq!(ids(&c.t.store, q(2023)), [c.p1, c.u0]);
    assert_eq!(ids(&c.t.store, q(2025)), [c.r1]);
    assert!(ids(&c.t.store, q(1999)).is_empty());
}

#[test]
fn filter_by_time_since_inclusive_until_exclusive() {
    let c = corpus();
    let q = |since: Option<i64>, until: Option<i64>| Query {
        since_ms: since.map(|d| T0 + d * DAY_MS),
        until_ms: until.map(|d| T0 + d * DAY_MS),
        ..Query::default()
    };
    assert_eq!(ids(&c.t.store, q(Some(1), None)), [c.r1, c.p3, c.u1, c.p2]);
    assert_eq!(ids(&c.t.store, q(None, Some(1))), [c.p1, c.u0]);
    assert_eq!(ids(&c.t.store, q(Some(1), Some(3))), [c.u1, c.p2]);
    assert!(ids(&c.t.store, q(Some(5), None)).is_empty());
    assert!(ids(&c.t.store, q(Some(2), Some(2))).is_empty());
}

#[test]
fn offset_and_limit_page_through_newest_first() {
    let c = corpus();
    let q = |offset, limit| Query {
        offset,
        limit,
        ..Query::default()
    };
    assert_eq!(ids(&c.t.store, q(0, 2)), [c.r1, c.p3]);
    assert_eq!(ids(&c.t.store, q(2, 2)), [c.u1, c.p2]);
    assert_eq!(ids(&c.t.store, q(4, 2)), [c.p1, c.u0]);
    assert_eq!(ids(&c.t.store, q(5, 0)), [c.u0], "limit 0 means no limit");
    assert!(ids(&c.t.store, q(6, 2)).is_empty());
    assert!(ids(&c.t.store, q(100, 0)).is_empty());
    let filtered = Query {
        commitment: Some(7),
        offset: 1,
        limit: 1,
        ..Query::default()
    };
    assert_eq!(ids(&c.t.store, filtered), [c.p2]);
}

#[test]
fn filters_combine() {
    let c = corpus();
    let store = &c.t.store;
    assert_eq!(
        ids(
            store,
            Query {
                commitment: Some(7),
                author: Some(city_b().public()),
                ..Query::default()
            }
        ),
        [c.p2]
    );
    assert_eq!(
        ids(
            store,
            Query {
                language: Some("en".into()),
                country: Some("CA".into()),
                ..Query::default()
            }
        ),
        [c.p3]
    );
    assert_eq!(
        ids(
            store,
            Query {
                year: Some(2024),
                kinds: Some(vec![PayloadKind::Practice.code()]),
                since_ms: Some(T0 + 2 * DAY_MS),
                ..Query::default()
            }
        ),
        [c.p3]
    );
    assert!(ids(
        store,
        Query {
            commitment: Some(10),
            author: Some(city_a().public()),
            ..Query::default()
        }
    )
    .is_empty());
}

#[test]
fn summaries_hold_the_indexed_facts() {
    let c = corpus();
    let s = c.t.store.summary(&c.p2).expect("read").expect("summary");
    assert_eq!(s.author, city_b().public());
    assert_eq!(s.seq, 1);
    assert_eq!(s.kind, PayloadKind::Practice.code());
    assert_eq!(s.commitments, [7]);
    assert_eq!(s.country.as_deref(), Some("CA"));
    assert_eq!(s.languages, ["fr-CA"]);
    assert_eq!(s.year, Some(2024));
    assert!(c
        .t
        .store
        .summary(&Hash32::of(b"none"))
        .expect("read")
        .is_none());
}

#[test]
fn queries_survive_a_reopen() {
    let c = corpus();
    let before = ids(&c.t.store, Query::default());
    let t = c.t.reopen();
    assert_eq!(ids(&t.store, Query::default()), before);
    assert_eq!(
        ids(
            &t.store,
            Query {
                language: Some("fr".into()),
                ..Query::default()
            }
        ),
        [c.p3, c.p2]
    );
}

#[test]
fn a_long_log_scan_reads_past_the_block_cache_and_a_short_page_fills_it() {
    let TestStore { tmp, store } = TestStore::new();
    append_updates(&store, &city_a(), 400);
    store.flush().expect("flush");
    drop(store);
    // Reopened: the cache starts empty and every read comes from the files.
    let store = Store::open(&tmp.path().join("store")).expect("reopen");
    let before = store.block_cache_bytes().expect("usage");
    let all = store.log(&city_a().public(), 1, usize::MAX).expect("log");
    assert_eq!(all.len(), 400);
    let after_scan = store.block_cache_bytes().expect("usage");
    assert_eq!(
        after_scan, before,
        "a 400-entry scan filled the block cache"
    );
    let page = store.log(&city_a().public(), 391, 10).expect("page");
    assert_eq!(page.len(), 10);
    assert!(
        store.block_cache_bytes().expect("usage") > after_scan,
        "a 10-entry page did not fill the block cache"
    );
}
