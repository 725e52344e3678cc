//! Coalition storage on RocksDB.
//!
//! A [`Store`] holds one coalition's charter, roster history, every city's log with payloads,
//! fork proofs and derived indexes. Appends validate each entry (cheapest rule first, signature
//! once), write a whole batch in one `WriteBatch` and sync the WAL before returning: an entry
//! reported stored survives a crash. One process opens a store for writing (RocksDB's lock file);
//! read-only opens work beside it.
//!
//! The column families and key encodings are in [`layout`] (docs/ARCHITECTURE.md, "Store layout").

#![warn(missing_docs, unreachable_pub)]

mod batch;
mod cycles;
mod erasures;
mod error;
mod files;
pub mod high_water;
mod ingest;
pub mod layout;
mod migrate;
mod payloads;
mod pipeline;
mod publish;
mod query;
mod read;
mod records;
mod recover;
mod translations;
mod verify;
mod write;

pub use batch::IngestOutcome;
pub use erasures::HeldErasure;
pub use error::StoreError;
pub use files::FileProblem;
pub use high_water::{HighWaterStatus, HIGH_WATER_FILE};
pub use ingest::RosterOutcome;
pub use migrate::{MigrateOptions, MigrateReport};
pub use pipeline::PipelineTimes;
pub use publish::{place_from_roster, Appended};
pub use query::{EntryStatus, EntrySummary, Query};
pub use translations::HeldTranslation;
pub use verify::IntegrityProblem;

use coalition_record::{
    codec, Charter, EntryId, ForkProof, Payload, PayloadBlob, PublicKey, Roster, SignedEntry,
    SignedRosterChange,
};
use layout::*;
use rocksdb::{ColumnFamilyDescriptor, Options, DB};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

/// Per city: highest seq held and its entry id. Its wire form, sorted and with the roster
/// version, is [`coalition_record::sync::Frontier`].
pub type ChainHeads = HashMap<PublicKey, (u64, EntryId)>;

/// An entry read back from the store, with its payload unless it was erased.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    /// The signed entry.
    pub entry: SignedEntry,
    /// The payload as stored (salt and bytes); `None` when the store holds none (erased, or kept
    /// without it by an older version).
    pub blob: Option<PayloadBlob>,
    /// The decoded payload, decoded from `blob` on first use: a reader that needs only the
    /// header, the status or the bytes pays nothing for it. Boxed: a `Payload` is large, and a
    /// city's log is a `Vec` of these.
    payload: std::sync::OnceLock<Option<Box<Payload>>>,
    /// Whether a later entry retracted or superseded it.
    pub status: EntryStatus,
}

impl StoredEntry {
    /// An entry read back, its payload to be decoded from `blob` when first asked for.
    pub(crate) fn new(entry: SignedEntry, blob: Option<PayloadBlob>, status: EntryStatus) -> Self {
        StoredEntry {
            entry,
            blob,
            payload: std::sync::OnceLock::new(),
            status,
        }
    }

    /// The decoded payload (a kind this build does not know decodes to [`Payload::Newer`]);
    /// `None` when `blob` is, or when its bytes no longer decode.
    pub fn payload(&self) -> Option<&Payload> {
        self.payload
            .get_or_init(|| decode_blob(self.blob.as_ref()).map(Box::new))
            .as_deref()
    }

    /// The decoded payload, owned (see [`Self::payload`]).
    pub fn into_payload(self) -> Option<Payload> {
        match self.payload.into_inner() {
            Some(decoded) => decoded.map(|p| *p),
            None => decode_blob(self.blob.as_ref()),
        }
    }

    /// The entry's id (the hash of its signed bytes).
    pub fn id(&self) -> EntryId {
        self.entry.id()
    }

    /// The entry as sync sends it: its bytes and its payload blob, if any.
    pub fn to_wire(&self) -> coalition_record::WireEntry {
        coalition_record::WireEntry::new(&self.entry, self.blob.clone())
    }
}

/// A stored payload blob decoded; `None` without one or when its bytes no longer decode.
fn decode_blob(blob: Option<&PayloadBlob>) -> Option<Payload> {
    blob.and_then(|b| Payload::decode_stored(&b.bytes).ok())
}

