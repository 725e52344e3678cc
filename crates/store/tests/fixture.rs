//! Writes the upgrade fixture (see `common/fixture.rs`) with the code as it stands. Run once when a
//! schema changes, before the change, to keep a store of the old schema:
//! `COALITION_WRITE_FIXTURE=crates/store/tests/fixtures/store-vN cargo test --workspace --test store fixture:: -- --ignored`.

use crate::common;

use coalition_store::Store;
use common::fixture::*;
use std::path::PathBuf;

#[test]
#[ignore = "writes a fixture; run by hand before a schema change"]
fn write_the_upgrade_fixture() {
    let Some(target) = std::env::var_os("COALITION_WRITE_FIXTURE").map(PathBuf::from) else {
        println!("skipped: set COALITION_WRITE_FIXTURE to the directory to write");
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("store");
    build_fixture(&dir);
    // Reopened, so the dump is of what is on disk; dropping flushes every memtable.
    let store = Store::open(&dir).expect("reopen");
    let text = dump(&store);
    drop(store);
    std::fs::create_dir_all(&target).expect("target");
    for file in std::fs::read_dir(&dir).expect("read") {
        let file = file.expect("file");
        let name = file.file_name();
        let name_str = name.to_string_lossy();
        // RocksDB's info logs are not part of the store.
        if name_str.starts_with("LOG") {
            continue;
        }
        std::fs::copy(file.path(), target.join(&name)).expect("copy");
    }
    let mut dump_path = target.clone().into_os_string();
    dump_path.push(".dump.txt");
    std::fs::write(&dump_path, text).expect("write the dump");
    println!("wrote {}", target.display());
}

#[test]
fn the_fixture_content_dumps_the_same_twice() {
    // The dump is a function of the content (random salts aside): two builds agree on everything
    // but ids, so compare their shape line by line.
    let tmp = tempfile::tempdir().expect("tmp");
    build_fixture(&tmp.path().join("a"));
    let store = Store::open(&tmp.path().join("a")).expect("open");
    let text = dump(&store);
    assert!(
        text.contains("fork "),
        "the fixture holds a fork proof:\n{text}"
    );
    assert!(
        text.contains("erased true"),
        "the fixture holds an erasure:\n{text}"
    );
    assert!(
        text.contains("roster change 5"),
        "five roster changes:\n{text}"
    );
    assert!(text.contains("retracted_by: Some"), "a retraction:\n{text}");
    assert!(text.contains("superseded_by: Some"), "a revision:\n{text}");
}
