//! Whole-store checks and lifecycle: verify_all against bytes damaged on disk, roster changes,
//! checkpoints, and durability across a close.

use crate::common;

use coalition_record::{Hash32, RecordError, RosterAction};
use coalition_store::layout::{entry_key, frontier_value, ALL_CFS, CF_ENTRIES, CF_FRONTIER};
use coalition_store::{RosterOutcome, Store, StoreError};
use common::*;
use std::path::Path;

/// Opens the closed store at `path` as a raw RocksDB database with the store's column
/// families, runs `f`, syncs and closes it.
fn with_raw_db(path: &Path, f: impl FnOnce(&rocksdb::DB)) {
    let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), path, ALL_CFS)
        .expect("raw rocksdb open");
    f(&db);
    db.flush_wal(true).expect("sync the raw writes");
}

fn flip_last_byte(db: &rocksdb::DB, cf: &str, key: &[u8]) {
    flip_byte(db, cf, key, |value| value.len() - 1);
}

fn flip_byte(db: &rocksdb::DB, cf: &str, key: &[u8], at: impl Fn(&[u8]) -> usize) {
    let handle = db.cf_handle(cf).expect("column family");
    let mut value = db
        .get_cf(handle, key)
        .expect("raw read")
        .expect("the value to damage exists");
    let at = at(&value);
    value[at] ^= 0x01;
    db.put_cf(handle, key, value).expect("raw write");
}

/// The last byte of the entry (its signature) inside a log record (entry length ‖ entry ‖ payload).
fn last_entry_byte(record: &[u8]) -> usize {
    let len = u32::from_be_bytes(record[..4].try_into().expect("length")) as usize;
    4 + len - 1
}

/// A store with three entries of Lyon's and one of Montréal's, closed; returns its ids.
fn closed_store() -> (tempfile::TempDir, std::path::PathBuf, Vec<Hash32>) {
    let t = TestStore::new();
    let wires = append_updates(&t.store, &city_a(), 3);
    append_updates(&t.store, &city_b(), 1);
    let path = t.path();
    let TestStore { tmp, store } = t;
    drop(store);
    (
        tmp,
        path,
        wires.iter().map(|w| Hash32::of(&w.entry)).collect(),
    )
}

#[test]
fn verify_all_on_a_clean_store_finds_nothing() {
    let (_tmp, path, _) = closed_store();
    let store = Store::open(&path).expect("open");
    let mut calls = 0;
    let (problems, checked) = store.verify_all(|_| calls += 1).expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(checked, 4);
    assert_eq!(calls, 0, "progress is reported every 10,000 entries");
    // Read-only stores verify too.
    drop(store);
    let reader = Store::open_read_only(&path).expect("read-only");
    assert!(reader.verify_all(|_| {}).expect("verify").0.is_empty());
}

#[test]
fn verify_all_names_the_author_and_seq_of_a_damaged_entry() {
    let (_tmp, path, _) = closed_store();
    with_raw_db(&path, |db| {
        flip_byte(
            db,
            CF_ENTRIES,
            &entry_key(&city_a().public(), 2),
            last_entry_byte,
        )
    });
    let store = Store::open(&path).expect("open the damaged store");
    let (problems, checked) = store.verify_all(|_| {}).expect("verify");
    assert_eq!(checked, 4);
    let at_2: Vec<_> = problems
        .iter()
        .filter(|p| p.author == city_a().public() && p.seq == 2)
        .collect();
    assert!(
        at_2.iter()
            .any(|p| p.rule == "signature" && p.city == "Lyon"),
        "expected a signature problem at Lyon seq 2, got {problems:?}"
    );
    // Nothing is blamed on Montréal or on Lyon's seq 1; the link from seq 3 may be.
    for p in &problems {
        assert_eq!(p.author, city_a().public(), "{p:?}");
        assert!(p.seq == 2 || p.seq == 3, "{p:?}");
    }
}

#[test]
fn verify_all_names_a_damaged_payload() {
    let (_tmp, path, _) = closed_store();
    // The payload is the end of the log record.
    with_raw_db(&path, |db| {
        flip_last_byte(db, CF_ENTRIES, &entry_key(&city_a().public(), 2))
    });
    let store = Store::open(&path).expect("open the damaged store");
    let (problems, _) = store.verify_all(|_| {}).expect("verify");
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!((p.author, p.seq), (city_a().public(), 2));
    assert_eq!(p.rule, "payload_commitment");
    assert_eq!(p.city, "Lyon");
}

