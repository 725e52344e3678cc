//! The store's files as RocksDB keeps them: telling damage (a corrupt or missing SST, MANIFEST or
//! WAL) from a directory that holds no store, and reading every byte back with checksums on.

use crate::layout::ALL_CFS;
use crate::{Store, StoreError};
use serde::Serialize;
use std::path::Path;

/// Which part of the store an error message points at.
pub(crate) fn damaged_part(text: &str) -> &'static str {
    if text.contains(".sst") {
        "a table file (SST)"
    } else if text.contains("MANIFEST") {
        "the MANIFEST (the list of the store's files)"
    } else if text.contains(".log") || text.contains("WAL") || text.contains("log record") {
        "the write-ahead log (WAL)"
    } else if text.contains("CURRENT") {
        "the CURRENT file"
    } else {
        "a store file"
    }
}

/// Whether a RocksDB error means damaged or missing store files (as opposed to a lock or an
/// absent store).
pub(crate) fn is_damage(text: &str) -> bool {
    text.contains("Corruption")
        || text.contains(".sst")
        || text.contains("MANIFEST")
        || text.contains("checksum")
        || text.contains("No such file")
        || text.contains("does not exist")
}

pub(crate) fn damaged(dir: &Path, text: &str) -> StoreError {
    StoreError::Damaged {
        dir: dir.to_path_buf(),
        part: damaged_part(text),
        detail: text.to_string(),
    }
}

/// One unreadable part of the store, found by [`Store::check_files`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileProblem {
    /// The column family being read.
    pub column_family: String,
    /// SST, MANIFEST, WAL or another file, in words.
    pub part: String,
    /// RocksDB's message (names the file and offset when it can).
    pub detail: String,
}

impl Store {
    /// Reads every key and value of every column family with block checksums verified and
    /// without filling the cache, and returns what could not be read.
    pub fn check_files(&self) -> Result<Vec<FileProblem>, StoreError> {
        let db = self.db()?;
        let mut problems = Vec::new();
        for name in ALL_CFS {
            let mut read = rocksdb::ReadOptions::default();
            read.set_verify_checksums(true);
            read.fill_cache(false);
            for item in db.iterator_cf_opt(db.cf(name)?, read, rocksdb::IteratorMode::Start) {
                if let Err(e) = item {
                    let text = e.to_string();
                    problems.push(FileProblem {
                        column_family: name.to_string(),
                        part: damaged_part(&text).to_string(),
                        detail: text,
                    });
                    break;
                }
            }
        }
        Ok(problems)
    }
}
