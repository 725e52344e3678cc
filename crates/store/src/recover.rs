//! Recovery from a failed write without a restart. After a write to the write-ahead log fails (a
//! full disk), RocksDB keeps a background error and refuses every later write, and the Rust
//! binding has no `Resume()`. So the store reopens its database in-process before the next write:
//! the old handle is dropped, the same options and column families are opened again (replaying
//! the WAL, so nothing acknowledged is lost) and the in-memory state is reloaded as `open` does.

use crate::write::SortedWrite;
use crate::{db_options, open_db, Db, Store, StoreError};
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::time::{Duration, Instant};

/// How long a reopen waits for reads in flight to let go of the old handle.
const READERS_WAIT: Duration = Duration::from_secs(10);

/// Whether a RocksDB error says the disk is full.
fn is_no_space(text: &str) -> bool {
    text.contains("No space left on device") || text.contains("NoSpace")
}

impl Store {
    /// Takes the write lock for a write, reopening the database first when an earlier write left
    /// it refusing writes.
    pub(crate) fn lock_for_write(&self) -> Result<MutexGuard<'_, ()>, StoreError> {
        self.writable()?;
        self.writers_waiting.fetch_add(1, Ordering::AcqRel);
        let guard = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        self.writers_waiting.fetch_sub(1, Ordering::AcqRel);
        if self.needs_reopen.load(Ordering::Acquire) {
            self.reopen()?;
        }
        Ok(guard)
    }

    /// Whether another write is waiting for the one under way to release the store: a stream
    /// of batches (a catch-up) ends at its next batch so that a local publish is not held for
    /// the rest of the stream.
    pub fn writer_waiting(&self) -> bool {
        self.writers_waiting.load(Ordering::Acquire) > 0
    }

    /// Writes `ops` as one `WriteBatch` (sorted: `write.rs`) and syncs the WAL. A failure that
    /// RocksDB keeps sticky (an I/O error) makes the next write reopen the database; a full disk
    /// is reported as such.
    pub(crate) fn sync_write(&self, ops: SortedWrite) -> Result<(), StoreError> {
        match self.write_ops(ops, true) {
            Ok(()) => {
                self.purge_queued();
                Ok(())
            }
            Err(error) => {
                // Nothing of this write is durable: neither are its erasures.
                self.forget_queued_purges();
                Err(error)
            }
        }
    }

    /// Writes `ops` as one `WriteBatch` without waiting for the WAL sync: readable at once,
    /// durable only after a later [`Store::sync_wal`] returns (or a later synced write). Only
    /// for a write whose outcomes are reported after that sync (`pipeline.rs`), and never for
    /// one that queued erasure purges: a payload is deleted only once its erasure is durable.
    pub(crate) fn unsynced_write(&self, ops: SortedWrite) -> Result<(), StoreError> {
        debug_assert!(!self.purge_waiting(), "an erasure's write must be synced");
        self.write_ops(ops, false)
    }

    /// Syncs the WAL: every write made before the call is durable when it returns. Safe while
    /// other writes go on (RocksDB syncs what was appended before, outside its write mutex).
    pub(crate) fn sync_wal(&self) -> Result<(), StoreError> {
        let db = self.db()?;
        db.flush_wal(true).map_err(|error| self.write_failed(error))
    }

    fn write_ops(&self, ops: SortedWrite, sync: bool) -> Result<(), StoreError> {
        let mut write = rocksdb::WriteOptions::default();
        write.set_sync(sync);
        self.db().and_then(|db| {
            let batch = ops.into_batch(&db)?;
            db.write_opt(batch, &write)
                .map_err(|error| self.write_failed(error))
        })
    }

    /// Makes the next write reopen the database first (see the module doc): after a failure
    /// that may leave the database and the in-memory state apart.
    pub(crate) fn reopen_before_next_write(&self) {
        self.needs_reopen.store(true, Ordering::Release);
    }

    /// Classifies a failed write and arranges the reopen.
    pub(crate) fn write_failed(&self, error: rocksdb::Error) -> StoreError {
        let text = error.to_string();
        if error.kind() == rocksdb::ErrorKind::IOError || is_no_space(&text) {
            self.reopen_before_next_write();
        }
        if is_no_space(&text) {
            StoreError::DiskFull {
                dir: self.dir.clone(),
                detail: text,
            }
        } else {
            StoreError::Db(error)
        }
    }

    /// Drops the database handle and opens it again. Caller holds the write lock.
    fn reopen(&self) -> Result<(), StoreError> {
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        if let Some(Db(mut handle)) = slot.take() {
            // RocksDB allows one open per directory and process: the old handle must be gone
            // first. Reads hold a clone for one call only.
            let deadline = Instant::now() + READERS_WAIT;
            loop {
                match Arc::try_unwrap(handle) {
                    Ok(db) => {
                        drop(db);
                        break;
                    }
                    Err(shared) if Instant::now() < deadline => {
                        handle = shared;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(shared) => {
                        *slot = Some(Db(shared));
                        return Err(StoreError::Reopening {
                            dir: self.dir.clone(),
                        });
                    }
                }
            }
        }
        match open_db(&self.dir, false, &db_options()) {
            Ok(db) => {
                *slot = Some(Db(Arc::new(db)));
                drop(slot);
                self.needs_reopen.store(false, Ordering::Release);
                self.load_state()?;
                tracing::info!(dir = %self.dir.display(), "the store was reopened after a failed write and takes writes again");
                Ok(())
            }
            Err(error) => {
                // Reads go on from a read-only handle (it writes nothing) until a later write
                // manages to reopen for writing.
                if let Ok(db) = open_db(&self.dir, true, &db_options()) {
                    *slot = Some(Db(Arc::new(db)));
                }
                let text = error.to_string();
                Err(if is_no_space(&text) {
                    StoreError::DiskFull {
                        dir: self.dir.clone(),
                        detail: text,
                    }
                } else {
                    error
                })
            }
        }
    }
}
