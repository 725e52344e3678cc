//! `coalition restore`: puts a backup in place of the store, keeping the high-water mark of what
//! this city has signed, so a node restored to an older state never signs a seq twice.

use crate::cli::RestoreArgs;
use crate::config::Config;
use crate::datadir::{charter_toml, load_charter, read_secret_key, write_secret_file, DataDir};
use anyhow::{bail, Context, Result};
use coalition_store::{high_water, Store, StoreError, HIGH_WATER_FILE};
use std::path::Path;
use std::process::ExitCode;

/// The node's config.toml as `coalition backup` copies it beside the checkpoint (no secrets:
/// city.key, node.key and api.token stay out of backups).
pub(super) const BACKUP_CONFIG: &str = "config.toml";

pub(super) fn restore(args: RestoreArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let fresh = !dir.config_path().exists();
    if fresh {
        set_up_from_backup(&dir, &args)?;
    } else if let Some(given) = &args.city_key {
        if read_secret_key(given)?.public() != dir.city_key()?.public() {
            bail!(
                "{} holds a node of another city key than {}; --city-key is for restoring into a new data directory. Nothing was changed",
                dir.root.display(),
                given.display()
            );
        }
    }
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
    // Without the data directory's own mark (a new machine, or the file was lost), nothing
    // here knows what the city signed after the backup: hold publishing until a sync with a
    // peer has completed. Written first, so a restore stopped half-way is held too.
    let held = here.is_none();
    if held {
        high_water::hold_until_first_sync(&dir.high_water_path())?;
    }
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
    if fresh {
        outln!(
            "set up {} from the backup with the city key {} and a new api.token; copy the old node.key in before starting if peers bootstrap to this node's /p2p/ address (else the first start makes a new one: a new peer id)",
            dir.root.display(),
            key.public()
        );
    }
    if stored < signed {
        outln!(
            "this city has signed up to seq {signed}, the restored store holds up to {stored}: publishing is held until `coalition run` has synced seqs {}..{signed} back from a peer",
            stored + 1
        );
    } else if held {
        // The old data directory's high-water mark is gone: nothing here knows what the city
        // signed after the backup was taken.
        outln!(
            "the backup holds this city's log up to seq {stored}; entries signed after it are only on peers: publishing is held until `coalition run` has completed a sync with a peer (docs/OPERATIONS.md, \"Restore onto a new machine\")"
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
        if name == HIGH_WATER_FILE || name == BACKUP_CONFIG || !item.file_type()?.is_file() {
            continue;
        }
        std::fs::copy(item.path(), to.join(&name))
            .with_context(|| format!("cannot copy {}", item.path().display()))?;
        std::fs::File::open(to.join(&name))?.sync_all()?;
    }
    std::fs::File::open(to)?.sync_all()?;
    Ok(())
}

/// Sets up a new data directory (a new machine, the old one lost) from a backup and the city key
/// kept apart from it: the charter and roster come from the backup's store, config.toml from the
/// backup when it carries one (else one naming the city as the roster does), a new api.token.
/// The store itself is copied in by the caller, as for any restore.
fn set_up_from_backup(dir: &DataDir, args: &RestoreArgs) -> Result<()> {
    let Some(key_file) = &args.city_key else {
        bail!(
            "{} holds no node (no config.toml). To restore onto a new machine, give the city's key kept apart from the backup: `coalition restore --data-dir {} --from {} --city-key /safe/place/city.key`",
            dir.root.display(),
            dir.root.display(),
            args.from.display()
        );
    };
    for part in [dir.city_key_path(), dir.store_path(), dir.token_path()] {
        if part.exists() {
            bail!(
                "{} holds part of a node ({}) but no config.toml; restore into an empty or new directory. Nothing was changed",
                dir.root.display(),
                part.display()
            );
        }
    }
    let key = read_secret_key(key_file)?;
    let backup = Store::open_read_only(&args.from).with_context(|| {
        format!(
            "{} is not a readable backup (write one with `coalition backup`)",
            args.from.display()
        )
    })?;
    let charter = backup.charter().clone();
    let roster = backup.roster();
    drop(backup);
    let Some(member) = roster.cities.get(&key.public()) else {
        bail!(
            "the key in {} ({}) is not a city on the roster of the backup in {}: is it this coalition's city key? Nothing was changed",
            key_file.display(),
            key.public(),
            args.from.display()
        );
    };
    // The backup's high-water mark names the city whose node it was: another city's backup
    // is refused here, before anything is written.
    high_water::read_file(&args.from.join(HIGH_WATER_FILE), &key.public()).with_context(|| {
        format!(
            "the backup in {} is not of the node of the city whose key is in {}; nothing was changed",
            args.from.display(),
            key_file.display()
        )
    })?;
    let config_text = match std::fs::read_to_string(args.from.join(BACKUP_CONFIG)) {
        Ok(text) => {
            // Checked as `run` will read it, so a damaged copy is named now.
            toml::from_str::<Config>(&text).map_err(|e| {
                anyhow::anyhow!(
                    "{}: {}",
                    args.from.join(BACKUP_CONFIG).display(),
                    crate::input::one_line(&e.to_string())
                )
            })?;
            text
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config {
            privacy: Default::default(),
            city: member.name.clone(),
            country: member.country.clone(),
            observer: false,
            network: Default::default(),
            api: Default::default(),
            log: Default::default(),
        }
        .commented_toml(),
        Err(e) => bail!(
            "cannot read {}: {e}",
            args.from.join(BACKUP_CONFIG).display()
        ),
    };
    std::fs::create_dir_all(&dir.root)
        .with_context(|| format!("cannot create {}", dir.root.display()))?;
    write_secret_file(&dir.city_key_path(), &key.to_file_text())?;
    let token = hex::encode(rand::random::<[u8; 24]>());
    write_secret_file(&dir.token_path(), &format!("{token}\n"))?;
    std::fs::write(dir.charter_path(), charter_toml(&charter)?)?;
    // Last: its presence marks the directory complete.
    std::fs::write(dir.config_path(), config_text)?;
    Ok(())
}
