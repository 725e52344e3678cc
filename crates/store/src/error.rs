//! Store errors: what went wrong with the data directory, in words an operator can act on.

use coalition_record::RecordError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{dir} is locked by another coalition process (a running node?). Stop it first, or use a read-only command (show, log, search, verify) beside it")]
    Locked { dir: PathBuf },
    #[error("{dir} holds no coalition store; create one with `coalition init`")]
    Missing { dir: PathBuf },
    #[error("{dir} already holds a coalition store; refusing to overwrite it")]
    AlreadyExists { dir: PathBuf },
    #[error("{dir} was written by a newer version of coalition (store schema {found}, this build reads up to {supported}); upgrade the coalition binary")]
    SchemaTooNew {
        dir: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("the store is damaged: {0}; run `coalition verify` for details, or restore a backup")]
    Corrupt(String),
    #[error(
        "the store is open read-only; this command needs the node stopped or must go through it"
    )]
    ReadOnly,
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("RocksDB: {0}")]
    Db(#[from] rocksdb::Error),
}