#[test]
fn verify_all_finds_a_missing_entry_and_a_wrong_frontier() {
    let (_tmp, path, _) = closed_store();
    with_raw_db(&path, |db| {
        let entries = db.cf_handle(CF_ENTRIES).expect("cf");
        db.delete_cf(entries, entry_key(&city_a().public(), 2))
            .expect("raw delete");
        let frontier = db.cf_handle(CF_FRONTIER).expect("cf");
        db.put_cf(
            frontier,
            city_b().public().0,
            frontier_value(5, &Hash32::of(b"x")),
        )
        .expect("raw write");
    });
    let store = Store::open(&path).expect("open the damaged store");
    let (problems, checked) = store.verify_all(|_| {}).expect("verify");
    assert_eq!(checked, 3);
    assert!(
        problems
            .iter()
            .any(|p| p.author == city_a().public() && p.seq == 3 && p.rule == "chain"),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.author == city_b().public() && p.rule == "frontier"),
        "{problems:?}"
    );
    assert_eq!(problems.len(), 2, "{problems:?}");
}

#[test]
fn apply_roster_change_outcomes() {
    let t = TestStore::new();
    let charter = charter();
    let history = roster_changes(&charter);
    assert_eq!(t.store.roster_version(), 2);

    // The next change applies and takes effect: city C may now publish.
    let third = admit_c(&charter);
    assert_eq!(
        t.store.apply_roster_change(&third).expect("apply v3"),
        RosterOutcome::Applied { version: 3 }
    );
    assert_eq!(t.store.roster_version(), 3);
    assert_eq!(t.store.roster().cities[&city_c().public()].name, "Graz");
    t.store
        .append_local(&city_c(), &sample_practice(), T0)
        .expect("Graz publishes");

    // Changes already applied are duplicates.
    for change in history.iter().chain([&third]) {
        assert_eq!(
            t.store.apply_roster_change(change).expect("reapply"),
            RosterOutcome::Duplicate
        );
    }

    // A validly signed change beyond the next one is ahead.
    let fifth = signed_change(
        charter.network_id(),
        5,
        Some(Hash32::of(b"v4")),
        admit(stranger_key().public(), "Far", "IT"),
    );
    assert_eq!(
        t.store.apply_roster_change(&fifth).expect("ahead"),
        RosterOutcome::Ahead { have: 3, got: 5 }
    );
    assert_eq!(t.store.roster_version(), 3);
    assert!(!t
        .store
        .roster()
        .cities
        .contains_key(&stranger_key().public()));

    // A different change at a held version is an error, and changes nothing.
    let rival = signed_change(
        charter.network_id(),
        1,
        None,
        admit(stranger_key().public(), "Rival", "IT"),
    );
    let err = expect_err(t.store.apply_roster_change(&rival), "a rival version 1");
    assert!(
        matches!(err, StoreError::Record(RecordError::RosterChange(_))),
        "got {err:?}"
    );
    assert_eq!(t.store.roster_history().expect("history")[0], history[0]);

    // The next version without enough signatures, or naming the wrong head, is an error.
    let mut unsigned = signed_change(
        charter.network_id(),
        4,
        Some(third.id()),
        admit(stranger_key().public(), "Far", "IT"),
    );
    unsigned.signatures.clear();
    let err = expect_err(t.store.apply_roster_change(&unsigned), "unsigned v4");
    assert!(
        matches!(
            err,
            StoreError::Record(RecordError::BelowThreshold {
                valid: 0,
                threshold: 1
            })
        ),
        "got {err:?}"
    );
    let mut unsigned_ahead = fifth.clone();
    unsigned_ahead.signatures.clear();
    let err = expect_err(
        t.store.apply_roster_change(&unsigned_ahead),
        "unsigned change ahead",
    );
    assert!(
        matches!(err, StoreError::Record(RecordError::BelowThreshold { .. })),
        "got {err:?}"
    );
    let wrong_prev = signed_change(
        charter.network_id(),
        4,
        Some(history[0].id()),
        admit(stranger_key().public(), "Far", "IT"),
    );
    let err = expect_err(t.store.apply_roster_change(&wrong_prev), "wrong prev");
    assert!(
        matches!(err, StoreError::Record(RecordError::RosterChange(_))),
        "got {err:?}"
    );
    assert_eq!(t.store.roster_version(), 3);

    // Suspending Montréal stops its new entries.
    let suspend = signed_change(
        charter.network_id(),
        4,
        Some(third.id()),
        RosterAction::Suspend {
            city: city_b().public(),
            last_seq: 0,
            reason: "Membership lapsed".into(),
        },
    );
    assert_eq!(
        t.store.apply_roster_change(&suspend).expect("suspend"),
        RosterOutcome::Applied { version: 4 }
    );
    let err = expect_err(
        t.store.append_local(&city_b(), &sample_practice(), T0),
        "append while suspended",
    );
    assert!(
        matches!(err, StoreError::Record(RecordError::AuthorSuspended { .. })),
        "got {err:?}"
    );

    // The roster survives a reopen.
    let t = t.reopen();
    assert_eq!(t.store.roster_version(), 4);
    let history = t.store.roster_history().expect("history");
    assert_eq!(history.len(), 4);
    assert_eq!(history[3], suspend);
    assert_eq!(
        t.store.roster_history_from(3).expect("from 3"),
        [third, suspend]
    );
}

