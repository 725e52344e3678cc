//! Bringing the index to the store's position: [`SearchIndex::catch_up`] asks
//! [`applied::plan`] what the index lacks and applies exactly that, city by city from each
//! one's applied seq, with the status changes those entries cause (a retraction or a revision
//! re-reads its target, an erasure removes it). Work is committed in chunks, each with the
//! position it reached, so a catch-up killed halfway resumes where its last commit stopped.

use crate::applied::{self, Applied, LogRange, Plan};
use crate::{SearchError, SearchIndex};
use coalition_record::{EntryId, Payload, PublicKey, Roster, RosterAction};
use coalition_store::{Store, StoredEntry};
use std::collections::BTreeSet;
use tantivy::IndexWriter;

/// Entries applied per commit during a catch-up: bounds memory and the work a crash can lose.
const CHUNK: usize = 2048;
/// Entries read from the store per log scan.
const SCAN: u64 = 512;

/// What one [`SearchIndex::catch_up`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaughtUp {
    /// Entries applied (scanned from the logs; re-applied cities' entries included).
    pub entries: u64,
    /// Why the index was rebuilt from scratch, when it was.
    pub rebuilt: Option<String>,
    /// Cities re-applied because roster changes named them.
    pub roster_cities: usize,
    /// The catch-up stopped early because `stop` said so.
    pub interrupted: bool,
}

impl SearchIndex {
    /// Applies what the index lacks against `store` (see the module doc); checks `stop` between
    /// chunks. Searches see each chunk as it is committed.
    pub fn catch_up(
        &self,
        store: &Store,
        stop: &dyn Fn() -> bool,
    ) -> Result<CaughtUp, SearchError> {
        // The roster version first: the position records it, and the roster read below to name
        // cities is at least that new (a newer one is re-applied on the next catch-up).
        let version = store.roster_version();
        let frontier = store.frontier();
        let applied = self.applied();
        let plan = applied::plan(applied.as_ref(), &frontier, version, |author, seq| {
            store.id_at(author, seq).ok().flatten()
        });
        let mut done = CaughtUp::default();
        if plan == Plan::UpToDate {
            // The idle case, every tick: no roster copy, no write.
            return Ok(done);
        }
        let roster = store.roster();
        let (mut position, mut logs, roster_since) = match plan {
            Plan::UpToDate => return Ok(done),
            Plan::Rebuild { reason } => {
                // A new node's first start has nothing to rebuild: no warning for an operator
                // to chase.
                match store.entry_count() {
                    0 => tracing::debug!(%reason, "starting an empty search index"),
                    entries => {
                        tracing::warn!(%reason, entries, "rebuilding the search index from the store")
                    }
                }
                let empty = Applied {
                    roster_version: version,
                    heads: Default::default(),
                };
                // Committed at once with an empty position: a rebuild killed halfway resumes
                // from its last chunk instead of starting again.
                self.write_and_commit(&empty, |writer| {
                    writer.delete_all_documents()?;
                    Ok(())
                })?;
                done.rebuilt = Some(reason);
                let logs = applied::plan(Some(&empty), &frontier, version, |_, _| None);
                match logs {
                    Plan::CatchUp { logs, .. } => (empty, logs, None),
                    _ => (empty, Vec::new(), None),
                }
            }
            Plan::CatchUp { logs, roster_since } => {
                (applied.unwrap_or_default(), logs, roster_since)
            }
        };
        let target_roster = version;
        if let Some(since) = roster_since {
            // Cities named by the changes since the applied version: their whole logs again.
            let named = named_cities(store, since, target_roster)?;
            done.roster_cities = named.len();
            for author in named {
                let Some((seq, id)) = frontier.get(&author).copied() else {
                    continue;
                };
                match logs.iter_mut().find(|r| r.author == author) {
                    Some(range) => range.from = 1,
                    None => logs.push(LogRange {
                        author,
                        from: 1,
                        to: seq,
                        to_id: id,
                    }),
                }
            }
            logs.sort_by_key(|r| r.author);
        }
        let mut chunk: Vec<StoredEntry> = Vec::new();
        for range in &logs {
            let mut from = range.from;
            while from <= range.to {
                let batch = store.log(
                    &range.author,
                    from,
                    (range.to - from + 1).min(SCAN) as usize,
                )?;
                let Some(last) = batch.last() else { break };
                from = last.entry.header.seq + 1;
                let (last_seq, last_id) = (last.entry.header.seq, last.id());
                chunk.extend(batch);
                // The position never goes back: a re-applied city keeps its applied seq.
                if last_seq > position.seq(&range.author) {
                    position.heads.insert(range.author, (last_seq, last_id));
                }
                if chunk.len() >= CHUNK {
                    done.entries += chunk.len() as u64;
                    self.apply_chunk(store, &roster, &std::mem::take(&mut chunk), &position)?;
                    if stop() {
                        done.interrupted = true;
                        return Ok(done);
                    }
                }
            }
        }
        // The roster version is recorded only once every city it named is re-applied.
        position.roster_version = target_roster;
        done.entries += chunk.len() as u64;
        self.apply_chunk(store, &roster, &chunk, &position)?;
        if done.entries > 0 || done.rebuilt.is_some() {
            tracing::info!(
                entries = done.entries,
                roster_cities = done.roster_cities,
                rebuilt = done.rebuilt.is_some(),
                "search index caught up with the store"
            );
        }
        Ok(done)
    }

