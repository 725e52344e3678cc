//! The high-water mark: what this city has already signed, kept apart from the RocksDB store so
//! that a store that went back in time (a restored backup, a lost WAL tail, a truncated MANIFEST)
//! can never make the city sign a second entry at a seq it already used.
//!
//! The file holds the entries of the city's last local append (entry bytes and payload: they are
//! self-verifying). It is written atomically and fsynced *before* the store append, so after a
//! crash between the two writes the store is exactly those entries behind and takes them from
//! the file at open. A store further behind is held for publishing until sync has brought the
//! city's own entries back. Peers can raise the mark too ([`crate::Store::raise_high_water`]), for
//! when the file itself was lost.

use crate::{Store, StoreError};
use coalition_record::{codec, PublicKey, SignedEntry, WireEntry};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the high-water mark in a node's data directory.
pub const HIGH_WATER_FILE: &str = "high-water";

/// File name, beside the high-water file, of the hold a restore without this city's own mark
/// leaves (a new machine, or a lost file): nothing here knows what the city signed after the
/// backup, so publishing waits until a sync session with a peer has completed.
pub const PUBLISH_HOLD_FILE: &str = "publish-hold";

/// Upper bound on the file's size (a batch publish of many large documents).
const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct FileBody {
    version: u8,
    entries: Vec<WireEntry>,
}

/// What the file says: the city's last signed entries, highest seq last.
#[derive(Debug, Clone, Default)]
pub struct SignedHead {
    /// Seq of the last entry this city signed (0: none recorded).
    pub seq: u64,
    /// The entries of the last local append, oldest first.
    pub entries: Vec<WireEntry>,
}

/// Reads the high-water file at `path`. `Ok(None)` when there is none. Every entry must decode,
/// carry a valid signature by `city`, and the seqs must be consecutive.
pub fn read_file(path: &Path, city: &PublicKey) -> Result<Option<SignedHead>, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(file_error(path, format!("cannot read it: {e}"))),
    };
    let body: FileBody = codec::decode_canonical("high-water file", &bytes, MAX_FILE_BYTES)
        .map_err(|e| file_error(path, format!("it does not decode: {e}")))?;
    let mut seq = 0;
    for wire in &body.entries {
        let entry = SignedEntry::decode(&wire.entry)
            .map_err(|e| file_error(path, format!("an entry does not decode: {e}")))?;
        entry
            .verify_signature()
            .map_err(|e| file_error(path, format!("an entry's signature fails: {e}")))?;
        if entry.header.author != *city {
            return Err(file_error(
                path,
                format!(
                    "it holds an entry by {}, not by this city {city}",
                    entry.header.author
                ),
            ));
        }
        if seq != 0 && entry.header.seq != seq + 1 {
            return Err(file_error(path, "its entries are not consecutive".into()));
        }
        seq = entry.header.seq;
    }
    Ok(Some(SignedHead {
        seq,
        entries: body.entries,
    }))
}

/// Writes `entries` to `path` atomically (temporary file, fsync, rename, fsync of the directory).
pub fn write_file(path: &Path, entries: &[WireEntry]) -> Result<(), StoreError> {
    let body = FileBody {
        version: 1,
        entries: entries.to_vec(),
    };
    let bytes = codec::encode(&body);
    let tmp = path.with_extension("tmp");
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        if let Some(parent) = path.parent() {
            std::fs::File::open(parent)?.sync_all()?;
        }
        Ok(())
    })();
    result.map_err(|e| file_error(path, format!("cannot write it: {e}")))
}

fn file_error(path: &Path, detail: String) -> StoreError {
    StoreError::HighWater {
        path: path.to_path_buf(),
        detail,
    }
}

/// The mark as the store keeps it while attached.
#[derive(Debug)]
pub(crate) struct HighWater {
    pub path: PathBuf,
    pub city: PublicKey,
    /// The file's content.
    pub head: SignedHead,
    /// The highest seq of this city a peer has shown.
    pub reported: u64,
    /// The hold file, while publishing waits for a first completed sync (see
    /// [`PUBLISH_HOLD_FILE`]).
    pub hold: Option<PathBuf>,
}