/// The open RocksDB handle. Shared, so that [`Store`] can swap it for a freshly opened one after
/// a write left RocksDB in its sticky error state (see `recover.rs`); a clone lives for one call.
#[derive(Clone)]
pub(crate) struct Db(Arc<DB>);

impl std::ops::Deref for Db {
    type Target = DB;
    fn deref(&self) -> &DB {
        &self.0
    }
}

impl Db {
    pub(crate) fn cf(&self, name: &str) -> Result<&rocksdb::ColumnFamily, StoreError> {
        self.0
            .cf_handle(name)
            .ok_or_else(|| StoreError::Corrupt(format!("column family {name} missing")))
    }
}

/// One coalition's store, open for writing or read-only; see the crate doc. Shared across threads:
/// writers serialise on an internal lock that readers never take.
pub struct Store {
    /// `None` only while a reopen after a failed write could not open the database again.
    db: RwLock<Option<Db>>,
    /// Set when a write failed in a way RocksDB does not clear by itself (a full disk): the next
    /// write reopens the database first.
    needs_reopen: AtomicBool,
    dir: PathBuf,
    charter: Charter,
    read_only: bool,
    roster: RwLock<Roster>,
    frontier: RwLock<ChainHeads>,
    /// Serialises writers so chain checks and the batch they guard see one state.
    write_lock: Mutex<()>,
    /// Writers blocked on `write_lock` right now: a long stream of writes yields to them
    /// (`Store::writer_waiting`).
    writers_waiting: std::sync::atomic::AtomicUsize,
    /// Targets of erasures in the write under way, deleted once it is durable (`erasures.rs`).
    pending_purge: Mutex<Vec<EntryId>>,
    /// Erasures applied since the store was opened: a running node's erasure duty watches it.
    erasures_applied: std::sync::atomic::AtomicU64,
    /// Some erasure mark is (or may be) held: see `Store::may_hold_erasures`.
    erasure_marks: AtomicBool,
    /// Ids with a stored status (retracted or superseded): few, so kept in memory to spare a
    /// read per entry on queries and reads.
    inactive: RwLock<HashSet<EntryId>>,
    /// Whether [`Store::ingest`] checks a batch's signatures together (the default).
    batch_verification: AtomicBool,
    /// What the local city has signed, when a high-water file is attached.
    high_water: Mutex<Option<high_water::HighWater>>,
}

impl Drop for Store {
    fn drop(&mut self) {
        // Everything acknowledged is already durable in the WAL; flushing only shortens the next
        // start-up. A failure here loses nothing, so it is logged and not raised.
        if let Err(error) = self.flush() {
            tracing::warn!(%error, "could not flush the store on close; the next start will replay its log");
        }
    }
}

fn db_options() -> Options {
    let mut opts = Options::default();
    // Check every file RocksDB opens.
    opts.set_paranoid_checks(true);
    opts.create_if_missing(false);
    opts.create_missing_column_families(true);
    opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
    opts.set_max_open_files(256);
    opts.set_keep_log_file_num(4);
    opts
}

/// Block cache shared by every column family (RocksDB's default is a separate 32 MiB cache per
/// column family, i.e. more memory and less reuse).
const BLOCK_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The options of the column family `name`, sharing `cache` with the others.
fn cf_options(cache: &rocksdb::Cache, name: &str) -> Options {
    let mut table = rocksdb::BlockBasedOptions::default();
    table.set_block_cache(cache);
    // Most point reads are misses (dedupe before verification, the status of an entry that was
    // never retracted): a bloom filter answers them without touching a block.
    table.set_bloom_filter(10.0, false);
    // Index and filter blocks stay in the table readers' memory (a few MiB for a million
    // entries), not in the block cache: there, payload blocks evicted them, and a random get by
    // id re-read and re-parsed two index blocks (issue #14's get row, in the release profile).
    let mut opts = Options::default();
    // Level 0 (memtable flushes) uncompressed, every level below LZ4: each byte is compressed
    // once, when compaction moves it down, instead of also at the flush, which ran beside the
    // ingest writer and took a quarter of a core (issue #14's profile).
    opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
    opts.set_compression_per_level(&[
        rocksdb::DBCompressionType::None,
        rocksdb::DBCompressionType::Lz4,
    ]);
    opts.set_block_based_table_factory(&table);
    if name == CF_IDS {
        // Nearly every id looked up during ingest is new: a whole-key bloom filter on the
        // memtable answers those without a skiplist search (7 % of the look-ahead's time in
        // issue #14's profile). 2 % of the 64 MiB memtable: ~16 bits per id.
        opts.set_memtable_prefix_bloom_ratio(0.02);
        opts.set_memtable_whole_key_filtering(true);
    }
    opts
}