#[test]
fn checkpoint_opens_as_a_store_with_the_same_state() {
    let t = TestStore::new();
    append_updates(&t.store, &city_a(), 3);
    append_updates(&t.store, &city_b(), 2);
    let target = t.tmp.path().join("backup");
    t.store.checkpoint(&target).expect("checkpoint");
    // The original goes on; the checkpoint does not move.
    append_updates(&t.store, &city_b(), 1);
    let frontier_at_checkpoint = {
        let mut f = t.store.frontier();
        f.insert(
            city_b().public(),
            t.store
                .entry_at(&city_b().public(), 2)
                .expect("read")
                .map(|e| (2, e.id()))
                .expect("seq 2"),
        );
        f
    };
    let backup = Store::open(&target).expect("open the checkpoint as a store");
    assert_eq!(backup.frontier(), frontier_at_checkpoint);
    assert_eq!(backup.entry_count(), 5);
    assert_eq!(backup.charter(), t.store.charter());
    assert_eq!(backup.roster(), t.store.roster());
    let (problems, checked) = backup.verify_all(|_| {}).expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(checked, 5);
    assert_eq!(
        backup
            .log_wire(&city_a().public(), 1, 100, usize::MAX)
            .expect("log"),
        t.store
            .log_wire(&city_a().public(), 1, 100, usize::MAX)
            .expect("log")
    );
    // A checkpoint onto an existing directory fails rather than mixing stores.
    let err = expect_err(
        t.store.checkpoint(&target),
        "checkpoint onto an existing one",
    );
    assert!(matches!(err, StoreError::Db(_)), "got {err:?}");
}

#[test]
fn fifty_appends_survive_a_close_and_reopen() {
    let t = TestStore::new();
    let wires = append_updates(&t.store, &city_a(), 50);
    let head = t.store.head(&city_a().public());
    let path = t.path();
    let TestStore { tmp: _tmp, store } = t;
    drop(store);
    let store = Store::open(&path).expect("reopen");
    assert_eq!(store.entry_count(), 50);
    assert_eq!(store.head(&city_a().public()), head);
    let log = store.log(&city_a().public(), 1, 1000).expect("log");
    assert_eq!(log.len(), 50);
    for (i, (held, wire)) in log.iter().zip(&wires).enumerate() {
        assert_eq!(held.entry.header.seq, i as u64 + 1);
        assert_eq!(held.to_wire(), *wire, "seq {}", i + 1);
        assert!(held.payload().is_some());
    }
    let (problems, checked) = store.verify_all(|_| {}).expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(checked, 50);
    // And the log continues where it stopped.
    let next = store
        .append_local(&city_a(), &sample_practice(), T0)
        .expect("append after reopen");
    assert_eq!(next.entry.header.seq, 51);
    assert_eq!(next.entry.header.prev, head.map(|(_, id)| id));
}
