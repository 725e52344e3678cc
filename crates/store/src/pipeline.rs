//! The look-ahead of ingest: decoding a batch, finding the entries whose signature will be needed
//! (new, from a member, next in their chain or a fork), checking those signatures and payloads
//! and building the entries' own records, all without writing. [`Store::ingest`] splits a
//! batch's checks over the machine's cores. [`Store::ingest_pipelined`] decodes the next batches
//! on one thread and hands their checks, in parts, to a pool of one thread per core, while batch
//! n is applied and written on the caller's. Batch n's WAL sync runs on a thread of its own
//! while batch n + 1 is applied and written; batch n's outcomes are reported, and its heads
//! join the frontier that search and sync read up to, only once that sync has returned.

use crate::batch::{Decoded, IngestOutcome, Spent};
use crate::ingest::{Applied, Written};
use crate::records::EntryRecords;
use crate::{Store, StoreError};
use coalition_record::{
    signature, EntryHeader, EntryId, Payload, PublicKey, RecordError, Roster, SignedEntry,
    WireEntry,
};
use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A batch after the look-ahead, ready for [`Store::apply_checked`].
pub(crate) struct Prechecked {
    pub decoded: Vec<Decoded>,
    /// Signature verdicts by id.
    pub signatures: HashMap<EntryId, Result<(), RecordError>>,
    /// Payload checks of the entries whose signature held, by position in the batch.
    pub payloads: HashMap<usize, PayloadCheck>,
    /// Ids looked up and not held.
    pub absent: HashSet<EntryId>,
    /// Erasures the batch carries, by target.
    pub erased_ahead: HashMap<EntryId, crate::batch::ErasedBy>,
    /// The own records of the entries whose payload check passed, by position in the batch.
    pub records: HashMap<usize, EntryRecords>,
}

/// Runs the look-ahead over successive batches, carrying each city's expected head from one
/// batch to the next (as if the earlier batches were stored, which they are by the time the
/// later ones are applied; a wrong guess only means a check is done on apply instead).
pub(crate) struct Prechecker<'a> {
    store: &'a Store,
    roster: Roster,
    network_id: EntryId,
    batch_mode: bool,
    heads: HashMap<PublicKey, u64>,
    /// Ids already looked at in an earlier batch of the stream: checked once.
    seen: HashSet<EntryId>,
}

impl<'a> Prechecker<'a> {
    pub(crate) fn new(store: &'a Store) -> Self {
        Prechecker {
            store,
            roster: store.roster(),
            network_id: store.network_id(),
            batch_mode: store.batch_verification(),
            heads: HashMap::new(),
            seen: HashSet::new(),
        }
    }

    pub(crate) fn check(&mut self, batch: Vec<WireEntry>) -> Result<Prechecked, StoreError> {
        let Selected {
            decoded,
            absent,
            candidates,
        } = self.select(batch)?;
        let checked = check_candidates(&decoded, candidates, self.batch_mode);
        Ok(assemble(self.store, decoded, absent, checked))
    }

    /// The serial part of the look-ahead: decodes a batch and picks the entries whose
    /// signature will be needed.
    fn select(&mut self, batch: Vec<WireEntry>) -> Result<Selected, StoreError> {
        let decoded: Vec<Decoded> = batch
            .into_iter()
            .map(|wire| (SignedEntry::decode(&wire.entry), wire.payload))
            .collect();
        let mut absent = HashSet::new();
        let mut candidates: Vec<Candidate> = Vec::new();
        for (index, (entry, _)) in decoded.iter().enumerate() {
            let Ok(entry) = entry else { continue };
            let id = entry.id();
            if entry.check_network(&self.network_id).is_err() || !self.seen.insert(id) {
                continue;
            }
            if self.store.contains(&id)? {
                continue;
            }
            absent.insert(id);
            let author = entry.header.author;
            let seq = entry.header.seq;
            if self.roster.check_author(&author, seq).is_err() {
                continue;
            }
            let store = self.store;
            let head = *self
                .heads
                .entry(author)
                .or_insert_with(|| store.head(&author).map_or(0, |(seq, _)| seq));
            if seq > head + 1 {
                continue;
            }
            if seq == head + 1 {
                self.heads.insert(author, seq);
            }
            let message = EntryHeader::signing_message(entry.header_bytes());
            candidates.push((index, id, message));
        }
        Ok(Selected {
            decoded,
            absent,
            candidates,
        })
    }
}