    /// Applies `entries` (in log order) and commits with `position`.
    fn apply_chunk(
        &self,
        store: &Store,
        roster: &Roster,
        entries: &[StoredEntry],
        position: &Applied,
    ) -> Result<(), SearchError> {
        self.write_and_commit(position, |writer| {
            self.write_chunk(writer, store, roster, entries)
        })
    }

    /// Runs `write` on the writer and commits with `position`; on any failure, rolls back so
    /// nothing half-written rides along with the next commit.
    fn write_and_commit(
        &self,
        position: &Applied,
        write: impl FnOnce(&mut IndexWriter) -> Result<(), SearchError>,
    ) -> Result<(), SearchError> {
        let mut writer = self.lock_writer();
        let result =
            write(&mut writer).and_then(|()| self.commit(&mut writer, Some(position.clone())));
        if result.is_err() {
            if let Err(rollback) = writer.rollback() {
                tracing::warn!(error = %rollback, "rolling back a failed search index catch-up");
            }
        }
        drop(writer);
        self.reader.reload()?;
        result
    }

    fn write_chunk(
        &self,
        writer: &mut IndexWriter,
        store: &Store,
        roster: &Roster,
        entries: &[StoredEntry],
    ) -> Result<(), SearchError> {
        // Entries whose searchability these change: re-read from the store after them.
        let mut targets = BTreeSet::<EntryId>::new();
        let mut erased = BTreeSet::<EntryId>::new();
        for stored in entries {
            match stored.payload() {
                Some(Payload::PracticeRevision(r)) => {
                    targets.insert(r.supersedes);
                }
                Some(Payload::Retraction(r)) => {
                    targets.insert(r.target);
                }
                Some(Payload::Erasure(e)) => {
                    erased.insert(e.target);
                }
                // Read again from the store, which dropped the payload if the order holds.
                Some(Payload::ErasureOrder(o)) => {
                    targets.insert(o.order.target);
                }
                Some(Payload::Translation(t)) => {
                    targets.insert(Self::current_version(store, t.source)?);
                }
                _ => {}
            }
        }
        for stored in entries {
            let id = stored.id();
            writer.delete_term(self.id_term(&id));
            if targets.contains(&id) || erased.contains(&id) {
                continue;
            }
            if let Some(doc) = self.document(store, roster, stored)? {
                writer.add_document(doc)?;
            }
        }
        for id in targets.difference(&erased) {
            writer.delete_term(self.id_term(id));
            if let Some(stored) = store.entry(id)? {
                if let Some(doc) = self.document(store, roster, &stored)? {
                    writer.add_document(doc)?;
                }
            }
        }
        for id in &erased {
            writer.delete_term(self.id_term(id));
        }
        Ok(())
    }
}

/// The cities named by the roster changes from version `since` to `until`.
fn named_cities(store: &Store, since: u64, until: u64) -> Result<Vec<PublicKey>, SearchError> {
    let mut named = BTreeSet::new();
    for change in store.roster_history_from(since)? {
        if change.change.seq > until {
            break;
        }
        match &change.change.action {
            RosterAction::Admit { city, .. }
            | RosterAction::Suspend { city, .. }
            | RosterAction::Readmit { city }
            | RosterAction::Revoke { city, .. } => {
                named.insert(*city);
            }
            RosterAction::RotateKey { old, new, .. } => {
                named.insert(*old);
                named.insert(*new);
            }
        }
    }
    Ok(named.into_iter().collect())
}
