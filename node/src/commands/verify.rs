//! `coalition verify` (re-check every entry and chain) and `coalition backup`.

use super::print_json;
use crate::cli::{BackupArgs, VerifyArgs};
use crate::datadir::DataDir;
use anyhow::{bail, Result};
use serde_json::json;
use std::process::ExitCode;

pub fn verify(args: VerifyArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let total = store.entry_count();
    let started = std::time::Instant::now();
    let (problems, checked) = store.verify_all(|done| {
        eprintln!("verify: {done} of about {total} entries checked…");
    })?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json.json {
        print_json(&json!({
            "checked": checked,
            "problems": problems,
            "ok": problems.is_empty(),
            "seconds": seconds,
        }))?;
    } else {
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
        if problems.is_empty() {
            outln!(
                "ok: {checked} entries from {} cities verified (signatures, chains, payload commitments) in {seconds:.2} s",
                store.frontier().len()
            );
        } else {
            outln!(
                "{} problem(s) in {checked} entries; restore the affected city's log from a backup or let sync fetch it again",
                problems.len()
            );
        }
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

pub fn backup(args: BackupArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    if args.out.exists() {
        bail!(
            "{} exists; give a new directory for the backup",
            args.out.display()
        );
    }
    let store = match dir.open_store_for_write()? {
        Some(store) => store,
        None => dir.open_store_read_only()?,
    };
    store.checkpoint(&args.out)?;
    outln!(
        "backup of {} entries written to {} (restore: stop the node, replace {} with it)",
        store.entry_count(),
        args.out.display(),
        dir.store_path().display()
    );
    Ok(ExitCode::SUCCESS)
}
