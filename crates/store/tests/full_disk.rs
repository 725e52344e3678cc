//! After a full disk, publishing recovers without a restart once space is freed (issue 11,
//! defect 6), and a publish that failed on the full disk is never lost half-way: it is stored
//! from the high-water mark by the next publish, or not at all, and never signed twice.
//! Needs root to mount a small tmpfs; skipped with a printed reason otherwise.

use crate::common;

use coalition_store::{Store, HIGH_WATER_FILE};
use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Calls `attempt` every half second until it succeeds, for at most 60 s after space was freed;
/// panics naming `what` if it never does.
fn retry_after_freeing_space<T, E: std::fmt::Display>(
    what: &str,
    mut attempt: impl FnMut() -> Result<T, E>,
) -> T {
    let started = Instant::now();
    loop {
        match attempt() {
            Ok(value) => return value,
            Err(e) if started.elapsed() < Duration::from_secs(60) => {
                println!("after freeing space: {e}");
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => panic!("{what} did not recover within 60 s of freeing space: {e}"),
        }
    }
}

fn mount_tmpfs(at: &Path, size: &str) -> Result<Mount, String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("cannot run id: {e}"))?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Err("not root: cannot mount a small tmpfs to fill".into());
    }
    std::fs::create_dir_all(at).map_err(|e| e.to_string())?;
    let status = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(at)
        .status()
        .map_err(|e| format!("cannot run mount: {e}"))?;
    if !status.success() {
        return Err(format!("mount -t tmpfs failed ({status})"));
    }
    Ok(Mount(at.to_path_buf()))
}

fn fill(path: &Path) {
    let mut file = std::fs::File::create(path).expect("filler");
    let block = vec![0x5Au8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    let _ = file.sync_all();
}

/// A temporary directory with a 24 MiB tmpfs mounted at the path returned; `None`, with the
/// reason printed, where it cannot be mounted. Bound in the order returned, the mount is
/// dropped first (bindings drop in reverse), before its directory is removed.
fn small_disk() -> Option<(tempfile::TempDir, PathBuf, Mount)> {
    let tmp = tempfile::tempdir().expect("tmp");
    let at = tmp.path().join("disk");
    match mount_tmpfs(&at, "24m") {
        Ok(mount) => Some((tmp, at, mount)),
        Err(reason) => {
            println!("skipped: {reason}");
            None
        }
    }
}

#[test]
fn publishing_recovers_after_a_full_disk_without_a_restart() {
    let Some((tmp, at, _mount)) = small_disk() else {
        return;
    };
    let store = create_store(&at.join("store"), &charter());
    // The mark on another disk, so that the store itself (its WAL) meets the full disk.
    let mark = tmp.path().join(HIGH_WATER_FILE);
    store
        .attach_high_water(&mark, &city_a().public())
        .expect("attach");
    let publish = |n: usize| {
        store.publish_local(
            &city_a(),
            &[update(&format!("Update {n}"), "2024-05-01", &[1])],
            T0,
        )
    };
    let mut answered = Vec::new();
    for n in 0..5 {
        answered.push((n, publish(n).expect("publish on a disk with room")));
    }

    fill(&at.join("filler"));
    let mut failed = Vec::new();
    for n in 5..10 {
        match publish(n) {
            Ok(a) => answered.push((n, a)),
            Err(e) => {
                println!("publish {n} on the full disk: {e}");
                assert!(e.is_disk_full(), "a full disk is reported as one: {e}");
                assert!(
                    e.to_string().contains(&at.display().to_string()),
                    "the error names where to free space: {e}"
                );
                failed.push(n);
            }
        }
    }
    assert!(!failed.is_empty(), "the full disk made publishing fail");

    std::fs::remove_file(at.join("filler")).expect("free the space");
    let started = Instant::now();
    let recovered = retry_after_freeing_space("publishing", || publish(100));
    println!(
        "publishing recovered {:.1} s after space was freed, at seq {}",
        started.elapsed().as_secs_f64(),
        recovered[0].entry.entry.header.seq
    );
    // Every answered publish is stored; a failed one is stored at most once (taken from the
    // mark) and answered as already published when repeated; nothing is signed twice.
    for (n, a) in &answered {
        let stored = store.entry(&a[0].entry.id()).expect("read");
        assert!(stored.is_some(), "answered publish {n} is stored");
    }
    for n in failed {
        let again = publish(n).expect("publish again");
        println!(
            "failed publish {n} repeated: existing = {}",
            again[0].existing
        );
    }
    let (problems, checked) = store.verify_all(|_| {}).expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(checked, store.entry_count());
    assert!(store.forks().expect("forks").is_empty());
    drop(store);
    let reopened = Store::open(&at.join("store")).expect("reopen");
    assert_eq!(
        reopened.entry_count(),
        checked,
        "nothing acknowledged was lost"
    );
}

/// A pipelined stream (`Store::ingest_pipelined`, each batch written before the one before it
/// is synced) that meets a full disk stops with the error; the store shows exactly what was
/// reported, keeps it, and takes the same stream again once space is freed.
#[test]
fn a_pipelined_stream_on_a_full_disk_keeps_what_it_reported_and_resumes() {
    let Some((_tmp, at, _mount)) = small_disk() else {
        return;
    };
    let source = TestStore::new();
    let log = append_updates(&source.store, &city_a(), 2000);
    let batches: Vec<Vec<coalition_record::WireEntry>> =
        log.chunks(64).map(|c| c.to_vec()).collect();
    let store = create_store(&at.join("store"), &charter());
    let mut reported = Vec::new();
    store
        .ingest_pipelined(batches[..2].to_vec(), |o| reported.extend(stored_ids(&o)))
        .expect("a stream on a disk with room");

    // Leave 256 KiB free: less than the rest of the stream's WAL.
    let filler = at.join("filler");
    fill(&filler);
    let full = std::fs::metadata(&filler).expect("filler").len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .and_then(|f| f.set_len(full.saturating_sub(256 * 1024)))
        .expect("free 256 KiB");
    let failed = store.ingest_pipelined(batches[2..].to_vec(), |o| {
        reported.extend(stored_ids(&o));
    });
    let error = expect_err(failed, "a stream on a full disk");
    println!(
        "the stream stopped after {} entries reported: {error}",
        reported.len()
    );
    // The store shows what was reported, no more (a written batch whose sync never came back
    // is not in its frontier), and holds all of it.
    assert_eq!(store.entry_count(), reported.len() as u64);
    for id in &reported {
        assert!(store.contains(id).expect("read"), "reported {id} is held");
    }

    std::fs::remove_file(&filler).expect("free the space");
    let outcomes = retry_after_freeing_space("the stream", || {
        let mut outcomes = Vec::new();
        store
            .ingest_pipelined(batches.clone(), |o| outcomes.extend(o))
            .map(|_| outcomes)
    });
    assert!(
        outcomes.iter().all(|o| matches!(
            o,
            coalition_store::IngestOutcome::Stored { .. }
                | coalition_store::IngestOutcome::Duplicate { .. }
        )),
        "{outcomes:?}"
    );
    assert_eq!(store.frontier(), source.store.frontier());
    let (problems, checked) = store.verify_all(|_| {}).expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(checked, 2000);
    assert!(store.forks().expect("forks").is_empty());
    drop(store);
    let reopened = Store::open(&at.join("store")).expect("reopen");
    assert_eq!(reopened.frontier(), source.store.frontier());
}