impl HighWater {
    pub(crate) fn floor(&self) -> u64 {
        self.head.seq.max(self.reported)
    }
}

/// How the store stands against the high-water mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HighWaterStatus {
    /// The highest seq this city is known to have signed (file or peers).
    pub signed: u64,
    /// The city's head in the store.
    pub stored: u64,
    /// Entries taken from the file into the store (a crash between the two writes).
    pub recovered: usize,
    /// Publishing waits for a first completed sync with a peer (a restore without the city's
    /// own high-water mark).
    pub awaiting_first_sync: bool,
}

impl HighWaterStatus {
    /// Whether the store holds everything this city is known to have signed, so publishing may
    /// go on.
    pub fn can_publish(&self) -> bool {
        self.stored >= self.signed && !self.awaiting_first_sync
    }
}

/// Holds publishing for the city whose high-water file is `high_water_path` until the node has
/// completed a sync session with a peer: written by a restore that has no mark of the city's own.
pub fn hold_until_first_sync(high_water_path: &Path) -> Result<(), StoreError> {
    let path = high_water_path.with_file_name(PUBLISH_HOLD_FILE);
    let text = "Publishing is held: this node was restored without its own record of what the city signed. It resumes once a sync session with a peer has completed (docs/OPERATIONS.md).\n";
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&path)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if let Some(parent) = path.parent() {
            std::fs::File::open(parent)?.sync_all()?;
        }
        Ok(())
    })();
    result.map_err(|e| file_error(&path, format!("cannot write it: {e}")))
}

impl Store {
    /// Attaches the high-water file at `path` for `city` (the node's own city): from now on
    /// [`Store::append_local`] by `city` writes the file before the store and refuses while the
    /// store is behind it. Entries in the file that extend the store's head are ingested (a crash
    /// between the two writes). A missing file is created from the store's head.
    pub fn attach_high_water(
        &self,
        path: &Path,
        city: &PublicKey,
    ) -> Result<HighWaterStatus, StoreError> {
        let _guard = self.lock_for_write()?;
        let head = match read_file(path, city)? {
            Some(head) => head,
            None => {
                let entries: Vec<WireEntry> = match self.head(city) {
                    Some((seq, _)) => self
                        .entry_at(city, seq)?
                        .map(|e| vec![e.to_wire()])
                        .unwrap_or_default(),
                    None => Vec::new(),
                };
                write_file(path, &entries)?;
                read_file(path, city)?.unwrap_or_default()
            }
        };
        let hold = Some(path.with_file_name(PUBLISH_HOLD_FILE)).filter(|p| p.exists());
        let mut mark = HighWater {
            path: path.to_path_buf(),
            city: *city,
            head,
            reported: 0,
            hold,
        };
        let recovered = self.catch_up_from_file(&mut mark)?;
        let status = HighWaterStatus {
            signed: mark.floor(),
            stored: self.head(city).map_or(0, |(s, _)| s),
            recovered,
            awaiting_first_sync: mark.hold.is_some(),
        };
        *self.high_water.lock().unwrap_or_else(|p| p.into_inner()) = Some(mark);
        Ok(status)
    }

    /// Records that a peer holds an entry of `city` at `seq`. When `city` is the attached city
    /// and `seq` is beyond the store's head, publishing is held until sync brings the store
    /// there. Call it only with a seq proven by an entry with a valid signature by `city`, or a
    /// peer could hold this city's publishing. Returns whether the mark rose.
    pub fn raise_high_water(&self, city: &PublicKey, seq: u64) -> bool {
        let mut mark = self.high_water.lock().unwrap_or_else(|p| p.into_inner());
        match mark.as_mut() {
            Some(m) if m.city == *city && seq > m.reported => {
                m.reported = seq;
                true
            }
            _ => false,
        }
    }

