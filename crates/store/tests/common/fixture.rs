//! The upgrade fixture: a small store with every kind of record (three cities, practices, an
//! update, a report, a revision, a retraction, an erasure, a fork proof, five roster changes), and
//! a text dump of everything the store's public API answers about it. The fixture in
//! `tests/fixtures/store-v1` was written by the schema-1 code (`cargo test --workspace --test store fixture:: -- --ignored`
//! at that commit) with its dump beside it; a migrated copy must dump the same text.

use super::*;
use coalition_record::payload::{Erasure, PracticeRevision};
use coalition_record::{
    ActivityReport, CommitmentReport, Payload, PayloadKind, ReportStatus, RosterAction, SignedEntry,
};
use coalition_store::{Query, Store};
use std::fmt::Write as _;
use std::path::Path;

/// The committed schema-1 store and its dump.
pub fn fixture_v1_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1")
}

pub fn fixture_v1_dump() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1.dump.txt")
}

/// Copies a store directory (flat: RocksDB keeps no subdirectories).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for file in std::fs::read_dir(from).expect("read the fixture") {
        let file = file.expect("fixture entry");
        std::fs::copy(file.path(), to.join(file.file_name())).expect("copy a fixture file");
    }
}

fn report(period: &str, commitment: u8) -> Payload {
    Payload::ActivityReport(ActivityReport {
        cycle: None,
        city: String::new(),
        country: String::new(),
        period: period.into(),
        narrative: text(&[("en", "Half a year of work.")]),
        commitments: vec![CommitmentReport {
            commitment,
            status: ReportStatus::InProgress,
            narrative: LangText::new(),
            indicators: Vec::new(),
        }],
        illustrative: true,
        grounds: Vec::new(),
    })
}

/// A practice whose city is filled from the roster at publishing.
fn placed(langs: &[&str], commitments: &[u8], country: &str, start: &str) -> Payload {
    let mut p = practice(langs, commitments, country, start);
    p.city = String::new();
    Payload::Practice(p)
}

/// Fills `dir` (which must not hold a store) with the fixture's content.
pub fn build_fixture(dir: &Path) {
    let charter = charter_named("Upgrade Fixture Coalition");
    let store = create_store(dir, &charter);
    store
        .apply_roster_change(&admit_c(&charter))
        .expect("admit Graz");
    let day = |n: i64| T0 + n * DAY_MS;
    let publish = |key: &SecretKey, p: Payload, t: i64| {
        store.publish_local(key, &[p], t).expect("publish")[0]
            .entry
            .id()
    };
    let (a, b, c) = (city_a(), city_b(), city_c());
    let p1 = publish(&a, placed(&["en"], &[3, 7], "FR", "2024-01"), day(0));
    publish(&a, placed(&["fr", "en"], &[1, 2], "FR", "2019-03"), day(1));
    let u1 = publish(&a, update("Open day", "2024-05-01", &[1]), day(2));
    publish(&a, report("2024-H1", 4), day(3));
    let mut revised = practice(&["en"], &[3, 7, 9], "FR", "2024-01");
    revised.city = String::new();
    revised.themes.push("education".into());
    publish(
        &a,
        Payload::PracticeRevision(PracticeRevision {
            supersedes: p1,
            practice: revised,
        }),
        day(4),
    );
    publish(&a, retraction(u1, "Published twice"), day(5));
    let b1 = publish(&b, placed(&["fr"], &[5], "CA", "2021-09"), day(1));
    let b2 = publish(&b, update("Forum", "2024-02-02", &[5, 6]), day(2));
    publish(
        &b,
        Payload::Erasure(Erasure {
            target: b2,
            reason: String::new(),
        }),
        day(3),
    );
    publish(&b, placed(&["en", "de"], &[8], "CA", "2020-06"), day(6));
    publish(&c, update("Kick-off", "2024-03-03", &[2]), day(2));
    // Montréal signs a second seq 2 (naming its real seq 1): a fork proof.
    let (fork, blob) = SignedEntry::create_with_salt(
        &b,
        store.network_id(),
        2,
        Some(b1),
        day(2),
        &update("Another forum", "2024-02-02", &[5]),
        [7; 16],
    );
    let outcome = store
        .ingest(vec![coalition_record::WireEntry::new(&fork, Some(blob))])
        .expect("ingest the fork");
    assert!(
        matches!(outcome[0], coalition_store::IngestOutcome::Fork { .. }),
        "{outcome:?}"
    );
    // Graz is suspended after its first entry, then readmitted.
    let history = store.roster_history().expect("history");
    let suspend = signed_change(
        charter.network_id(),
        4,
        history.last().map(|c| c.id()),
        RosterAction::Suspend {
            city: c.public(),
            last_seq: 1,
            reason: "Audit".into(),
        },
    );
    store.apply_roster_change(&suspend).expect("suspend");
    let readmit = signed_change(
        charter.network_id(),
        5,
        Some(suspend.id()),
        RosterAction::Readmit { city: c.public() },
    );
    store.apply_roster_change(&readmit).expect("readmit");
    publish(&c, update("Back", "2024-04-04", &[2, 3]), day(7));
}

