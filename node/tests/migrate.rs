//! `coalition migrate` end to end on the committed schema-1 fixture: backup, progress line,
//! verified result, and a second run that has nothing to do.

use crate::common;
use common::copy_dir;
use std::path::Path;
use std::process::Command;

fn migrate(data_dir: &Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_coalition"))
        .args(["migrate", "--data-dir"])
        .arg(data_dir)
        .output()
        .expect("run coalition migrate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn migrate_upgrades_the_v1_fixture_with_a_backup_and_verifies_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let data_dir = tmp.path().join("node");
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/store/tests/fixtures/store-v1");
    copy_dir(&fixture, &data_dir.join("store"));

    let (ok, stdout, stderr) = migrate(&data_dir);
    assert!(ok, "migrate failed:\n{stdout}\n{stderr}");
    assert!(
        stderr.contains("migrate: 12 of 12 entries rewritten"),
        "a progress line: {stderr}"
    );
    assert!(
        stdout.contains("ok: migrated 12 entries from schema 1 to 2 and verified them"),
        "{stdout}"
    );
    let backup = data_dir.join("store-v1-backup");
    assert!(
        backup.join("CURRENT").exists(),
        "the backup is a store: {stdout}"
    );
    assert!(
        stdout.contains(&backup.display().to_string()),
        "names the backup: {stdout}"
    );

    let (ok, stdout, stderr) = migrate(&data_dir);
    assert!(ok, "second run failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("nothing to migrate"), "{stdout}");
}