/// A batch decoded, with the ids it looked up and found absent and the entries to check.
struct Selected {
    decoded: Vec<Decoded>,
    absent: HashSet<EntryId>,
    candidates: Vec<Candidate>,
}

/// A batch and the verdicts of its candidates, ready to apply.
fn assemble(
    store: &Store,
    decoded: Vec<Decoded>,
    absent: HashSet<EntryId>,
    checked: Vec<Checked>,
) -> Prechecked {
    let mut out = Prechecked {
        decoded: Vec::new(),
        signatures: HashMap::new(),
        payloads: HashMap::new(),
        absent,
        erased_ahead: HashMap::new(),
        records: HashMap::new(),
    };
    for (index, id, verdict, payload, records) in checked {
        if let Some(payload) = payload {
            out.payloads.insert(index, payload);
        }
        if let Some(records) = records {
            out.records.insert(index, records);
        }
        out.signatures.insert(id, verdict);
    }
    out.erased_ahead = crate::erasures::erasures_carried(store.charter(), &decoded, &out.payloads);
    out.decoded = decoded;
    out
}

/// A candidate's position in its batch, id and signing message.
type Candidate = (usize, EntryId, Vec<u8>);

/// A candidate's signature verdict and, when the signature holds, its payload check and, when
/// that passes too, its own records.
type Checked = (
    usize,
    EntryId,
    Result<(), RecordError>,
    Option<PayloadCheck>,
    Option<EntryRecords>,
);

/// The outcome of checking an entry's payload against its header
/// ([`coalition_record::PayloadBlob::check_against`]): the decoded payload, `None` when the
/// entry came without one.
pub(crate) type PayloadCheck = Result<Option<Payload>, RecordError>;