fn queries(store: &Store) -> Vec<(&'static str, Query)> {
    let q = |f: &dyn Fn(&mut Query)| {
        let mut q = Query::default();
        f(&mut q);
        q
    };
    vec![
        ("all", Query::default()),
        ("all+inactive", q(&|q| q.include_inactive = true)),
        ("commitment 3", q(&|q| q.commitment = Some(3))),
        (
            "commitment 5 inactive",
            q(&|q| {
                q.commitment = Some(5);
                q.include_inactive = true;
            }),
        ),
        ("author a", q(&|q| q.author = Some(city_a().public()))),
        ("author b", q(&|q| q.author = Some(city_b().public()))),
        ("country CA", q(&|q| q.country = Some("CA".into()))),
        ("language fr", q(&|q| q.language = Some("fr".into()))),
        ("year 2024", q(&|q| q.year = Some(2024))),
        (
            "kind practice",
            q(&|q| q.kinds = Some(vec![PayloadKind::Practice.code()])),
        ),
        (
            "kinds report+update by a",
            q(&|q| {
                q.kinds = Some(vec![
                    PayloadKind::ActivityReport.code(),
                    PayloadKind::ActivityUpdate.code(),
                ]);
                q.author = Some(city_a().public());
                q.include_inactive = true;
            }),
        ),
        (
            "since day 2 until day 6",
            q(&|q| {
                q.since_ms = Some(T0 + 2 * DAY_MS);
                q.until_ms = Some(T0 + 6 * DAY_MS);
            }),
        ),
        (
            "offset 1 limit 3",
            q(&|q| {
                q.offset = 1;
                q.limit = 3;
            }),
        ),
        (
            "commitment 2 country FR",
            q(&|q| {
                q.commitment = Some(2);
                q.country = Some("FR".into());
            }),
        ),
    ]
    .into_iter()
    .map(|(name, query)| {
        let _ = store;
        (name, query)
    })
    .collect()
}

/// Everything the public API says about the store, as text: two stores that dump the same text
/// answer every read the same way.
pub fn dump(store: &Store) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "network {}", store.network_id());
    let _ = writeln!(w, "roster version {}", store.roster_version());
    for change in store.roster_history().expect("roster history") {
        let _ = writeln!(w, "roster change {} {}", change.change.seq, change.id());
    }
    let mut frontier: Vec<_> = store.frontier().into_iter().collect();
    frontier.sort();
    let _ = writeln!(w, "entries {}", store.entry_count());
    let mut ids = Vec::new();
    for (author, (seq, head)) in &frontier {
        let _ = writeln!(w, "frontier {} {seq} {head}", author.short());
        for stored in store.log(author, 1, usize::MAX).expect("log") {
            let id = stored.id();
            ids.push(id);
            let blob = stored
                .blob
                .as_ref()
                .map(|b| coalition_record::Hash32::of(&coalition_record::codec::encode(b)));
            let _ = writeln!(
                w,
                "entry {} {} {id} kind {} ts {} blob {blob:?} payload {} status {:?}",
                author.short(),
                stored.entry.header.seq,
                stored.entry.header.kind,
                stored.entry.header.timestamp_ms,
                stored.payload().is_some(),
                stored.status,
            );
            let by_id = store.entry(&id).expect("entry").expect("held by id");
            assert_eq!(by_id.to_wire(), stored.to_wire(), "entry by id = log entry");
            let prefix = &id.to_string()[..10];
            let by_prefix = store
                .entry_by_prefix(prefix)
                .expect("prefix")
                .map(|e| e.id());
            let _ = writeln!(
                w,
                "  prefix {prefix} {by_prefix:?} contains {} erased {} missing {} summary {:?}",
                store.contains(&id).expect("contains"),
                store.erasure_known(&id).expect("erasure"),
                store.payload_missing(&id).expect("missing"),
                store.summary(&id).expect("summary"),
            );
        }
        let wire = store
            .log_wire(author, 1, usize::MAX, usize::MAX)
            .expect("wire");
        let bytes: Vec<u8> = wire
            .iter()
            .flat_map(coalition_record::codec::encode)
            .collect();
        let _ = writeln!(
            w,
            "wire {} {}",
            author.short(),
            coalition_record::Hash32::of(&bytes)
        );
        let two = store.log_wire(author, 2, 2, 1).expect("wire");
        let _ = writeln!(w, "wire from 2 budget 1: {}", two.len());
    }
    let mut forks: Vec<String> = store
        .forks()
        .expect("forks")
        .iter()
        .map(|f| {
            format!(
                "fork {} {}",
                coalition_record::Hash32::of(&f.first),
                coalition_record::Hash32::of(&f.second)
            )
        })
        .collect();
    forks.sort();
    for f in forks {
        let _ = writeln!(w, "{f}");
    }
    let _ = writeln!(
        w,
        "missing payloads {:?}",
        store.missing_payloads().expect("missing")
    );
    for (name, query) in queries(store) {
        let found = store.query_ids(&query).expect("query");
        let entries = store.query(&query).expect("query");
        assert_eq!(
            entries.iter().map(|e| e.id()).collect::<Vec<_>>(),
            found,
            "query and query_ids agree"
        );
        let _ = writeln!(w, "query {name}: {found:?}");
    }
    out
}
