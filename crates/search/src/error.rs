//! The error type of the search index.

use std::path::PathBuf;

/// What can go wrong while opening, updating or querying the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy refused an operation (I/O below the index, a corrupt segment, a busy lock…).
    #[error("search index: {0}")]
    Index(Box<tantivy::TantivyError>),
    /// The index directory could not be created, opened or cleared.
    #[error("search index directory {dir}: {detail}")]
    Directory {
        /// The index directory.
        dir: PathBuf,
        /// What failed, from the I/O error.
        detail: String,
    },
    /// A data file (the judged set, a thesaurus) could not be read or broke a rule.
    #[error("{file}: {detail}")]
    Data {
        /// The data file's path or name.
        file: String,
        /// The rule broken or the read that failed.
        detail: String,
    },
    /// Reading entries from the store failed.
    #[error("reading the store for the search index: {0}")]
    Store(#[from] coalition_store::StoreError),
}

impl From<tantivy::TantivyError> for SearchError {
    fn from(error: tantivy::TantivyError) -> Self {
        SearchError::Index(Box::new(error))
    }
}