/// The machine's cores, read once: `available_parallelism` reads cgroup files on every call.
fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Candidates per worker below which a second thread costs more than it saves (a thread start
/// is tens of microseconds, one signature check about thirty).
const MIN_PER_WORKER: usize = 16;

/// Checks the candidates' signatures (together in batch mode, one by one if that fails) and
/// their payloads, split over the machine's cores: these checks are independent of each other
/// and are most of an ingest's work.
fn check_candidates(
    decoded: &[crate::batch::Decoded],
    candidates: Vec<Candidate>,
    batch_mode: bool,
) -> Vec<Checked> {
    let workers = cores().min(candidates.len() / MIN_PER_WORKER).max(1);
    if workers == 1 {
        return check_part(decoded, &candidates, batch_mode);
    }
    let per = candidates.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let mut parts = candidates.chunks(per);
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts
            .map(|part| scope.spawn(move || check_part(decoded, part, batch_mode)))
            .collect();
        let mut out = check_part(decoded, first, batch_mode);
        for handle in others {
            match handle.join() {
                Ok(part) => out.extend(part),
                // A panic in a check is a bug; surface it where the caller would have seen it.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// [`check_candidates`] for one part, on the calling thread.
fn check_part(
    decoded: &[crate::batch::Decoded],
    candidates: &[Candidate],
    batch_mode: bool,
) -> Vec<Checked> {
    let together = batch_mode && candidates.len() >= signature::MIN_BATCH && {
        let items: Vec<signature::BatchItem<'_>> = candidates
            .iter()
            .filter_map(|(index, _, message)| {
                let entry = decoded[*index].0.as_ref().ok()?;
                Some(signature::BatchItem {
                    key: &entry.header.author,
                    message,
                    signature: &entry.signature,
                })
            })
            .collect();
        signature::verify_batch(&items)
    };
    // Without a batch (or when one fails), each signature on its own, still ahead of apply.
    candidates
        .iter()
        .filter_map(|(index, id, _)| {
            let (Ok(entry), payload) = &decoded[*index] else {
                return None;
            };
            let verdict = if together {
                Ok(())
            } else {
                entry.verify_signature()
            };
            // The payload is checked in place: the writer pairs the result with its own copy.
            let checked = verdict.is_ok().then(|| {
                payload
                    .as_ref()
                    .map(|blob| blob.check_against(&entry.header))
                    .transpose()
            });
            let records = match &checked {
                Some(Ok(decoded)) => Some(EntryRecords::new(
                    entry,
                    payload.as_ref().zip(decoded.as_ref()),
                )),
                _ => None,
            };
            Some((*index, *id, verdict, checked, records))
        })
        .collect()
}

/// Candidates per job of the check pool of [`Store::ingest_pipelined`]: enough for a batch
/// signature check near its best rate per signature, few enough that the pool's threads share a
/// batch evenly. Per signature, on one core of the issue #14 machine: 25–28 µs in batches of
/// 32, 19–21 µs in batches of 64, the same in batches of 128 (Straus up to 190 points).
const POOL_PART: usize = 64;

/// Batches decoded and handed to the pool ahead of the one being written: memory stays bounded.
const BATCHES_AHEAD: usize = 2;

/// A batch whose candidates the pool is checking.
struct InFlight {
    /// Shared with the pool's jobs until each has replied.
    decoded: Arc<Vec<Decoded>>,
    absent: HashSet<EntryId>,
    /// One reply per job, in order.
    replies: Vec<Receiver<Vec<Checked>>>,
}

/// One part of a batch's candidates, for a pool thread.
struct Job {
    decoded: Arc<Vec<Decoded>>,
    candidates: Vec<Candidate>,
    reply: SyncSender<Vec<Checked>>,
}

/// Decodes each batch, picks its candidates and hands them in parts to the pool, then passes
/// the batch on to the writer; stops at the first error or when the writer has stopped.
fn dispatch(
    store: &Store,
    batches: impl Iterator<Item = Vec<WireEntry>>,
    jobs: SyncSender<Job>,
    to_writer: SyncSender<Result<InFlight, StoreError>>,
) {
    yield_to_the_writer();
    let mut checker = Prechecker::new(store);
    for batch in batches {
        let in_flight = checker.select(batch).map(|selected| {
            let decoded = Arc::new(selected.decoded);
            let mut replies = Vec::new();
            let mut rest = selected.candidates.into_iter().peekable();
            while rest.peek().is_some() {
                let (reply, replied) = sync_channel(1);
                let job = Job {
                    decoded: Arc::clone(&decoded),
                    candidates: rest.by_ref().take(POOL_PART).collect(),
                    reply,
                };
                // The pool only stops once this sender is gone; a part it did not take is
                // checked on apply instead.
                if jobs.send(job).is_ok() {
                    replies.push(replied);
                }
            }
            InFlight {
                decoded,
                absent: selected.absent,
                replies,
            }
        });
        let failed = in_flight.is_err();
        if to_writer.send(in_flight).is_err() || failed {
            break;
        }
    }
}

/// Where the writer of a [`Store::ingest_pipelined`] stream spent its time (wall clock, on the
/// caller's thread; the time in `on_stored` is in neither figure).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PipelineTimes {
    /// Batches applied, written and synced.
    pub batches: usize,
    /// Applying the rules to checked batches, writing them and waiting for the syncs that
    /// had not returned by the time the next batch was written: the store's write path alone,
    /// the serial part of the stream.
    pub writing: Duration,
    /// Waiting for the look-ahead to finish checking the next batch (or for the caller's
    /// iterator to yield it).
    pub waiting_for_checks: Duration,
    /// The part of `writing` spent waiting for a batch's WAL sync, which runs on its own thread
    /// while the next batch is applied and written.
    pub waiting_for_sync: Duration,
}

/// How much lower than the writer's the priority of the pipeline's other threads is (nice
/// levels; 10 is about a tenth of the writer's CPU share when they compete). The writer is the
/// serial part of ingest and the checks run ahead with slack, yet on two cores the writer waited,
/// ready, for a core about as long as it ran (issue #14, its schedstat in `ingest_profile`).
const BELOW_THE_WRITER: i32 = 10;

/// Lowers the calling thread's priority by [`BELOW_THE_WRITER`], so that the writer runs as soon
/// as it is ready. On Linux a thread id given to `setpriority` names that thread alone. Best
/// effort: where it fails, the thread keeps the priority it had.
fn yield_to_the_writer() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let me = Some(rustix::thread::gettid());
        if let Ok(nice) = getpriority_process(me) {
            // 19 is the lowest priority there is.
            let _ = setpriority_process(me, (nice + BELOW_THE_WRITER).min(19));
        }
    }
}

/// A pool thread: checks parts of batches until the dispatcher is done.
fn check_jobs(jobs: &Mutex<Receiver<Job>>, batch_mode: bool) {
    yield_to_the_writer();
    loop {
        let job = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(job) = job else { return };
        let checked = check_part(&job.decoded, &job.candidates, batch_mode);
        // Let go of the batch before replying, so the writer gets it back whole.
        drop(job.decoded);
        // The writer may have stopped at an error; then nobody waits for this.
        let _ = job.reply.send(checked);
    }
}

impl InFlight {
    /// Waits for the pool's verdicts on this batch. A part whose thread stopped has no
    /// verdicts, and its entries are checked on apply.
    fn finish(self, store: &Store) -> Prechecked {
        let checked: Vec<Checked> = self
            .replies
            .into_iter()
            .filter_map(|reply| reply.recv().ok())
            .flatten()
            .collect();
        let decoded = Arc::unwrap_or_clone(self.decoded);
        assemble(store, decoded, self.absent, checked)
    }
}

impl Store {
    /// Ingests a stream of batches, pipelined: while batch n is applied and written on this
    /// thread, the next batches are decoded on a second thread and their signatures and
    /// payloads checked, in parts, by a pool of one thread per core, and batch n - 1's write is
    /// synced on another. `on_stored` gets each batch's outcomes once that batch is durable,
    /// in order. Same rules and outcomes as calling [`Store::ingest`] on each batch in turn.
    /// Stops at the first error; the batches written before it are reported once durable.
    ///
    /// Returns where the writer's time went, which tells whether the checks or the writes bound
    /// a stream's rate.
    pub fn ingest_pipelined<I>(
        &self,
        batches: I,
        mut on_stored: impl FnMut(Vec<IngestOutcome>),
    ) -> Result<PipelineTimes, StoreError>
    where
        I: IntoIterator<Item = Vec<WireEntry>>,
        I::IntoIter: Send,
    {
        let _guard = self.lock_for_write()?;
        let batches = batches.into_iter();
        let batch_mode = self.batch_verification();
        std::thread::scope(|scope| {
            let (jobs, pool_jobs) = sync_channel::<Job>(BATCHES_AHEAD * 4 * cores());
            let pool_jobs = Arc::new(Mutex::new(pool_jobs));
            for _ in 0..cores() {
                let pool_jobs = Arc::clone(&pool_jobs);
                scope.spawn(move || check_jobs(&pool_jobs, batch_mode));
            }
            let (to_writer, from_dispatch) = sync_channel(BATCHES_AHEAD);
            scope.spawn(move || dispatch(self, batches, jobs, to_writer));
            // Frees what each written batch is done with, off the writer's thread.
            let (spent_tx, spent_rx) = sync_channel::<Spent>(2);
            scope.spawn(move || {
                yield_to_the_writer();
                spent_rx.into_iter().for_each(drop)
            });
            // Syncs the WAL on its own thread: batch n's sync runs while n + 1 is applied.
            let (sync_requests, sync_jobs) = sync_channel::<()>(1);
            let (synced_tx, synced) = sync_channel(1);
            scope.spawn(move || {
                for () in sync_jobs {
                    if synced_tx.send(self.sync_wal()).is_err() {
                        return;
                    }
                }
            });
            let mut writer = Writer {
                store: self,
                sync_requests,
                synced,
                unsynced: None,
                spent: spent_tx,
                times: PipelineTimes::default(),
                reporting: Duration::ZERO,
            };
            let written = writer.write_all(from_dispatch, &mut on_stored);
            // What was written before an error is still reported once durable.
            let settled = writer.finish(&mut on_stored);
            written.and(settled)?;
            Ok(writer.times)
        })
    }
}

/// The writer of a [`Store::ingest_pipelined`] stream, on the caller's thread.
struct Writer<'s> {
    store: &'s Store,
    sync_requests: SyncSender<()>,
    synced: Receiver<Result<(), StoreError>>,
    /// The batch written last, whose sync was requested and whose outcomes are not reported.
    unsynced: Option<Written>,
    spent: SyncSender<Spent>,
    times: PipelineTimes,
    /// Time spent in `on_stored` since the writer's figures were last updated.
    reporting: Duration,
}

