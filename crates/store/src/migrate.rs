//! Upgrading a schema-1 store to schema 2, in place, by `coalition migrate` (docs/OPERATIONS.md).
//!
//! Order: a checkpoint backup of the untouched store; then the log is rewritten in chunks, each
//! one `WriteBatch` that also records how far it got (the cursor), so a migration stopped at any
//! point resumes where it was; then one batch drops the index keys schema 2 no longer keeps and
//! records schema 2; then the old column families are dropped (also done by any later open).
//! Schema 1 → 2: `entries` values become log records (entry ‖ payload, from `payloads`);
//! `summary` (keyed by id) becomes `facets` (keyed by author ‖ seq); the kind, author, country,
//! language and year index keys go. Ids, frontier, forks, roster, statuses and the commitment,
//! document, erasure and missing-payload keys are kept as they are.

use crate::layout::*;
use crate::query::summarize;
use crate::{cf_options, db_options, Store, StoreError};
use coalition_record::{codec, Payload, PayloadBlob, SignedEntry};
use rocksdb::{WriteBatch, DB};
use std::path::{Path, PathBuf};

/// Schema-1 column families that schema 2 does not keep.
const V1_PAYLOADS: &str = "payloads";
const V1_SUMMARY: &str = "summary";
/// Schema-1 index tags (kind, author, country, language, year) that schema 2 does not keep.
const V1_DROPPED_TAGS: [u8; 5] = [b'k', b'a', b'n', b'l', b'y'];
/// Block cache of the migration's own handle.
const MIGRATE_CACHE_BYTES: usize = 16 * 1024 * 1024;
/// In [`CF_META`] while a migration is under way: the last author ‖ seq rewritten (empty before
/// the first chunk, once the backup is taken).
const META_MIGRATE_CURSOR: &[u8] = b"migrate_cursor";

/// How a migration runs. The defaults are what `coalition migrate` uses.
#[derive(Debug, Clone)]
pub struct MigrateOptions {
    /// Entries rewritten per durable batch.
    pub chunk: usize,
    /// Stop (as a kill would) after this many chunks: a test hook.
    pub stop_after_chunks: Option<u64>,
}

impl Default for MigrateOptions {
    fn default() -> Self {
        MigrateOptions {
            chunk: 2_000,
            stop_after_chunks: None,
        }
    }
}

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateReport {
    /// The schema found before this run.
    pub from_schema: u32,
    /// Entries in the store.
    pub entries: u64,
    /// Entries rewritten by this run (fewer than `entries` when it resumed).
    pub rewritten: u64,
    /// The backup of the schema-1 store (taken by this run or the one it resumed).
    pub backup: Option<PathBuf>,
    /// Whether an interrupted migration was resumed.
    pub resumed: bool,
    /// False only when stopped by [`MigrateOptions::stop_after_chunks`].
    pub finished: bool,
}

/// Opens exactly the column families the directory holds (an older schema's included).
fn open_raw(dir: &Path) -> Result<DB, StoreError> {
    if !dir.join("CURRENT").exists() {
        return Err(StoreError::Missing {
            dir: dir.to_path_buf(),
        });
    }
    let opts = db_options();
    let names = DB::list_cf(&opts, dir).map_err(|e| crate::map_open_error(dir, e))?;
    let descriptors = crate::held_cf_descriptors(names, MIGRATE_CACHE_BYTES);
    let mut opts = opts;
    // Nothing is created before the backup is taken.
    opts.create_missing_column_families(false);
    DB::open_cf_descriptors(&opts, dir, descriptors).map_err(|e| crate::map_open_error(dir, e))
}

fn cf<'a>(db: &'a DB, name: &str) -> Result<&'a rocksdb::ColumnFamily, StoreError> {
    db.cf_handle(name)
        .ok_or_else(|| StoreError::Corrupt(format!("column family {name} missing")))
}

fn sync_write(db: &DB, batch: WriteBatch) -> Result<(), StoreError> {
    let mut write = rocksdb::WriteOptions::default();
    write.set_sync(true);
    db.write_opt(batch, &write)?;
    Ok(())
}

