//! Opening the search index, which is derived from the store: a damaged or unreadable index is
//! moved aside (to `search.damaged/`, replacing an older one) and rebuilt from the store with a
//! warning, so that it never stops the node or `reindex`. A busy index (another process holds
//! it) is not damage and is reported as such ([`Busy`]).
//!
//! Opening does not fill the index: the index records the store position it has applied, and
//! [`SearchIndex::catch_up`] applies what it lacks (everything, for a new or repaired index). The
//! running node leaves that to its [`coalition_search::Indexer`]; the CLI catches up itself
//! ([`open_caught_up`]).

use anyhow::{Context, Result};
use coalition_search::{SearchIndex, SearchQuery};
use coalition_store::Store;
use std::path::{Path, PathBuf};

/// Another process (a running node, another command) holds the search index.
#[derive(Debug)]
pub(crate) struct Busy(pub PathBuf);

impl std::fmt::Display for Busy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the search index in {} is in use by another process (a running node?); stop it first, or let the running node keep its index up to date",
            self.0.display()
        )
    }
}

impl std::error::Error for Busy {}

/// tantivy's words for a lock another process holds.
fn is_busy(error: &coalition_search::SearchError) -> bool {
    error.to_string().contains("Failed to acquire Lockfile")
}

/// Reads from the index once, so damage that opening does not see shows now. A panic inside
/// tantivy on garbled bytes counts as damage too.
fn probe(index: &SearchIndex) -> Result<(), String> {
    let query = SearchQuery {
        text: Some("probe".into()),
        limit: 1,
        ..Default::default()
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| index.search(&query))) {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("reading the index panicked".into()),
    }
}

fn aside_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".damaged");
    path.with_file_name(name)
}

/// Moves the damaged index out of the way (keeping the latest one for inspection).
fn move_aside(path: &Path) -> Result<PathBuf> {
    let aside = aside_path(path);
    if aside.exists() {
        std::fs::remove_dir_all(&aside)
            .with_context(|| format!("cannot remove the older {}", aside.display()))?;
    }
    std::fs::rename(path, &aside).with_context(|| {
        format!(
            "the search index in {} is damaged and cannot be moved aside to {}; delete it by hand, then start again",
            path.display(),
            aside.display()
        )
    })?;
    Ok(aside)
}

/// What [`open`] did.
pub(crate) struct Opened {
    pub index: SearchIndex,
    /// The index was damaged and has been replaced.
    pub repaired: bool,
    /// Documents written, when `always_rebuild` rebuilt it.
    pub rebuilt: Option<u64>,
}

/// Opens the index in `path`, repairing it if it is damaged (empty: a catch-up fills it); when
/// `always_rebuild`, rebuilds it from `store` at once.
pub(crate) fn open(path: &Path, store: &Store, always_rebuild: bool) -> Result<Opened> {
    let damage = match SearchIndex::open_or_create(path) {
        Ok(index) => match probe(&index) {
            Ok(()) => Ok(index),
            Err(why) => Err(why),
        },
        Err(e) if is_busy(&e) => return Err(Busy(path.to_path_buf()).into()),
        Err(e) => Err(e.to_string()),
    };
    let (index, repaired) = match damage {
        Ok(index) => (index, false),
        Err(why) => {
            let aside = move_aside(path)?;
            tracing::warn!(
                index = %path.display(),
                moved_to = %aside.display(),
                reason = %why,
                "the search index is damaged; moved it aside and rebuilding it from the store"
            );
            let index = SearchIndex::open_or_create(path).with_context(|| {
                format!("cannot create a new search index in {}", path.display())
            })?;
            (index, true)
        }
    };
    let mut rebuilt = None;
    if always_rebuild {
        tracing::info!(entries = store.entry_count(), "building the search index");
        rebuilt = Some(index.rebuild(store, |done, total| {
            if done % 5000 == 0 && done > 0 {
                tracing::info!(done, total, "indexing");
            }
        })?);
    }
    Ok(Opened {
        index,
        repaired,
        rebuilt,
    })
}

/// Opens the index (with repair) and applies what it lacks against `store`, for a command that
/// runs without a node. [`Busy`] when a node holds it.
pub(crate) fn open_caught_up(path: &Path, store: &Store) -> Result<SearchIndex> {
    let opened = open(path, store, false)?;
    let lacking = opened
        .index
        .applied()
        .map_or(store.entry_count(), |a| a.behind(&store.frontier()));
    if lacking > 1000 {
        eprintln!("bringing the search index up to date ({lacking} entries)…");
    }
    opened
        .index
        .catch_up(store, &|| false)
        .context("cannot bring the search index up to date with the store")?;
    Ok(opened.index)
}
