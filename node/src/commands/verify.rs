//! `coalition verify` (re-check every entry and chain) and `coalition backup`.

use super::print_json;
use crate::cli::{BackupArgs, VerifyArgs};
use crate::datadir::DataDir;
use anyhow::{bail, Result};
use coalition_store::Store;
use serde_json::json;
use std::process::ExitCode;

pub(super) fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    dir.config()?;
    // Damage RocksDB finds at open (MANIFEST, a missing SST, a WAL damaged before its tail) is an
    // error naming the part and what to do.
    let store = Store::open_for_check(&dir.store_path())?;
    let files = store.check_files()?;
    let total = store.entry_count();
    let started = std::time::Instant::now();
    let (problems, checked) = store.verify_all(|done| {
        eprintln!("verify: {done} of about {total} entries checked…");
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let mark = high_water_problem(&dir, &store);
    let (pending, note) = high_water_note(&dir, &store);
    let all_ok = problems.is_empty() && mark.is_none() && files.is_empty();
    if args.json.json {
        print_json(&json!({
            "checked": checked,
            "problems": problems,
            "files": files,
            "high_water": mark,
            "pending_from_high_water": pending,
            "pending_note": note,
            "ok": all_ok,
            "seconds": seconds,
        }))?;
    } else {
        if let Some(text) = &mark {
            outln!("PROBLEM  {text}");
        }
        if let Some(text) = &note {
            outln!("note: {text}");
        }
        for f in &files {
            outln!(
                "PROBLEM  {} is damaged (column family {}): {}",
                f.part,
                f.column_family,
                f.detail
            );
        }
        if !files.is_empty() {
            outln!(
                "the store's files are damaged: reads of the affected entries fail. Stop the node and restore a backup with `coalition restore --from BACKUP`, or move {} aside and start from an empty store so sync fetches every log back from peers (docs/OPERATIONS.md)",
                dir.store_path().display()
            );
        }
        for p in &problems {
            outln!(
                "PROBLEM  city {} ({}) seq {}: [{}] {}",
                p.city,
                p.author.short(),
                p.seq,
                p.rule,
                p.detail
            );
        }
        if all_ok {
            outln!(
                "ok: {checked} entries from {} cities verified (signatures, chains, payload commitments, file checksums) in {seconds:.2} s",
                store.frontier().len()
            );
        } else if !problems.is_empty() {
            outln!(
                "{} problem(s) in {checked} entries; restore the affected city's log from a backup or let sync fetch it again",
                problems.len()
            );
        }
    }
    Ok(if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// How many of the entries this city signed last are in the high-water file and not yet in the
/// store, and follow on from it: a run stopped between the file write and the store write left
/// them there, and the next open for writing stores them.
fn pending_from_file(head: &coalition_store::high_water::SignedHead, stored: u64) -> u64 {
    let held = head.entries.len() as u64;
    let first = (head.seq + 1).saturating_sub(held);
    if held == 0 || stored >= head.seq || stored + 1 < first {
        0
    } else {
        head.seq - stored
    }
}

/// Entries signed into the high-water file and not yet stored, with the sentence saying so.
fn high_water_note(dir: &DataDir, store: &Store) -> (u64, Option<String>) {
    let (Ok(key), Ok(Some(head))) = (dir.city_key(), dir.read_high_water()) else {
        return (0, None);
    };
    let stored = store.head(&key.public()).map_or(0, |(s, _)| s);
    let pending = pending_from_file(&head, stored);
    if pending == 0 {
        return (0, None);
    }
    let seqs = if pending == 1 {
        format!("seq {}", head.seq)
    } else {
        format!("seqs {}..{}", stored + 1, head.seq)
    };
    (
        pending,
        Some(format!(
            "this city's {seqs} is signed and kept in the high-water file ({}) but not yet in the store: the last run stopped between its two writes. Nothing is lost: the next `coalition run` or publish stores it first",
            dir.high_water_path().display()
        )),
    )
}

/// Compares the store with the high-water mark of what this city signed; says what is missing.
fn high_water_problem(dir: &DataDir, store: &Store) -> Option<String> {
    let key = dir.city_key().ok()?;
    let head = match dir.read_high_water() {
        Ok(Some(head)) => head,
        Ok(None) => return None,
        Err(e) => return Some(format!("{e}; move the file away: the node writes it again from the store at its next start, and its peers' copies of this city's log hold publishing until the store has caught up")),
    };
    let stored = store.head(&key.public()).map_or(0, |(s, _)| s);
    if pending_from_file(&head, stored) > 0 {
        // Not lost: the next start or publish stores them from the file (see `high_water_note`).
        return None;
    }
    if stored < head.seq {
        return Some(format!(
            "this city ({}) has signed up to seq {}, but the store holds only up to seq {stored}: seqs {}..{} went missing (a restored backup, or writes the disk lost). Run the node: publishing is held until sync has brought them back from a peer (docs/OPERATIONS.md)",
            key.public().short(),
            head.seq,
            stored + 1,
            head.seq
        ));
    }
    let last = head.entries.last()?;
    let held = store.entry_at(&key.public(), head.seq).ok().flatten()?;
    if held.entry.bytes() != last.entry.as_slice() {
        return Some(format!(
            "the store holds a different entry at seq {} than the one this city signed last (high-water file): the city has signed two entries at one seq; see docs/OPERATIONS.md",
            head.seq
        ));
    }
    None
}

pub(super) fn backup(args: BackupArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    if args.out.exists() {
        bail!(
            "{} exists; give a new directory for the backup",
            args.out.display()
        );
    }
    let entries = match dir.open_store_for_write()? {
        Some(store) => {
            store.backup(&args.out)?;
            store.entry_count()
        }
        None => {
            // A running node holds the store: it takes the checkpoint itself.
            let config = dir.config()?;
            let out = std::path::absolute(&args.out)?;
            let answer = super::handoff::post_json(
                &dir.running_api_addr(&config),
                "/api/v1/admin/backup",
                &dir.api_token()?,
                &json!({ "out": out }),
            )?;
            answer
                .get("entries")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        }
    };
    // config.toml beside the checkpoint (no secrets), so a new machine can be set up from the
    // backup and the city key alone. Best effort: the checkpoint is the backup.
    let config_copy = args.out.join(super::restore::BACKUP_CONFIG);
    if let Err(e) = std::fs::copy(dir.config_path(), &config_copy) {
        eprintln!(
            "warning: config.toml was not copied into the backup ({e}); keep a copy of it apart"
        );
    }
    outln!(
        "backup of {entries} entries written to {} (restore: stop the node, then `coalition restore --from {}`)",
        args.out.display(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