impl Store {
    /// Migrates the store in `dir` to the current schema (see the module doc), taking a
    /// checkpoint backup into `backup` first. Resumes an interrupted migration (its backup was
    /// taken then). `progress` gets (rewritten, total) after every chunk. A store already at the
    /// current schema is left alone; a newer one is refused. Verify the result with
    /// [`Store::verify_all`].
    pub fn migrate(
        dir: &Path,
        backup: &Path,
        options: &MigrateOptions,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<MigrateReport, StoreError> {
        let mut db = open_raw(dir)?;
        let schema = db
            .get_cf(cf(&db, CF_META)?, META_SCHEMA)?
            .and_then(|v| v.try_into().ok().map(u32::from_be_bytes))
            .ok_or_else(|| StoreError::Corrupt("no schema version recorded".into()))?;
        let entries = count_entries(&db)?;
        if schema > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                dir: dir.to_path_buf(),
                found: schema,
                supported: SCHEMA_VERSION,
            });
        }
        let mut report = MigrateReport {
            from_schema: schema,
            entries,
            rewritten: 0,
            backup: None,
            resumed: false,
            finished: true,
        };
        if schema == SCHEMA_VERSION {
            crate::drop_old_column_families(&mut db, dir)?;
            return Ok(report);
        }
        let cursor = db.get_cf(cf(&db, CF_META)?, META_MIGRATE_CURSOR)?;
        report.resumed = cursor.is_some();
        if cursor.is_none() {
            if backup.exists() {
                return Err(StoreError::MigrateBackupExists {
                    path: backup.to_path_buf(),
                });
            }
            // Atomic: RocksDB writes the checkpoint beside the target and renames it.
            rocksdb::checkpoint::Checkpoint::new(&db)?.create_checkpoint(backup)?;
            report.backup = Some(backup.to_path_buf());
            let mut batch = WriteBatch::default();
            batch.put_cf(cf(&db, CF_META)?, META_MIGRATE_CURSOR, []);
            sync_write(&db, batch)?;
        } else if backup.join("CURRENT").exists() {
            report.backup = Some(backup.to_path_buf());
        }
        if db.cf_handle(CF_FACETS).is_none() {
            let cache = rocksdb::Cache::new_lru_cache(MIGRATE_CACHE_BYTES);
            db.create_cf(CF_FACETS, &cf_options(&cache, CF_FACETS))?;
        }
        let start = cursor.unwrap_or_default();
        let mut done = if start.is_empty() {
            0
        } else {
            entries_up_to(&db, &start)?
        };
        let mut chunks = 0u64;
        let mut iter = db.iterator_cf(
            cf(&db, CF_ENTRIES)?,
            rocksdb::IteratorMode::From(&start, rocksdb::Direction::Forward),
        );
        loop {
            let mut batch = WriteBatch::default();
            let mut last = None;
            let mut in_chunk = 0usize;
            for item in iter.by_ref() {
                let (key, value) = item?;
                if *key == *start {
                    continue;
                }
                rewrite_entry(&db, &mut batch, &key, &value)?;
                last = Some(key);
                in_chunk += 1;
                if in_chunk >= options.chunk.max(1) {
                    break;
                }
            }
            let Some(last) = last else { break };
            batch.put_cf(cf(&db, CF_META)?, META_MIGRATE_CURSOR, &last);
            sync_write(&db, batch)?;
            done += in_chunk as u64;
            report.rewritten += in_chunk as u64;
            progress(done, entries);
            chunks += 1;
            if options.stop_after_chunks.is_some_and(|n| chunks >= n) {
                report.finished = false;
                return Ok(report);
            }
        }
        drop(iter);
        let mut batch = WriteBatch::default();
        for tag in V1_DROPPED_TAGS {
            batch.delete_range_cf(cf(&db, CF_INDEX)?, [tag], [tag + 1]);
        }
        batch.put_cf(cf(&db, CF_META)?, META_SCHEMA, SCHEMA_VERSION.to_be_bytes());
        batch.delete_cf(cf(&db, CF_META)?, META_MIGRATE_CURSOR);
        sync_write(&db, batch)?;
        crate::drop_old_column_families(&mut db, dir)?;
        Ok(report)
    }
}

/// One schema-1 entry as a log record and a facet record, into `batch`.
fn rewrite_entry(
    db: &DB,
    batch: &mut WriteBatch,
    key: &[u8],
    entry_bytes: &[u8],
) -> Result<(), StoreError> {
    let (author, seq) =
        split_entry_key(key).ok_or_else(|| StoreError::Corrupt("malformed entry key".into()))?;
    let corrupt = |what: String| {
        StoreError::Corrupt(format!(
            "schema-1 entry {} seq {seq}: {what}",
            author.short()
        ))
    };
    let entry = SignedEntry::decode(entry_bytes).map_err(|e| corrupt(e.to_string()))?;
    let id = entry.id();
    let blob: Option<PayloadBlob> = match db.get_pinned_cf(cf(db, V1_PAYLOADS)?, id.0)? {
        Some(bytes) => {
            Some(codec::decode_stored("payload blob", &bytes).map_err(|e| corrupt(e.to_string()))?)
        }
        None => None,
    };
    let summary = match db.get_pinned_cf(cf(db, V1_SUMMARY)?, id.0)? {
        Some(bytes) => bytes.to_vec(),
        None => {
            let payload = blob
                .as_ref()
                .and_then(|b| Payload::decode_stored(&b.bytes).ok());
            codec::encode(&summarize(&entry, payload.as_ref()))
        }
    };
    batch.put_cf(
        cf(db, CF_ENTRIES)?,
        key,
        log_record(entry_bytes, blob.as_ref()),
    );
    batch.put_cf(cf(db, CF_FACETS)?, key, facet_record(&id, &summary));
    Ok(())
}

/// Entries held, from the frontier (logs are contiguous).
fn count_entries(db: &DB) -> Result<u64, StoreError> {
    let mut total = 0u64;
    for item in db.iterator_cf(cf(db, CF_FRONTIER)?, rocksdb::IteratorMode::Start) {
        let (_, value) = item?;
        total += split_frontier_value(&value).map_or(0, |(seq, _)| seq);
    }
    Ok(total)
}

/// Entries at or before `cursor` in key order (the part already rewritten), from the frontier.
fn entries_up_to(db: &DB, cursor: &[u8]) -> Result<u64, StoreError> {
    let Some((author, seq)) = split_entry_key(cursor) else {
        return Ok(0);
    };
    let mut total = 0u64;
    for item in db.iterator_cf(cf(db, CF_FRONTIER)?, rocksdb::IteratorMode::Start) {
        let (key, value) = item?;
        let head = split_frontier_value(&value).map_or(0, |(s, _)| s);
        match key.as_ref().cmp(&author.0[..]) {
            std::cmp::Ordering::Less => total += head,
            std::cmp::Ordering::Equal => total += seq.min(head),
            std::cmp::Ordering::Greater => {}
        }
    }
    Ok(total)
}
