//! Damaged store files (issue 11, defects 5 and 10): flipped bytes in an SST are found by
//! `check_files` (reads with checksums on); a deleted SST is reported as a damaged store naming
//! the part, not as a directory without a store.

use crate::common;

use coalition_store::{Store, StoreError};
use common::*;
use std::path::{Path, PathBuf};

/// A store with enough entries that its data lands in SST files once closed.
fn closed_store() -> (tempfile::TempDir, PathBuf) {
    let t = TestStore::new();
    append_updates(&t.store, &city_a(), 200);
    let path = t.path();
    let TestStore { tmp, store } = t;
    drop(store); // flushes the memtables into SST files
    (tmp, path)
}

fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.display().to_string().ends_with(suffix)
                || p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(suffix))
        })
        .collect();
    out.sort_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0));
    out
}

#[test]
fn flipped_bytes_in_an_sst_are_found_by_a_checksummed_read_of_every_file() {
    let (_tmp, path) = closed_store();
    let ssts = files_ending(&path, ".sst");
    let largest = ssts.last().expect("an SST file").clone();
    let mut bytes = std::fs::read(&largest).expect("read the SST");
    let at = bytes.len() / 3;
    for b in &mut bytes[at..at + 64] {
        *b ^= 0xA5;
    }
    std::fs::write(&largest, bytes).expect("damage the SST");

    let store = Store::open_for_check(&path).expect("the store still opens");
    let problems = store.check_files().expect("check");
    assert!(!problems.is_empty(), "the flipped bytes are found");
    let p = &problems[0];
    assert_eq!(p.part, "a table file (SST)", "{p:?}");
    let name = largest
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    assert!(
        p.detail.contains(&name),
        "the problem names the file: {p:?}"
    );
}

#[test]
fn an_undamaged_store_has_no_file_problem() {
    let (_tmp, path) = closed_store();
    let store = Store::open_for_check(&path).expect("open");
    assert_eq!(store.check_files().expect("check"), Vec::new());
}

#[test]
fn a_deleted_sst_is_a_damaged_store_not_a_missing_one() {
    let (_tmp, path) = closed_store();
    let ssts = files_ending(&path, ".sst");
    std::fs::remove_file(ssts.last().expect("an SST")).expect("delete an SST");
    let err = expect_err(Store::open(&path), "a store missing an SST file");
    assert!(
        matches!(
            err,
            StoreError::Damaged {
                part: "a table file (SST)",
                ..
            }
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(!text.contains("holds no coalition store"), "{text}");
    assert!(
        text.contains("coalition restore"),
        "says what to do: {text}"
    );
}

#[test]
fn a_directory_without_a_store_is_still_reported_as_such() {
    let tmp = tempfile::tempdir().expect("tmp");
    let err = expect_err(Store::open(&tmp.path().join("nothing")), "no store");
    assert!(matches!(err, StoreError::Missing { .. }), "{err:?}");
}
