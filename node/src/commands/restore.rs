//! `coalition restore`: puts a backup in place of the store, keeping the high-water mark of what
//! this city has signed, so a node restored to an older state never signs a seq twice.

use crate::cli::RestoreArgs;
use crate::datadir::{load_charter, DataDir};
use anyhow::{bail, Context, Result};
use coalition_store::{high_water, Store, StoreError, HIGH_WATER_FILE};
use std::path::Path;
use std::process::ExitCode;

pub fn restore(args: RestoreArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    dir.config()?;
    let charter = load_charter(&dir.charter_path())?;
    let key = dir.city_key()?;

    // The backup must be a store of this coalition.
    let backup = Store::open_read_only(&args.from).with_context(|| {
        format!(
            "{} is not a readable backup (write one with `coalition backup`)",
            args.from.display()
        )
    })?;
    if backup.network_id() != charter.network_id() {
        bail!(
            "{} is a backup of another coalition (network {}, this node's is {}); nothing was changed",
            args.from.display(),
            backup.network_id(),
            charter.network_id()
        );
    }
    let backup_entries = backup.entry_count();
    drop(backup);

    // The node must be stopped; a missing or damaged store is what a restore is for.
    match Store::open(&dir.store_path()) {
        Ok(store) => drop(store),
        Err(StoreError::Locked { .. }) => bail!(
            "a coalition node is running on {} (the store is locked); stop it, then restore",
            dir.root.display()
        ),
        Err(_) => {}
    }

    // Keep the higher of the two marks: the data directory's (the city may have signed more
    // since the backup) or the backup's (the data directory lost its own).
    let here = match dir.read_high_water() {
        Ok(head) => head,
        Err(e) => {
            eprintln!("warning: {e}; using the backup's high-water mark instead");
            None
        }
    };
    let there = high_water::read_file(&args.from.join(HIGH_WATER_FILE), &key.public())?;
    let keep = match (here, there) {
        (Some(h), Some(t)) if t.seq > h.seq => Some(t),
        (Some(h), _) => Some(h),
        (None, t) => t,
    };

    let store_path = dir.store_path();
    let mut aside = None;
    if store_path.exists() {
        let name = format!("store.before-restore-{}", super::now_ms() / 1000);
        let target = dir.root.join(name);
        std::fs::rename(&store_path, &target)
            .with_context(|| format!("cannot move {} aside", store_path.display()))?;
        aside = Some(target);
    }
    copy_store(&args.from, &store_path)?;
    if let Some(head) = &keep {
        high_water::write_file(&dir.high_water_path(), &head.entries)?;
    }

    let store = dir
        .open_store_for_write()?
        .context("the restored store is locked by another process")?;
    let stored = store.head(&key.public()).map_or(0, |(s, _)| s);
    let signed = store
        .high_water_status()
        .map_or(stored, |status| status.signed);
    outln!(
        "restored {backup_entries} entries from {} into {}",
        args.from.display(),
        store_path.display()
    );
    if let Some(aside) = aside {
        outln!(
            "the previous store is kept in {}; delete it once the node runs well",
            aside.display()
        );
    }
    if stored < signed {
        outln!(
            "this city has signed up to seq {signed}, the restored store holds up to {stored}: publishing is held until `coalition run` has synced seqs {}..{signed} back from a peer",
            stored + 1
        );
    } else {
        outln!("this city's log is complete up to seq {stored}; publishing can go on");
    }
    Ok(ExitCode::SUCCESS)
}

/// Copies the backup's files (a flat RocksDB checkpoint) into a new store directory.
fn copy_store(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for item in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let item = item?;
        let name = item.file_name();
        if name == HIGH_WATER_FILE || !item.file_type()?.is_file() {
            continue;
        }
        std::fs::copy(item.path(), to.join(&name))
            .with_context(|| format!("cannot copy {}", item.path().display()))?;
        std::fs::File::open(to.join(&name))?.sync_all()?;
    }
    std::fs::File::open(to)?.sync_all()?;
    Ok(())
}