fn cf_descriptors() -> Vec<ColumnFamilyDescriptor> {
    let cache = rocksdb::Cache::new_lru_cache(BLOCK_CACHE_BYTES);
    ALL_CFS
        .iter()
        .map(|name| ColumnFamilyDescriptor::new(*name, cf_options(&cache, name)))
        .collect()
}

fn map_open_error(dir: &Path, error: rocksdb::Error) -> StoreError {
    let text = error.to_string();
    // RocksDB's words when another process holds the LOCK file ("While lock file: <dir>/LOCK: …")
    // and when this process does ("lock hold by current process, …"). Not any text with "lock"
    // in it: "block checksum mismatch" is damage, not a lock.
    if text.contains("While lock file") || text.contains("lock hold by current process") {
        StoreError::Locked {
            dir: dir.to_path_buf(),
        }
    } else if !dir.join("CURRENT").exists() {
        StoreError::Missing {
            dir: dir.to_path_buf(),
        }
    } else if files::is_damage(&text) {
        // CURRENT is there, so this is a store: a file it needs is corrupt or gone.
        files::damaged(dir, &text)
    } else {
        StoreError::Db(error)
    }
}

/// Descriptors for the column families `names` a store directory holds (RocksDB's default one
/// left out), sharing a block cache of `cache_bytes`.
pub(crate) fn held_cf_descriptors(
    names: Vec<String>,
    cache_bytes: usize,
) -> Vec<ColumnFamilyDescriptor> {
    let cache = rocksdb::Cache::new_lru_cache(cache_bytes);
    names
        .into_iter()
        .filter(|name| name != rocksdb::DEFAULT_COLUMN_FAMILY_NAME)
        .map(|name| {
            let opts = cf_options(&cache, &name);
            ColumnFamilyDescriptor::new(name, opts)
        })
        .collect()
}

/// Opens the RocksDB database of a store with every column family.
/// An existing store is opened with exactly the column families it holds (an older schema's
/// too, as RocksDB requires), so that opening never changes a store it then refuses; a new one
/// gets every column family of the current schema.
pub(crate) fn open_db(dir: &Path, read_only: bool, opts: &Options) -> Result<DB, StoreError> {
    let descriptors = match DB::list_cf(opts, dir) {
        Ok(names) => held_cf_descriptors(names, BLOCK_CACHE_BYTES),
        Err(_) => cf_descriptors(),
    };
    if read_only {
        DB::open_cf_descriptors_read_only(opts, dir, descriptors, false)
    } else {
        DB::open_cf_descriptors(opts, dir, descriptors)
    }
    .map_err(|e| map_open_error(dir, e))
}

/// Drops the column families no schema-2 code reads (left by a migration stopped after it
/// recorded schema 2).
fn drop_old_column_families(db: &mut DB, dir: &Path) -> Result<(), StoreError> {
    for name in DB::list_cf(&Options::default(), dir).unwrap_or_default() {
        if name != rocksdb::DEFAULT_COLUMN_FAMILY_NAME && !ALL_CFS.contains(&name.as_str()) {
            db.drop_cf(&name)?;
        }
    }
    Ok(())
}

impl Store {
    /// Creates a new store for `charter` in `dir`, which must not hold one yet.
    pub fn create(dir: &Path, charter: &Charter) -> Result<Store, StoreError> {
        charter.validate()?;
        if dir.join("CURRENT").exists() {
            return Err(StoreError::AlreadyExists {
                dir: dir.to_path_buf(),
            });
        }
        let mut opts = db_options();
        opts.create_if_missing(true);
        let db = DB::open_cf_descriptors(&opts, dir, cf_descriptors())
            .map_err(|e| map_open_error(dir, e))?;
        let meta = db
            .cf_handle(CF_META)
            .ok_or_else(|| StoreError::Corrupt("column family meta missing".into()))?;
        let mut batch = rocksdb::WriteBatch::default();
        batch.put_cf(meta, META_SCHEMA, SCHEMA_VERSION.to_be_bytes());
        batch.put_cf(meta, META_CHARTER, charter.canonical_bytes());
        let mut write = rocksdb::WriteOptions::default();
        write.set_sync(true);
        db.write_opt(batch, &write)?;
        drop(db);
        Store::open(dir)
    }

