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
    #[error("{dir} holds a store of schema {found}; this build uses schema {supported}. Stop the node and run `coalition migrate` (it takes a backup first, can be resumed if stopped, and verifies the result; docs/OPERATIONS.md, \"Upgrading the store\")")]
    NeedsMigration {
        dir: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path} exists: a migration writes its backup of the old store there and never over another; move it away or give another backup directory")]
    MigrateBackupExists { path: PathBuf },
    #[error("the store in {dir} is damaged: {part} is corrupt or missing ({detail}). Stop the node and restore a backup with `coalition restore --from BACKUP`, or move {dir} aside and start from an empty store so sync fetches every log back from peers (docs/OPERATIONS.md, \"Damaged store\")")]
    Damaged {
        dir: PathBuf,
        part: &'static str,
        detail: String,
    },
    #[error("the store is damaged: {0}; run `coalition verify` for details, or restore a backup")]
    Corrupt(String),
    #[error(
        "the store is open read-only; this command needs the node stopped or must go through it"
    )]
    ReadOnly,
    #[error("this store is behind what this city has already signed (seq {signed}, store has {stored}); publishing resumes once the node has synced the city's own entries back from a peer; see docs/OPERATIONS.md")]
    BehindSigned { signed: u64, stored: u64 },
    #[error("publishing is held: this node was restored without its own record of what the city signed, so it waits until a sync session with a peer has completed (run the node with its peers; `coalition status` says when); see docs/OPERATIONS.md")]
    AwaitingFirstSync,
    #[error(
        "the high-water file {path} (what this city has signed): {detail}; see docs/OPERATIONS.md"
    )]
    HighWater { path: PathBuf, detail: String },
    /// A local publish broke a rule this node checks before signing (not a record rule).
    #[error("{field}: {message}")]
    PublishRule {
        field: &'static str,
        rule: &'static str,
        message: String,
    },
    /// The store write of a signed local publish failed; the entries are kept in the
    /// high-water mark and stored by the next publish, so they may yet appear.
    #[error("the store could not write ({0}); the document may or may not be stored: once the cause is fixed, publish again: publishing is idempotent")]
    WriteUncertain(Box<StoreError>),
    /// A write failed for lack of space. Nothing is lost; the store takes writes again (without a
    /// restart) once space is freed.
    #[error("the disk holding the store in {dir} is full ({detail}); free space there: the store takes writes again without a restart")]
    DiskFull { dir: PathBuf, detail: String },
    /// The database could not be reopened after a failed write; the next write tries again.
    #[error("the store in {dir} is being reopened after a failed write (a full disk?); free space there and try again")]
    Reopening { dir: PathBuf },
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("RocksDB: {0}")]
    Db(#[from] rocksdb::Error),
}

impl StoreError {
    /// Whether the failure is a full disk (directly, or under an uncertain write).
    pub fn is_disk_full(&self) -> bool {
        match self {
            StoreError::DiskFull { .. } | StoreError::Reopening { .. } => true,
            StoreError::WriteUncertain(inner) => inner.is_disk_full(),
            _ => false,
        }
    }
}

/// A publish-time rule broken: refused before anything is signed.
pub(crate) fn refuse(
    field: &'static str,
    rule: &'static str,
    message: String,
) -> Result<(), StoreError> {
    Err(refusal(field, rule, message))
}

/// The error of a publish rule: the field, the rule's name and what to do.
pub(crate) fn refusal(field: &'static str, rule: &'static str, message: String) -> StoreError {
    StoreError::PublishRule {
        field,
        rule,
        message,
    }
}
