//! Upgrading a schema-1 store (the committed fixture, written by the schema-1 code) to schema 2:
//! every read answers exactly as before, including after a migration stopped part-way and
//! resumed; a backup is taken first; a newer schema is refused.

use crate::common;

use coalition_store::layout::{ALL_CFS, CF_META, META_SCHEMA, SCHEMA_VERSION};
use coalition_store::{MigrateOptions, Store, StoreError};
use common::fixture::*;
use common::*;
use std::path::{Path, PathBuf};

/// A copy of the schema-1 fixture in a temporary directory: (tmp, store dir, backup dir).
fn fixture_copy() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    copy_dir(&fixture_v1_dir(), &dir);
    let backup = tmp.path().join("store-v1-backup");
    (tmp, dir, backup)
}

fn expected_dump() -> String {
    std::fs::read_to_string(fixture_v1_dump()).expect("the fixture's dump")
}

/// The migrated store answers every read as the schema-1 store did, verifies clean and has
/// none of the old column families.
fn assert_same_as_v1(dir: &Path) {
    let store = Store::open(dir).expect("open the migrated store");
    let dump = dump(&store);
    let expected = expected_dump();
    for (got, want) in dump.lines().zip(expected.lines()) {
        assert_eq!(got, want, "the migrated store answers differently");
    }
    assert_eq!(dump.lines().count(), expected.lines().count());
    let (problems, checked) = store.verify_all(|_| {}).expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(checked, 12);
    assert!(store.check_files().expect("files").is_empty());
    drop(store);
    let mut cfs = rocksdb::DB::list_cf(&rocksdb::Options::default(), dir).expect("list");
    cfs.retain(|n| n != "default");
    cfs.sort();
    let mut want: Vec<String> = ALL_CFS.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(cfs, want, "exactly the schema-2 column families");
}

#[test]
fn the_v1_fixture_is_refused_until_migrated() {
    let (_tmp, dir, _) = fixture_copy();
    for (mode, result) in [
        ("open", Store::open(&dir)),
        ("open_read_only", Store::open_read_only(&dir)),
    ] {
        let err = expect_err(result, mode);
        assert!(
            matches!(err, StoreError::NeedsMigration { found: 1, .. }),
            "{mode}: {err:?}"
        );
        assert!(err.to_string().contains("coalition migrate"), "{err}");
    }
}

#[test]
fn the_v1_fixture_migrates_with_every_read_identical() {
    let (_tmp, dir, backup) = fixture_copy();
    let mut lines = Vec::new();
    let report = Store::migrate(&dir, &backup, &MigrateOptions::default(), |done, total| {
        lines.push((done, total))
    })
    .expect("migrate");
    assert!(report.finished && !report.resumed);
    assert_eq!(
        (report.from_schema, report.entries, report.rewritten),
        (1, 12, 12)
    );
    assert_eq!(lines.last(), Some(&(12, 12)), "progress ends at the total");
    // The backup is the untouched schema-1 store.
    assert_eq!(report.backup.as_deref(), Some(backup.as_path()));
    let err = expect_err(Store::open_read_only(&backup), "open the backup");
    assert!(matches!(err, StoreError::NeedsMigration { .. }), "{err:?}");
    assert_same_as_v1(&dir);
    // The migrated store goes on: Lyon publishes its next seq, and a document it already
    // published is recognised (the document index was kept).
    let store = Store::open(&dir).expect("open");
    let next = store
        .publish_local(
            &city_a(),
            &[update("After the upgrade", "2024-06-01", &[4])],
            T0,
        )
        .expect("publish");
    assert_eq!(next[0].entry.entry.header.seq, 7);
    let again = store
        .publish_local(&city_a(), &[update("Open day", "2024-05-01", &[1])], T0)
        .expect("publish again");
    assert_eq!(
        again[0].entry.entry.header.seq, 8,
        "Open day was retracted: a new entry"
    );
    // Migrating again is a no-op.
    drop(store);
    let report = Store::migrate(&dir, &backup, &MigrateOptions::default(), |_, _| {})
        .expect("migrate again");
    assert_eq!((report.from_schema, report.rewritten), (SCHEMA_VERSION, 0));
}

#[test]
fn a_migration_stopped_after_any_chunk_resumes_to_the_same_store() {
    // 12 entries in chunks of 5: stopped after the first, second or third (last) chunk.
    for stop in 1..=3 {
        let (_tmp, dir, backup) = fixture_copy();
        let options = MigrateOptions {
            chunk: 5,
            stop_after_chunks: Some(stop),
        };
        let first = Store::migrate(&dir, &backup, &options, |_, _| {}).expect("first run");
        assert!(!first.finished);
        assert_eq!(first.rewritten, (5 * stop).min(12));
        let err = expect_err(Store::open(&dir), "open half-way");
        assert!(matches!(err, StoreError::NeedsMigration { .. }), "{err:?}");
        let mut last = (0, 0);
        let second = Store::migrate(&dir, &backup, &MigrateOptions::default(), |d, t| {
            last = (d, t)
        })
        .expect("resume");
        assert!(second.finished && second.resumed, "{second:?}");
        assert_eq!(
            first.rewritten + second.rewritten,
            12,
            "each entry rewritten once"
        );
        if second.rewritten > 0 {
            assert_eq!(last, (12, 12), "progress counts what the first run did");
        }
        assert_eq!(second.backup.as_deref(), Some(backup.as_path()));
        assert_same_as_v1(&dir);
    }
}

#[test]
fn a_migration_never_writes_over_an_existing_backup() {
    let (_tmp, dir, backup) = fixture_copy();
    std::fs::create_dir_all(&backup).expect("an unrelated directory");
    let err = expect_err(
        Store::migrate(&dir, &backup, &MigrateOptions::default(), |_, _| {}),
        "migrate onto an existing backup",
    );
    assert!(
        matches!(err, StoreError::MigrateBackupExists { .. }),
        "{err:?}"
    );
    // Nothing was changed: still schema 1, still refused.
    let err = expect_err(Store::open(&dir), "open");
    assert!(matches!(err, StoreError::NeedsMigration { .. }), "{err:?}");
}

#[test]
fn a_store_of_a_newer_schema_is_refused_by_migrate() {
    let (_tmp, dir, backup) = fixture_copy();
    {
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), &dir).expect("list");
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &dir, names).expect("raw");
        let meta = db.cf_handle(CF_META).expect("meta");
        db.put_cf(meta, META_SCHEMA, 3u32.to_be_bytes())
            .expect("raw write");
    }
    let err = expect_err(
        Store::migrate(&dir, &backup, &MigrateOptions::default(), |_, _| {}),
        "migrate a newer store",
    );
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 3, .. }),
        "{err:?}"
    );
    assert!(!backup.exists(), "no backup taken of a store it refuses");
}

#[test]
fn old_column_families_left_by_a_stop_after_the_schema_bump_go_at_the_next_open() {
    let (_tmp, dir, backup) = fixture_copy();
    Store::migrate(&dir, &backup, &MigrateOptions::default(), |_, _| {}).expect("migrate");
    // As if the migration had stopped between recording schema 2 and dropping the old parts.
    {
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), &dir).expect("list");
        let mut db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &dir, names).expect("raw");
        db.create_cf("payloads", &rocksdb::Options::default())
            .expect("an old column family");
    }
    drop(Store::open(&dir).expect("open"));
    assert_same_as_v1(&dir);
}
