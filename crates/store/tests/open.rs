//! Creating and opening stores: reopen, refusing to overwrite, the writer lock (in this process
//! and from another process), read-only opens beside a writer, and the schema version guard.

use crate::common;

use coalition_store::layout::{ALL_CFS, CF_META, META_SCHEMA};
use coalition_store::{Store, StoreError};
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Set in a child process of this test binary: the directory of the store it should hold open.
const HOLD_ENV: &str = "COALITION_STORE_TEST_HOLD_DIR";
const HOLDING: &str = "HOLDING-STORE";

#[test]
fn create_then_reopen_keeps_charter_roster_and_entries() {
    let t = TestStore::new();
    let charter = charter();
    let appended = append_updates(&t.store, &city_a(), 3);
    let head = t
        .store
        .head(&city_a().public())
        .expect("a head after appends");
    let t = t.reopen();
    assert_eq!(t.store.charter(), &charter);
    assert_eq!(t.store.network_id(), charter.network_id());
    assert_eq!(t.store.roster_version(), 2);
    assert_eq!(
        t.store.roster_history().expect("history"),
        roster_changes(&charter)
    );
    let roster = t.store.roster();
    assert_eq!(roster.cities.len(), 2);
    assert_eq!(roster.cities[&city_b().public()].name, "Montréal");
    assert_eq!(t.store.head(&city_a().public()), Some(head));
    assert_eq!(t.store.entry_count(), 3);
    let log = t.store.log(&city_a().public(), 1, 10).expect("log");
    let wires: Vec<_> = log.iter().map(|e| e.to_wire()).collect();
    assert_eq!(wires, appended);
    assert!(!t.store.is_read_only());
}

#[test]
fn create_on_an_existing_store_is_already_exists_and_leaves_it_intact() {
    let t = TestStore::new();
    append_updates(&t.store, &city_a(), 1);
    let path = t.path();
    drop(t.store);
    // Even with another charter, the existing store must not be touched.
    let other = charter_named("Another Coalition");
    let err = expect_err(Store::create(&path, &other), "second create");
    assert!(
        matches!(&err, StoreError::AlreadyExists { dir } if dir == &path),
        "got {err:?}"
    );
    let store = Store::open(&path).expect("the original store still opens");
    assert_eq!(store.charter(), &charter());
    assert_eq!(store.entry_count(), 1);
}

#[test]
fn create_while_open_is_already_exists() {
    let t = TestStore::new();
    let err = expect_err(
        Store::create(&t.path(), &charter()),
        "create beside an open store",
    );
    assert!(
        matches!(err, StoreError::AlreadyExists { .. }),
        "got {err:?}"
    );
}

#[test]
fn open_of_an_empty_directory_is_missing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for result in [Store::open(tmp.path()), Store::open_read_only(tmp.path())] {
        let err = expect_err(result, "open of an empty directory");
        assert!(matches!(err, StoreError::Missing { .. }), "got {err:?}");
    }
    let err = expect_err(
        Store::open(&tmp.path().join("nope")),
        "open of no directory",
    );
    assert!(matches!(err, StoreError::Missing { .. }), "got {err:?}");
}

#[test]
fn second_writer_in_the_same_process_is_locked() {
    let t = TestStore::new();
    let err = expect_err(Store::open(&t.path()), "second writer in one process");
    assert!(
        matches!(&err, StoreError::Locked { dir } if dir == &t.path()),
        "got {err:?}"
    );
    // The first writer is unaffected.
    append_updates(&t.store, &city_a(), 1);
    assert_eq!(t.store.entry_count(), 1);
    // Once it is closed, the directory opens again.
    let path = t.path();
    drop(t.store);
    let store = Store::open(&path).expect("open after the writer closed");
    assert_eq!(store.entry_count(), 1);
}

/// Not a test of its own: run in a child process (see `hold_in_child`), it opens the store named
/// by `HOLD_ENV` for writing, says so on stdout, and holds it until its stdin closes.
#[test]
fn child_process_holds_store_open() {
    let Some(dir) = std::env::var_os(HOLD_ENV) else {
        return;
    };
    let store = Store::open(Path::new(&dir)).expect("child: open the store for writing");
    println!("{HOLDING} {}", store.entry_count());
    std::io::stdout().flush().expect("child: flush stdout");
    let mut sink = String::new();
    let _ = std::io::stdin().read_line(&mut sink);
    drop(store);
}

struct Child {
    child: std::process::Child,
}

impl Child {
    /// Closes the child's stdin, so it closes the store and exits; waits for it.
    fn release(mut self) {
        drop(self.child.stdin.take());
        let status = self.child.wait().expect("wait for the child");
        assert!(status.success(), "the child process failed: {status}");
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        // Only reached with the child still running when a test fails half-way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hold_in_child(dir: &Path) -> Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([
            "open::child_process_holds_store_open",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(HOLD_ENV, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn the test binary as a child");
    let stdout = child.stdout.take().expect("child stdout");
    let child = Child { child };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            let holding = line.contains(HOLDING);
            seen.push(line);
            if holding {
                let _ = tx.send(Ok(seen));
                // Keep reading to the end: a closed pipe would make the child's last prints fail.
                lines.for_each(drop);
                return;
            }
        }
        let _ = tx.send(Err(seen));
    });
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(Ok(_)) => child,
        Ok(Err(seen)) => panic!("the child exited without opening the store; it printed {seen:?}"),
        Err(_) => panic!("waited 60 s for the child to print {HOLDING:?}"),
    }
}

