//! Store errors: what went wrong with the data directory, in words an operator can act on.

use coalition_record::RecordError;
use std::path::PathBuf;

/// Why a store operation failed. The messages are for operators: each names the directory or
/// file and what to do; the API maps variants to HTTP statuses (crates/api/src/error.rs).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds RocksDB's `LOCK` file: only one process opens a store for writing.
    #[error("{dir} is locked by another coalition process (a running node?). Stop it first, or use a read-only command (show, log, search, verify) beside it")]
    Locked {
        /// The store directory.
        dir: PathBuf,
    },
    /// The directory holds no store (no RocksDB `CURRENT` file) or does not exist.
    #[error("{dir} holds no coalition store; create one with `coalition init`")]
    Missing {
        /// The directory that was to hold the store.
        dir: PathBuf,
    },
    /// [`Store::create`](crate::Store::create) on a directory that already holds a store.
    #[error("{dir} already holds a coalition store; refusing to overwrite it")]
    AlreadyExists {
        /// The store directory.
        dir: PathBuf,
    },
    /// The store records a schema newer than this build's; opening it changes nothing.
    #[error("{dir} was written by a newer version of coalition (store schema {found}, this build reads up to {supported}); upgrade the coalition binary")]
    SchemaTooNew {
        /// The store directory.
        dir: PathBuf,
        /// The schema version recorded in the store's meta column family.
        found: u32,
        /// [`SCHEMA_VERSION`](crate::layout::SCHEMA_VERSION), the only one this build opens.
        supported: u32,
    },
    /// The store records an older schema: [`Store::migrate`](crate::Store::migrate) rewrites it.
    #[error("{dir} holds a store of schema {found}; this build uses schema {supported}. Stop the node and run `coalition migrate` (it takes a backup first, can be resumed if stopped, and verifies the result; docs/OPERATIONS.md, \"Upgrading the store\")")]
    NeedsMigration {
        /// The store directory.
        dir: PathBuf,
        /// The schema version recorded in the store (below `supported`).
        found: u32,
        /// [`SCHEMA_VERSION`](crate::layout::SCHEMA_VERSION).
        supported: u32,
    },
    /// A migration's backup directory already exists; a migration never writes over one.
    #[error("{path} exists: a migration writes its backup of the old store there and never over another; move it away or give another backup directory")]
    MigrateBackupExists {
        /// The backup directory the migration was to create.
        path: PathBuf,
    },
    /// Opening found a file the store needs (SST, MANIFEST, WAL, CURRENT) corrupt or missing.
    #[error("the store in {dir} is damaged: {part} is corrupt or missing ({detail}). Stop the node and restore a backup with `coalition restore --from BACKUP`, or move {dir} aside and start from an empty store so sync fetches every log back from peers (docs/OPERATIONS.md, \"Damaged store\")")]
    Damaged {
        /// The store directory.
        dir: PathBuf,
        /// Which kind of file, in words ("a table file (SST)", "the write-ahead log (WAL)", …).
        part: &'static str,
        /// RocksDB's own message.
        detail: String,
    },
    /// A stored value does not decode or a column family is missing: what was read, and how it
    /// was wrong.
    #[error("the store is damaged: {0}; run `coalition verify` for details, or restore a backup")]
    Corrupt(String),
    /// A write on a store opened with [`Store::open_read_only`](crate::Store::open_read_only) or
    /// [`Store::open_for_check`](crate::Store::open_for_check).
    #[error(
        "the store is open read-only; this command needs the node stopped or must go through it"
    )]
    ReadOnly,
    /// A local publish while the store holds fewer of the city's entries than the high-water
    /// mark says it signed (see [`high_water`](crate::high_water)): signing again would fork.
    #[error("this store is behind what this city has already signed (seq {signed}, store has {stored}); publishing resumes once the node has synced the city's own entries back from a peer; see docs/OPERATIONS.md")]
    BehindSigned {
        /// The highest seq the city is known to have signed (the file or a peer).
        signed: u64,
        /// The city's highest seq in the store (0 when it has none).
        stored: u64,
    },
    /// A local publish while the publish-hold file is present: a restore without the high-water
    /// file waits for a completed sync (see [`crate::high_water::hold_until_first_sync`]).
    #[error("publishing is held: this node was restored without its own record of what the city signed, so it waits until a sync session with a peer has completed (run the node with its peers; `coalition status` says when); see docs/OPERATIONS.md")]
    AwaitingFirstSync,
    /// The high-water file could not be read, written or trusted (wrong city, bad signature).
    #[error(
        "the high-water file {path} (what this city has signed): {detail}; see docs/OPERATIONS.md"
    )]
    HighWater {
        /// The high-water file (or its copy in a backup).
        path: PathBuf,
        /// What went wrong with it.
        detail: String,
    },
    /// A local publish broke a rule this node checks before signing (not a record rule).
    #[error("{field}: {message}")]
    PublishRule {
        /// The payload field at fault, as a dotted path (`report.cycle`).
        field: &'static str,
        /// The rule's stable snake_case name (`unknown_cycle`): the API returns it as is.
        rule: &'static str,
        /// What is wrong and what to do, for a person.
        message: String,
    },
    /// The store write of a signed local publish failed; the entries are kept in the
    /// high-water mark and stored by the next publish, so they may yet appear.
    #[error("the store could not write ({0}); the document may or may not be stored: once the cause is fixed, publish again: publishing is idempotent")]
    WriteUncertain(Box<StoreError>),
    /// A write failed for lack of space. Nothing is lost; the store takes writes again (without a
    /// restart) once space is freed.
    #[error("the disk holding the store in {dir} is full ({detail}); free space there: the store takes writes again without a restart")]
    DiskFull {
        /// The store directory, on the disk to free space on.
        dir: PathBuf,
        /// RocksDB's own message.
        detail: String,
    },
    /// The database could not be reopened after a failed write; the next write tries again.
    #[error("the store in {dir} is being reopened after a failed write (a full disk?); free space there and try again")]
    Reopening {
        /// The store directory.
        dir: PathBuf,
    },
    /// A record rule broke (decoding, a signature, the charter): the record crate's error as is.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// Any other RocksDB failure.
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