    /// Opens an existing store for writing. Fails with [`StoreError::Locked`] while another
    /// process has it open for writing.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Self::open_mode(dir, false)
    }

    /// Opens an existing store read-only: works beside a running node, sees the state as of now.
    pub fn open_read_only(dir: &Path) -> Result<Store, StoreError> {
        Self::open_mode(dir, true)
    }

    /// Opens a store read-only for `coalition verify`: as [`Store::open_read_only`], but a WAL
    /// damaged before its last record is an error ([`StoreError::Damaged`]) rather than replayed
    /// up to the damage (what a node does, so that it starts; sync refills what it dropped).
    pub fn open_for_check(dir: &Path) -> Result<Store, StoreError> {
        let mut opts = db_options();
        opts.set_wal_recovery_mode(rocksdb::DBRecoveryMode::TolerateCorruptedTailRecords);
        Self::open_with(dir, true, opts)
    }

    fn open_mode(dir: &Path, read_only: bool) -> Result<Store, StoreError> {
        Self::open_with(dir, read_only, db_options())
    }

    fn open_with(dir: &Path, read_only: bool, opts: Options) -> Result<Store, StoreError> {
        if !dir.join("CURRENT").exists() {
            return Err(StoreError::Missing {
                dir: dir.to_path_buf(),
            });
        }
        let mut db = open_db(dir, read_only, &opts)?;
        let meta = db
            .cf_handle(CF_META)
            .ok_or_else(|| StoreError::Corrupt("column family meta missing".into()))?;
        let schema = db
            .get_cf(meta, META_SCHEMA)?
            .and_then(|v| v.try_into().ok().map(u32::from_be_bytes))
            .ok_or_else(|| StoreError::Corrupt("no schema version recorded".into()))?;
        if schema > SCHEMA_VERSION {
            return Err(StoreError::SchemaTooNew {
                dir: dir.to_path_buf(),
                found: schema,
                supported: SCHEMA_VERSION,
            });
        }
        if schema < SCHEMA_VERSION {
            return Err(StoreError::NeedsMigration {
                dir: dir.to_path_buf(),
                found: schema,
                supported: SCHEMA_VERSION,
            });
        }
        if !read_only {
            drop_old_column_families(&mut db, dir)?;
        }
        let meta = db
            .cf_handle(CF_META)
            .ok_or_else(|| StoreError::Corrupt("column family meta missing".into()))?;
        let charter_bytes = db
            .get_cf(meta, META_CHARTER)?
            .ok_or_else(|| StoreError::Corrupt("no charter recorded".into()))?;
        let charter: Charter = codec::decode_canonical("charter", &charter_bytes, 64 * 1024)
            .map_err(|e| StoreError::Corrupt(format!("stored charter: {e}")))?;
        let store = Store {
            db: RwLock::new(Some(Db(Arc::new(db)))),
            needs_reopen: AtomicBool::new(false),
            dir: dir.to_path_buf(),
            roster: RwLock::new(Roster::empty(charter.network_id())),
            charter,
            read_only,
            frontier: RwLock::new(HashMap::new()),
            write_lock: Mutex::new(()),
            writers_waiting: std::sync::atomic::AtomicUsize::new(0),
            pending_purge: Mutex::new(Vec::new()),
            erasures_applied: std::sync::atomic::AtomicU64::new(0),
            erasure_marks: AtomicBool::new(true),
            batch_verification: AtomicBool::new(true),
            inactive: RwLock::new(HashSet::new()),
            high_water: Mutex::new(None),
        };
        store.load_state()?;
        store.check_missing_payloads_once()?;
        store.note_erasure_marks()?;
        Ok(store)
    }

    /// Loads what the store keeps in memory (roster, frontier, inactive ids) from the database.
    pub(crate) fn load_state(&self) -> Result<(), StoreError> {
        self.load_roster()?;
        self.load_frontier()?;
        self.load_inactive()
    }

    fn load_roster(&self) -> Result<(), StoreError> {
        let history = self.roster_history()?;
        let roster = Roster::from_history(&self.charter, &history)
            .map_err(|e| StoreError::Corrupt(format!("stored roster history: {e}")))?;
        *self.roster.write().unwrap_or_else(|p| p.into_inner()) = roster;
        Ok(())
    }

    fn load_frontier(&self) -> Result<(), StoreError> {
        let mut frontier = HashMap::new();
        let db = self.db()?;
        for item in db.iterator_cf(db.cf(CF_FRONTIER)?, rocksdb::IteratorMode::Start) {
            let (key, value) = item?;
            let author: [u8; 32] = key
                .as_ref()
                .try_into()
                .map_err(|_| StoreError::Corrupt("frontier key is not 32 bytes".into()))?;
            let head = split_frontier_value(&value)
                .ok_or_else(|| StoreError::Corrupt("frontier value is not 40 bytes".into()))?;
            frontier.insert(PublicKey(author), head);
        }
        *self.frontier.write().unwrap_or_else(|p| p.into_inner()) = frontier;
        Ok(())
    }

    fn load_inactive(&self) -> Result<(), StoreError> {
        let mut inactive = HashSet::new();
        let db = self.db()?;
        for item in db.iterator_cf(db.cf(CF_STATUS)?, rocksdb::IteratorMode::Start) {
            let (key, _) = item?;
            let id: [u8; 32] = key
                .as_ref()
                .try_into()
                .map_err(|_| StoreError::Corrupt("status key is not 32 bytes".into()))?;
            inactive.insert(EntryId::from_raw(id));
        }
        *self.inactive.write().unwrap_or_else(|p| p.into_inner()) = inactive;
        Ok(())
    }

    /// Records ids whose status was just written durably.
    pub(crate) fn mark_inactive(&self, ids: impl IntoIterator<Item = EntryId>) {
        self.inactive
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .extend(ids);
    }

    /// The database handle for one call (see [`Db`]).
    pub(crate) fn db(&self) -> Result<Db, StoreError> {
        self.db
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| StoreError::Reopening {
                dir: self.dir.clone(),
            })
    }

    /// The store directory, as given to open.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The coalition's charter, recorded at creation and never changed.
    pub fn charter(&self) -> &Charter {
        &self.charter
    }

    /// The coalition's network id: the charter's hash, named by every entry it accepts.
    pub fn network_id(&self) -> EntryId {
        self.charter.network_id()
    }

    /// Turns batch signature verification in [`Store::ingest`] on (the default) or off (each
    /// signature checked alone). Both accept exactly the same entries; this exists to measure
    /// one against the other.
    pub fn set_batch_verification(&self, on: bool) {
        self.batch_verification.store(on, Ordering::Relaxed);
    }

    pub(crate) fn batch_verification(&self) -> bool {
        self.batch_verification.load(Ordering::Relaxed)
    }

    /// Whether the store was opened read-only (every write fails with [`StoreError::ReadOnly`]).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The current member list.
    pub fn roster(&self) -> Roster {
        self.roster
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The current roster version: the number of roster changes applied (0 before the first).
    pub fn roster_version(&self) -> u64 {
        self.roster
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .version
    }

    /// Every roster change, oldest first.
    pub fn roster_history(&self) -> Result<Vec<SignedRosterChange>, StoreError> {
        self.roster_history_from(1)
    }

    /// Roster changes from version `from` on.
    pub fn roster_history_from(&self, from: u64) -> Result<Vec<SignedRosterChange>, StoreError> {
        let mut out = Vec::new();
        let start = from.to_be_bytes();
        let db = self.db()?;
        for item in db.iterator_cf(
            db.cf(CF_ROSTER)?,
            rocksdb::IteratorMode::From(&start, rocksdb::Direction::Forward),
        ) {
            let (_, value) = item?;
            out.push(
                SignedRosterChange::decode(&value)
                    .map_err(|e| StoreError::Corrupt(format!("stored roster change: {e}")))?,
            );
        }
        Ok(out)
    }

    /// Every city's highest seq and its id.
    pub fn frontier(&self) -> ChainHeads {
        self.frontier
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// `author`'s highest seq held and that entry's id; `None` when none of its entries is held.
    pub fn head(&self, author: &PublicKey) -> Option<(u64, EntryId)> {
        self.frontier
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(author)
            .copied()
    }

    /// Number of entries held, from the frontier (logs are contiguous).
    pub fn entry_count(&self) -> u64 {
        self.frontier
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|(seq, _)| *seq)
            .sum()
    }

    /// Whether the entry `id` is held (with or without its payload).
    pub fn contains(&self, id: &EntryId) -> Result<bool, StoreError> {
        let db = self.db()?;
        let found = db.get_pinned_cf(db.cf(CF_IDS)?, id.0)?.is_some();
        Ok(found)
    }

    /// Every fork proof held.
    pub fn forks(&self) -> Result<Vec<ForkProof>, StoreError> {
        let mut out = Vec::new();
        let db = self.db()?;
        for item in db.iterator_cf(db.cf(CF_FORKS)?, rocksdb::IteratorMode::Start) {
            let (_, value) = item?;
            out.push(
                codec::decode_canonical("fork proof", &value, 4096)
                    .map_err(|e| StoreError::Corrupt(format!("stored fork proof: {e}")))?,
            );
        }
        Ok(out)
    }

    /// Bytes the block cache holds now (uncompressed blocks read from the store's files), for
    /// metrics and tests.
    pub fn block_cache_bytes(&self) -> Result<u64, StoreError> {
        let db = self.db()?;
        Ok(db
            .property_int_value_cf(db.cf(CF_ENTRIES)?, "rocksdb.block-cache-usage")?
            .unwrap_or(0))
    }

    /// Writes every memtable to disk, so that the next open need not replay the write-ahead log.
    /// Called when the store is dropped; safe to call at any time.
    pub fn flush(&self) -> Result<(), StoreError> {
        if self.read_only || self.needs_reopen.load(Ordering::Acquire) {
            return Ok(());
        }
        let db = self.db()?;
        for name in ALL_CFS {
            db.flush_cf(db.cf(name)?)?;
        }
        Ok(())
    }

    /// Waits until the store's background flushes and compactions are done, or `timeout` has
    /// passed: a store just filled in bulk compacts for a while, and a measurement or a disk-use
    /// figure taken meanwhile would count that work.
    pub fn settle(&self, timeout: std::time::Duration) -> Result<(), StoreError> {
        let db = self.db()?;
        let mut wait = rocksdb::WaitForCompactOptions::default();
        wait.set_timeout(timeout.as_micros().try_into().unwrap_or(u64::MAX));
        // A pause (never asked for by this crate) must not leave the caller waiting forever.
        wait.set_abort_on_pause(true);
        match db.wait_for_compact(&wait) {
            Ok(()) => Ok(()),
            // The timeout is an answer, not a failure: the store is still usable.
            Err(e) if e.kind() == rocksdb::ErrorKind::TimedOut => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes a consistent copy of the store to `target` (a RocksDB checkpoint: hard links where
    /// possible), usable as a backup and openable as a store.
    pub fn checkpoint(&self, target: &Path) -> Result<(), StoreError> {
        let db = self.db()?;
        db.flush_wal(true)?;
        rocksdb::checkpoint::Checkpoint::new(&db)?.create_checkpoint(target)?;
        Ok(())
    }

    /// A backup: a checkpoint (see [`Store::checkpoint`]) with a copy of the attached high-water
    /// file, so a restore knows what the city had signed. Works on the store a node runs with.
    pub fn backup(&self, target: &Path) -> Result<(), StoreError> {
        self.checkpoint(target)?;
        let mark = self
            .high_water
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|m| m.path.clone());
        if let Some(path) = mark.filter(|p| p.exists()) {
            let copy = target.join(HIGH_WATER_FILE);
            std::fs::copy(&path, &copy)
                .and_then(|_| std::fs::File::open(&copy)?.sync_all())
                .map_err(|e| StoreError::HighWater {
                    path: copy.clone(),
                    detail: format!("cannot copy it into the backup: {e}"),
                })?;
        }
        Ok(())
    }
}