    /// The store against the attached high-water mark; `None` when none is attached.
    pub fn high_water_status(&self) -> Option<HighWaterStatus> {
        let mark = self.high_water.lock().unwrap_or_else(|p| p.into_inner());
        mark.as_ref().map(|m| HighWaterStatus {
            signed: m.floor(),
            stored: self.head(&m.city).map_or(0, |(s, _)| s),
            recovered: 0,
            awaiting_first_sync: m.hold.is_some(),
        })
    }

    /// The network completed a sync session with a peer: this store now holds everything that
    /// peer holds, this city's own entries included, so a hold left by a restore
    /// ([`hold_until_first_sync`]) is lifted. Returns whether it was.
    pub fn first_sync_completed(&self) -> bool {
        let mut mark = self.high_water.lock().unwrap_or_else(|p| p.into_inner());
        let Some(hold) = mark.as_mut().and_then(|m| m.hold.take()) else {
            return false;
        };
        if let Err(e) = std::fs::remove_file(&hold) {
            if e.kind() != std::io::ErrorKind::NotFound {
                // Lifted for this run; the next start holds again until a sync completes.
                tracing::warn!(file = %hold.display(), error = %e, "cannot remove the publish hold file");
            }
        }
        tracing::info!("a sync session with a peer completed: publishing resumes");
        true
    }

    /// Ingests the file's entries that extend the store's head of the city. Caller holds the
    /// write lock.
    pub(crate) fn catch_up_from_file(&self, mark: &mut HighWater) -> Result<usize, StoreError> {
        let have = self.head(&mark.city).map_or(0, |(s, _)| s);
        let first = mark.head.seq + 1 - mark.head.entries.len() as u64;
        if mark.head.entries.is_empty() || have >= mark.head.seq || have + 1 < first {
            return Ok(0);
        }
        let skip = (have + 1 - first) as usize;
        let missing = mark.head.entries[skip..].to_vec();
        let outcomes = self.ingest_locked(missing)?;
        let stored = outcomes.iter().filter(|o| o.is_stored()).count();
        if stored > 0 {
            tracing::warn!(
                stored,
                "took this city's last signed entries from the high-water file into the store (the node stopped between the two writes)"
            );
        }
        Ok(stored)
    }

    /// Before a local append by `author`: refuses while the store is behind what the city
    /// signed, after taking from the file what extends the store. Caller holds the write lock.
    pub(crate) fn check_high_water(&self, author: &PublicKey) -> Result<(), StoreError> {
        let mut guard = self.high_water.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mark) = guard.as_mut().filter(|m| m.city == *author) else {
            return Ok(());
        };
        if mark.hold.is_some() {
            return Err(StoreError::AwaitingFirstSync);
        }
        let stored = self.head(author).map_or(0, |(s, _)| s);
        if stored >= mark.floor() {
            return Ok(());
        }
        self.catch_up_from_file(mark)?;
        let stored = self.head(author).map_or(0, |(s, _)| s);
        if stored >= mark.floor() {
            return Ok(());
        }
        Err(StoreError::BehindSigned {
            signed: mark.floor(),
            stored,
        })
    }

    /// Records `entries` (about to be appended by the attached city) in the file, durably.
    /// Caller holds the write lock.
    pub(crate) fn record_high_water(
        &self,
        author: &PublicKey,
        entries: &[WireEntry],
    ) -> Result<(), StoreError> {
        let mut guard = self.high_water.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mark) = guard.as_mut().filter(|m| m.city == *author) else {
            return Ok(());
        };
        write_file(&mark.path, entries)?;
        let seq = entries
            .last()
            .and_then(|w| SignedEntry::decode(&w.entry).ok())
            .map_or(mark.head.seq, |e| e.header.seq);
        mark.head = SignedHead {
            seq,
            entries: entries.to_vec(),
        };
        Ok(())
    }
}