#[test]
fn open_while_another_process_writes_is_locked_and_read_only_works() {
    let t = TestStore::new();
    let before = append_updates(&t.store, &city_a(), 2);
    let path = t.path();
    drop(t.store);

    let child = hold_in_child(&path);
    let err = expect_err(Store::open(&path), "open beside another process");
    assert!(
        matches!(&err, StoreError::Locked { dir } if dir == &path),
        "got {err:?}"
    );
    assert!(err.to_string().contains("locked"), "message: {err}");

    let reader = Store::open_read_only(&path).expect("read-only open beside another process");
    assert!(reader.is_read_only());
    assert_eq!(reader.entry_count(), 2);
    let log: Vec<_> = reader
        .log(&city_a().public(), 1, 10)
        .expect("log")
        .iter()
        .map(|e| e.to_wire())
        .collect();
    assert_eq!(log, before);
    drop(reader);

    child.release();
    let store = Store::open(&path).expect("open once the other process has exited");
    assert_eq!(store.entry_count(), 2);
}

#[test]
fn read_only_beside_a_writer_sees_entries_committed_before_it_opened() {
    let t = TestStore::new();
    let committed = append_updates(&t.store, &city_a(), 3);
    let reader = Store::open_read_only(&t.path()).expect("read-only open beside the writer");
    assert!(reader.is_read_only());
    assert_eq!(reader.charter(), t.store.charter());
    assert_eq!(reader.roster_version(), 2);
    assert_eq!(reader.entry_count(), 3);
    assert_eq!(reader.frontier(), t.store.frontier());
    for wire in &committed {
        let id = coalition_record::Hash32::of(&wire.entry);
        let got = reader
            .entry(&id)
            .expect("read")
            .expect("entry visible to the reader");
        assert_eq!(got.to_wire(), *wire);
    }
    // The writer goes on; the reader keeps the state it opened with.
    append_updates(&t.store, &city_b(), 1);
    assert_eq!(t.store.entry_count(), 4);
    assert_eq!(reader.entry_count(), 3);

    // Writes through a read-only store are refused.
    let err = expect_err(
        reader.append_local(&city_a(), &sample_practice(), T0),
        "append through a read-only store",
    );
    assert!(matches!(err, StoreError::ReadOnly), "got {err:?}");
    let err = expect_err(
        reader.ingest(committed.clone()),
        "ingest through a read-only store",
    );
    assert!(matches!(err, StoreError::ReadOnly), "got {err:?}");
    let err = expect_err(
        reader.apply_roster_change(&admit_c(&charter())),
        "roster change through a read-only store",
    );
    assert!(matches!(err, StoreError::ReadOnly), "got {err:?}");
}

#[test]
fn schema_version_99_is_schema_too_new() {
    let t = TestStore::new();
    append_updates(&t.store, &city_a(), 1);
    let path = t.path();
    drop(t.store);
    {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, ALL_CFS)
            .expect("raw rocksdb open");
        let meta = db.cf_handle(CF_META).expect("meta column family");
        let stored = db
            .get_cf(meta, META_SCHEMA)
            .expect("read")
            .expect("a schema version");
        assert_eq!(
            stored,
            coalition_store::layout::SCHEMA_VERSION.to_be_bytes(),
            "the schema version is stored big-endian"
        );
        db.put_cf(meta, META_SCHEMA, 99u32.to_be_bytes())
            .expect("raw write");
        db.flush_wal(true).expect("sync");
    }
    for (mode, result) in [
        ("open", Store::open(&path)),
        ("open_read_only", Store::open_read_only(&path)),
    ] {
        let err = expect_err(result, mode);
        match &err {
            StoreError::SchemaTooNew {
                dir,
                found,
                supported,
            } => {
                assert_eq!(dir, &path);
                assert_eq!(*found, 99);
                assert_eq!(*supported, coalition_store::layout::SCHEMA_VERSION);
            }
            other => panic!("{mode}: expected SchemaTooNew, got {other:?}"),
        }
        assert!(err.to_string().contains("99"), "message: {err}");
    }
}

#[test]
fn missing_schema_version_is_corrupt() {
    let t = TestStore::new();
    let path = t.path();
    drop(t.store);
    {
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, ALL_CFS)
            .expect("raw rocksdb open");
        let meta = db.cf_handle(CF_META).expect("meta column family");
        db.delete_cf(meta, META_SCHEMA).expect("raw delete");
    }
    let err = expect_err(Store::open(&path), "open without a schema version");
    assert!(matches!(err, StoreError::Corrupt(_)), "got {err:?}");
}

#[test]
fn a_damaged_table_file_is_not_reported_as_locked() {
    let t = TestStore::new();
    append_updates(&t.store, &city_a(), 30);
    // Reopening flushes the recovered log into table (.sst) files.
    let t = t.reopen();
    let path = t.path();
    drop(t.store);
    let largest = std::fs::read_dir(&path)
        .expect("list the store")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sst"))
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .expect("a table file");
    let original = std::fs::read(&largest).expect("read the table file");
    // Damage, one at a time, the bytes of the blocks RocksDB reads when it opens a table (index,
    // properties, meta index: just before the 53-byte footer).
    let mut errors = 0;
    for back in 54..154 {
        let mut bytes = original.clone();
        let at = bytes.len() - back;
        bytes[at] ^= 0x55;
        std::fs::write(&largest, &bytes).expect("write the damaged table");
        match Store::open(&path) {
            Ok(_) => {}
            Err(StoreError::Locked { .. }) => {
                panic!("a table file damaged at byte {at} was reported as a lock held by another process")
            }
            Err(_) => errors += 1,
        }
    }
    std::fs::write(&largest, &original).expect("restore the table");
    assert!(errors > 0, "no damaged byte was noticed at open");
    let store = Store::open(&path).expect("the restored store opens");
    assert_eq!(store.entry_count(), 30);
}