impl Writer<'_> {
    /// Applies and writes each checked batch, settling the one before once this one is written.
    fn write_all(
        &mut self,
        from_dispatch: Receiver<Result<InFlight, StoreError>>,
        on_stored: &mut impl FnMut(Vec<IngestOutcome>),
    ) -> Result<(), StoreError> {
        let store = self.store;
        let mut since = Instant::now();
        for in_flight in from_dispatch {
            let checked = in_flight?.finish(store);
            let ready = Instant::now();
            self.times.waiting_for_checks += ready - since;
            let written_before = self
                .unsynced
                .as_ref()
                .map(|w| w.heads.clone())
                .unwrap_or_default();
            match store.apply_unsynced(checked, written_before)? {
                Applied::Written(written) => {
                    // The sync requested after this batch's write covers it and the one before.
                    self.settle(on_stored)?;
                    if written.wrote {
                        self.unsynced = Some(written);
                        // When the syncing thread is gone (a panic), `settle` syncs here.
                        let _ = self.sync_requests.send(());
                    } else {
                        // Nothing to sync (every entry a duplicate or refused).
                        self.report(written, on_stored);
                    }
                }
                Applied::Erasing(applying) => {
                    self.settle(on_stored)?;
                    let (outcomes, spent) = store.finish_write(*applying)?;
                    self.done_with(spent);
                    self.times.batches += 1;
                    self.call(on_stored, outcomes);
                }
            }
            since = Instant::now();
            self.times.writing +=
                (since - ready).saturating_sub(std::mem::take(&mut self.reporting));
        }
        Ok(())
    }

    /// Waits for the sync of the unsynced batch, then reports it.
    fn settle(&mut self, on_stored: &mut impl FnMut(Vec<IngestOutcome>)) -> Result<(), StoreError> {
        let Some(written) = self.unsynced.take() else {
            return Ok(());
        };
        let waiting = Instant::now();
        let synced = self.synced.recv().unwrap_or_else(|_| self.store.sync_wal());
        self.times.waiting_for_sync += waiting.elapsed();
        if let Err(error) = synced {
            // The database holds batches the in-memory frontier does not: whatever the error,
            // the next write reopens the store, which reloads the frontier from what is there.
            self.store.reopen_before_next_write();
            return Err(error);
        }
        self.report(written, on_stored);
        Ok(())
    }

    /// Settles the last batch of the stream, counting the wait in the writer's time.
    fn finish(&mut self, on_stored: &mut impl FnMut(Vec<IngestOutcome>)) -> Result<(), StoreError> {
        let start = Instant::now();
        let settled = self.settle(on_stored);
        self.times.writing += start
            .elapsed()
            .saturating_sub(std::mem::take(&mut self.reporting));
        settled
    }

    /// Makes a durable batch visible and hands its outcomes to the caller.
    fn report(&mut self, written: Written, on_stored: &mut impl FnMut(Vec<IngestOutcome>)) {
        let (outcomes, spent) = self.store.settle_written(written);
        self.done_with(spent);
        self.times.batches += 1;
        self.call(on_stored, outcomes);
    }

    /// Calls `on_stored`; its time is the caller's, in none of the writer's figures.
    fn call(
        &mut self,
        on_stored: &mut impl FnMut(Vec<IngestOutcome>),
        outcomes: Vec<IngestOutcome>,
    ) {
        let start = Instant::now();
        on_stored(outcomes);
        self.reporting += start.elapsed();
    }

    /// Frees what a written batch is done with on the freeing thread, or here when it is behind.
    fn done_with(&self, spent: Spent) {
        let _ = self.spent.try_send(spent);
    }
}
