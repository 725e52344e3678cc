//! `coalition migrate`: upgrades the store to this build's schema in place (docs/OPERATIONS.md,
//! "Upgrading the store"): a checkpoint backup first, a progress line, resumable when stopped,
//! then every entry verified as `coalition verify` does.

use crate::cli::MigrateArgs;
use crate::datadir::DataDir;
use anyhow::{bail, Context, Result};
use coalition_store::{MigrateOptions, Store, StoreError};
use std::process::ExitCode;

pub(super) fn migrate(args: MigrateArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store_path = dir.store_path();
    let backup = args
        .backup
        .unwrap_or_else(|| args.data_dir.data_dir.join("store-v1-backup"));
    let report = match Store::migrate(
        &store_path,
        &backup,
        &MigrateOptions::default(),
        |done, total| {
            eprintln!("migrate: {done} of {total} entries rewritten");
        },
    ) {
        Ok(report) => report,
        Err(StoreError::Locked { .. }) => bail!(
            "{} is in use by a running node: stop it, then run `coalition migrate` again",
            store_path.display()
        ),
        Err(e) => return Err(e).context("migrating the store"),
    };
    if report.from_schema == coalition_store::layout::SCHEMA_VERSION {
        outln!(
            "the store already uses schema {}: nothing to migrate",
            report.from_schema
        );
        return Ok(ExitCode::SUCCESS);
    }
    if report.resumed {
        outln!("resumed an interrupted migration");
    }
    if let Some(path) = &report.backup {
        outln!(
            "backup of the schema-{} store: {}",
            report.from_schema,
            path.display()
        );
    }
    let store = Store::open_for_check(&store_path).context("opening the migrated store")?;
    let files = store.check_files()?;
    let (problems, checked) = store.verify_all(|done| {
        eprintln!(
            "verify: {done} of about {} entries checked…",
            report.entries
        );
    })?;
    for f in &files {
        outln!(
            "PROBLEM  {} (column family {}): {}",
            f.part,
            f.column_family,
            f.detail
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
    if !files.is_empty() || !problems.is_empty() || checked != report.entries {
        outln!(
            "the migrated store did not verify ({checked} of {} entries checked): keep the backup, and report this; `coalition restore --from {}` brings the old store back for the old binary",
            report.entries,
            backup.display()
        );
        return Ok(ExitCode::from(1));
    }
    outln!(
        "ok: migrated {} entries from schema {} to {} and verified them; the backup can be removed once the node runs well",
        report.entries,
        report.from_schema,
        coalition_store::layout::SCHEMA_VERSION
    );
    Ok(ExitCode::SUCCESS)
}
