//! The store worker: one blocking thread that does every RocksDB call the network needs (ingest,
//! roster changes, fork proofs, serving sync), so the swarm task never blocks. Jobs arrive on a
//! bounded queue; consecutive gossip entries are ingested as one batch (one durable write).
//! Results go back to the swarm task, which reports validation to gossipsub.

use crate::codec::{SyncAnswer, SyncRequest, SyncResponse};
use crate::gossip::GossipMessage;
#[cfg(test)]
use coalition_record::sync::AuthorRange;
use coalition_record::sync::{
    roster_want, wants, wire_entry_size, BatchBudget, Frontier, Head, MAX_ENTRIES_PER_RESPONSE,
    MAX_ROSTER_CHANGES_PER_RESPONSE, RESPONSE_ENVELOPE_BYTES,
};
use coalition_record::ForkProof;
use coalition_record::{RecordError, SignedEntry, WireEntry};
use coalition_store::{IngestOutcome, RosterOutcome, Store, StoreError};
use libp2p::request_response::ResponseChannel;
use libp2p::PeerId;
use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

use crate::gossip_jobs;
use crate::ingest::{fork_proof, ingest, ingest_stream, KnownForks};
use crate::jobs::{stored_info, stored_info_of, GossipJob, Held, StoredInfo};
use crate::verdict::GossipVerdict;

/// Most gossip entries ingested in one durable write.
const MAX_GOSSIP_BATCH: usize = 64;
/// How long a stream of sync batches waits for the next one while the last said its peer holds
/// more: longer than a peer on a LAN takes to serve a batch. A slower peer's batches are each
/// written alone, as before streams.
const NEXT_BATCH_WAIT: Duration = Duration::from_millis(50);
/// Longest a stream of sync batches keeps the store's write lock before it ends; the next batch
/// starts a new stream. A local write (a publish) does not wait for it: a stream ends at its next
/// batch once one waits (`Store::writer_waiting`). Each new stream starts its pipeline empty,
/// which cost a catch-up about a tenth of its time when streams ended every second.
const MAX_STREAM_TIME: Duration = Duration::from_secs(10);

pub(crate) enum Job {
    Gossip(GossipJob),
    SyncBatch {
        peer: PeerId,
        response: SyncResponse,
    },
    Serve {
        peer: PeerId,
        request: SyncRequest,
        channel: ResponseChannel<SyncAnswer>,
    },
    /// Held entries to try again, after a sync session or a roster change. An entry whose author
    /// is still unknown is judged only if it came from one of `judge` (the peer whose roster was
    /// just synced, and peers that cannot sync); from others it stays held until their turn.
    Reingest {
        held: Vec<Held>,
        judge: Vec<PeerId>,
    },
}

#[derive(Debug, Default)]
pub(crate) struct SyncReport {
    pub stored: Vec<StoredInfo>,
    pub rejected: usize,
    pub forks: Vec<ForkProof>,
    pub roster_applied: Vec<u64>,
    pub error: Option<String>,
}

impl SyncReport {
    pub(crate) fn progressed(&self) -> bool {
        !self.stored.is_empty() || !self.roster_applied.is_empty()
    }
}

pub(crate) struct ReingestReport {
    /// Peers that relayed an entry whose author is not a member even by the roster they just
    /// synced to us: they sent a non-member's entry.
    pub non_member_relays: Vec<PeerId>,
    pub stored: Vec<StoredInfo>,
    pub still_held: Vec<Held>,
    pub dropped: usize,
    pub forks: Vec<ForkProof>,
}

pub(crate) enum Done {
    Gossip(Vec<GossipVerdict>),
    Synced {
        peer: PeerId,
        report: SyncReport,
    },
    Served {
        peer: PeerId,
        channel: ResponseChannel<SyncAnswer>,
        response: SyncResponse,
        /// The requester holds something we lack: sync back.
        we_lack: bool,
    },
    Reingested(ReingestReport),
}

/// This node's frontier as the sync protocol states it.
pub(crate) fn local_frontier(store: &Store) -> Frontier {
    Frontier::new(
        store.roster_version(),
        store
            .frontier()
            .into_iter()
            .map(|(author, (seq, id))| Head { author, seq, id }),
    )
}

/// The frontier this node states in its own sync requests: [`local_frontier`], except that an
/// author with an entry held without its payload (see `Store::missing_payloads`) is stated as of
/// just before that entry, so the peer sends it again in full.
pub(crate) fn request_frontier(store: &Store) -> Frontier {
    let missing = match store.missing_payloads() {
        Ok(missing) => missing,
        Err(e) => {
            tracing::warn!(error = %e, "reading the entries that lack their payload");
            Default::default()
        }
    };
    if missing.is_empty() {
        return local_frontier(store);
    }
    let heads = store
        .frontier()
        .into_iter()
        .filter_map(|(author, (seq, id))| match missing.get(&author) {
            None => Some(Head { author, seq, id }),
            Some(&lowest) if lowest <= 1 => None,
            Some(&lowest) => {
                let before = lowest - 1;
                let id = store.id_at(&author, before).ok().flatten()?;
                Some(Head {
                    author,
                    seq: before,
                    id,
                })
            }
        });
    Frontier::new(store.roster_version(), heads)
}

/// Runs until the job queue closes or the swarm task stops listening.
pub(crate) fn run(
    store: Arc<Store>,
    mut jobs: Receiver<Job>,
    done: mpsc::Sender<Done>,
    max_response: usize,
) {
    let mut next: Option<Job> = None;
    let mut known = KnownForks::default();
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        let result = match job {
            Job::Gossip(first) if matches!(first.message, GossipMessage::Entry(_)) => {
                let mut batch = vec![first];
                while batch.len() < MAX_GOSSIP_BATCH {
                    match jobs.try_recv() {
                        Ok(Job::Gossip(more))
                            if matches!(more.message, GossipMessage::Entry(_)) =>
                        {
                            batch.push(more)
                        }
                        Ok(other) => {
                            next = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                Done::Gossip(gossip_jobs::gossip_entries(&store, &mut known, batch))
            }
            Job::Gossip(job) => Done::Gossip(vec![gossip_jobs::gossip_other(&store, job)]),
            Job::SyncBatch { peer, response } => {
                // The batches that follow this one (this session's pipelined next, other sessions
                // of the round) are written as one pipelined stream while they keep coming.
                let mut source = SyncSource::new(&store, &mut jobs, &mut next, response.more);
                let mut closed = false;
                apply_sync_run(
                    &store,
                    &mut known,
                    (peer, response),
                    std::iter::from_fn(|| source.next_batch()),
                    |peer, report| {
                        closed |= done.blocking_send(Done::Synced { peer, report }).is_err();
                    },
                );
                if closed {
                    return;
                }
                continue;
            }
            Job::Serve {
                peer,
                request,
                channel,
            } => {
                let response = serve(&store, &request, max_response).unwrap_or_else(|e| {
                    tracing::warn!(%peer, error = %e, "serving a sync request failed");
                    SyncResponse::default()
                });
                let we_lack = request.network_id == store.network_id()
                    && coalition_record::sync::lacks_anything(
                        &local_frontier(&store),
                        &request.frontier,
                    );
                Done::Served {
                    peer,
                    channel,
                    response,
                    we_lack,
                }
            }
            Job::Reingest { held, judge } => {
                Done::Reingested(reingest(&store, &mut known, held, &judge))
            }
        };
        if done.blocking_send(result).is_err() {
            return;
        }
    }
}

/// Answers a sync request: roster changes the requester lacks, then the entries it lacks in author
/// and seq order (of the authors it asks about), within one response's budget.
pub(crate) fn serve(
    store: &Store,
    request: &SyncRequest,
    max_response: usize,
) -> Result<SyncResponse, StoreError> {
    let mut response = SyncResponse::default();
    if request.network_id != store.network_id() {
        return Ok(response);
    }
    let local = local_frontier(store);
    let mut reserved = 0;
    if let Some(from) = roster_want(&request.frontier, &local) {
        let mut budget = BatchBudget::new(max_response / 4, MAX_ROSTER_CHANGES_PER_RESPONSE);
        for change in store.roster_history_from(from)? {
            let size = change.to_bytes().len();
            if !budget.take(size) {
                response.more = true;
                // Entries may name authors those changes admit: send the rest of the roster first.
                return Ok(response);
            }
            reserved += size;
            response.roster.push(change);
        }
    }
    let mut budget = BatchBudget::new(
        max_response.saturating_sub(RESPONSE_ENVELOPE_BYTES + reserved + ERASURES_RESERVE),
        MAX_ENTRIES_PER_RESPONSE,
    );
    // A `/coalition/sync/2` request asks about its range of authors only.
    let wanted = wants(&request.frontier, &local)
        .into_iter()
        .filter(|w| request.authors.contains(&w.author));
    'wants: for want in wanted {
        let Some(head) = local.heads.iter().find(|h| h.author == want.author) else {
            continue;
        };
        let mut from = want.from_seq;
        while from <= head.seq {
            let chunk = store.log_wire(&want.author, from, 256, budget.bytes_left())?;
            if chunk.is_empty() {
                break;
            }
            for wire in chunk {
                if !budget.take(wire_entry_size(&wire)) {
                    response.more = true;
                    break 'wants;
                }
                from += 1;
                response.entries.push(wire);
            }
        }
    }
    put_erasures_first(store, &mut response)?;
    Ok(response)
}

/// Room kept in a response for the erasures of the entries it serves without payload.
const ERASURES_RESERVE: usize = 16 * 1024;

/// An entry served without its payload was erased: its erasure (or committee order) goes first
/// in the response, so a node that never held the payload can store the entry (PROTOCOL.md
/// §8.9); a node of an earlier revision takes it as an entry ahead of its chain and fetches the
/// rest later.
fn put_erasures_first(store: &Store, response: &mut SyncResponse) -> Result<(), StoreError> {
    if response.entries.iter().all(|w| w.payload.is_some()) {
        return Ok(());
    }
    let mut first = Vec::new();
    let mut room = ERASURES_RESERVE;
    for wire in response.entries.iter().filter(|w| w.payload.is_none()) {
        let id = coalition_record::Hash32::of(&wire.entry);
        let Some(erasure) = store.erasure_of(&id)? else {
            continue;
        };
        let size = wire_entry_size(&erasure);
        let sent = |w: &WireEntry| w.entry == erasure.entry;
        if size > room || first.iter().any(sent) || response.entries.iter().any(sent) {
            continue;
        }
        room -= size;
        first.push(erasure);
    }
    first.append(&mut response.entries);
    response.entries = first;
    Ok(())
}

/// Applies a sync response: roster changes in order, then all entries in one durable write.
pub(crate) fn apply_sync(
    store: &Store,
    known: &mut KnownForks,
    response: SyncResponse,
) -> SyncReport {
    let mut report = SyncReport::default();
    for change in &response.roster {
        match store.apply_roster_change(change) {
            Ok(RosterOutcome::Applied { version }) => report.roster_applied.push(version),
            Ok(RosterOutcome::Duplicate) => {}
            Ok(RosterOutcome::Ahead { have, got }) => {
                report.error = Some(format!(
                    "roster change {got} arrived while the roster is at {have}"
                ));
                break;
            }
            Err(e) => {
                report.rejected += 1;
                report.error = Some(format!("roster change refused: {e}"));
                break;
            }
        }
    }
    if response.entries.is_empty() {
        return report;
    }
    let entries = entry_bytes(&response.entries);
    match ingest(store, known, response.entries) {
        Ok(outcomes) => report_outcomes(store, &mut report, &entries, outcomes),
        Err(e) => report.error = Some(format!("storing synced entries failed: {e}")),
    }
    report
}

/// The sync batches that follow the first of a stream, taken from the worker's queue as they
/// arrive. The stream ends at any other job (kept in `next` for the worker), at a batch that
/// brings roster changes (they must be applied before its entries are checked), when no batch
/// comes within [`NEXT_BATCH_WAIT`] although the last one said its peer holds more (or at once
/// if it did not), when a local write waits for the store, and after [`MAX_STREAM_TIME`].
struct SyncSource<'a> {
    store: &'a Store,
    jobs: &'a mut Receiver<Job>,
    next: &'a mut Option<Job>,
    wait: bool,
    until: Instant,
}

impl<'a> SyncSource<'a> {
    fn new(
        store: &'a Store,
        jobs: &'a mut Receiver<Job>,
        next: &'a mut Option<Job>,
        more: bool,
    ) -> Self {
        SyncSource {
            store,
            jobs,
            next,
            wait: more,
            until: Instant::now() + MAX_STREAM_TIME,
        }
    }

    fn next_batch(&mut self) -> Option<(PeerId, SyncResponse)> {
        if self.next.is_some() || Instant::now() >= self.until || self.store.writer_waiting() {
            return None;
        }
        let job = match self.jobs.try_recv() {
            Ok(job) => job,
            Err(TryRecvError::Empty) if self.wait => {
                match self.jobs.recv_timeout(NEXT_BATCH_WAIT) {
                    Ok(job) => job,
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
                }
            }
            Err(_) => return None,
        };
        match job {
            Job::SyncBatch { peer, response } if response.roster.is_empty() => {
                self.wait = response.more;
                Some((peer, response))
            }
            other => {
                *self.next = Some(other);
                None
            }
        }
    }
}

/// Applies a sync response and the ones that follow it in `rest` (the sessions of one round, a
/// session's pipelined batches), as one pipelined stream: while one batch is written and
/// synced, the next are checked on other threads. A response alone, with nothing queued behind
/// it and nothing more to come, goes to [`apply_sync`], whose store call pipelines its pieces.
/// Only the first response may carry roster changes; they are applied first. `deliver` gets
/// each batch's report once that batch is durable, so its session asks again at once.
pub(crate) fn apply_sync_run(
    store: &Store,
    known: &mut KnownForks,
    first: (PeerId, SyncResponse),
    rest: impl Iterator<Item = (PeerId, SyncResponse)> + Send,
    mut deliver: impl FnMut(PeerId, SyncReport),
) {
    let (first_peer, mut first) = first;
    let mut rest = rest.peekable();
    // Without `more`, the source does not wait: peeking only asks whether a batch is queued.
    if !first.more && rest.peek().is_none() {
        deliver(first_peer, apply_sync(store, known, first));
        return;
    }
    let mut first_report = apply_sync(
        store,
        known,
        SyncResponse {
            roster: std::mem::take(&mut first.roster),
            entries: Vec::new(),
            more: first.more,
        },
    );
    if first_report.error.is_some() {
        // A roster change failed: its batch's entries would fail too; the rest go on alone.
        deliver(first_peer, first_report);
        for (peer, response) in rest {
            deliver(peer, apply_sync(store, known, response));
        }
        return;
    }
    // Who sent each batch pulled so far and its entries' bytes (the reports need only those;
    // the payloads go to the store uncopied), oldest first.
    let pulled: Mutex<VecDeque<(PeerId, Vec<Vec<u8>>)>> = Mutex::new(VecDeque::new());
    let batches = std::iter::once((first_peer, first))
        .chain(rest)
        .map(|(peer, response)| {
            debug_assert!(
                response.roster.is_empty(),
                "only the first batch brings roster changes"
            );
            pulled
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push_back((peer, entry_bytes(&response.entries)));
            response.entries
        });
    // The first report delivered carries the roster changes applied above.
    let mut report = || SyncReport {
        roster_applied: std::mem::take(&mut first_report.roster_applied),
        ..SyncReport::default()
    };
    let result = ingest_stream(store, known, batches, |outcomes| {
        let next = pulled.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
        let Some((peer, entries)) = next else {
            return;
        };
        let mut done = report();
        report_outcomes(store, &mut done, &entries, outcomes);
        deliver(peer, done);
    });
    if let Err(e) = result {
        let unreported = std::mem::take(&mut *pulled.lock().unwrap_or_else(|p| p.into_inner()));
        for (peer, _) in unreported {
            let mut failed = report();
            failed.error = Some(format!("storing synced entries failed: {e}"));
            deliver(peer, failed);
        }
    }
}

/// The entry bytes of `wires`, without their payloads.
fn entry_bytes(wires: &[WireEntry]) -> Vec<Vec<u8>> {
    wires.iter().map(|w| w.entry.clone()).collect()
}

/// Adds what the store made of the entries (their bytes) to `report`.
fn report_outcomes(
    store: &Store,
    report: &mut SyncReport,
    entries: &[Vec<u8>],
    outcomes: Vec<IngestOutcome>,
) {
    for (entry, outcome) in entries.iter().zip(outcomes) {
        match outcome {
            IngestOutcome::Stored { .. } | IngestOutcome::PayloadRestored { .. } => {
                report.stored.extend(stored_info_of(entry))
            }
            IngestOutcome::Duplicate { .. } => {}
            IngestOutcome::Fork { existing, .. } => {
                report.forks.extend(fork_proof(store, &existing, entry))
            }
            IngestOutcome::PayloadMissing { id } => {
                report.rejected += 1;
                report.error = Some(format!("the peer sent {id} without its payload"));
            }
            IngestOutcome::Gap { seq, have, .. } => {
                report.rejected += 1;
                report.error = Some(format!(
                    "the peer sent seq {seq} while this node holds up to {have}"
                ));
            }
            IngestOutcome::Rejected { error, .. } => {
                report.rejected += 1;
                report.error = Some(format!("entry refused: {error}"));
            }
        }
    }
}

/// Retries held entries after a sync or a roster change. Entries still missing predecessors stay
/// held; entries whose author is still unknown, or that fail otherwise, are dropped.
fn reingest(
    store: &Store,
    known: &mut KnownForks,
    mut held: Vec<Held>,
    judge: &[PeerId],
) -> ReingestReport {
    // Predecessors first, so a run of held entries of one author goes in together.
    held.sort_by_key(|h| {
        SignedEntry::decode(&h.wire.entry)
            .map(|e| (e.header.author, e.header.seq))
            .ok()
    });
    let mut report = ReingestReport {
        non_member_relays: Vec::new(),
        stored: Vec::new(),
        still_held: Vec::new(),
        dropped: 0,
        forks: Vec::new(),
    };
    let wires: Vec<WireEntry> = held.iter().map(|h| h.wire.clone()).collect();
    let outcomes = match ingest(store, known, wires) {
        Ok(outcomes) => outcomes,
        Err(e) => {
            tracing::warn!(error = %e, "re-ingesting held entries failed");
            report.still_held = held;
            return report;
        }
    };
    for (h, outcome) in held.into_iter().zip(outcomes) {
        match outcome {
            IngestOutcome::Stored { .. } | IngestOutcome::PayloadRestored { .. } => {
                report.stored.extend(stored_info(&h.wire))
            }
            IngestOutcome::Duplicate { .. } => {}
            IngestOutcome::Gap { .. } => report.still_held.push(h),
            IngestOutcome::PayloadMissing { .. } => report.dropped += 1,
            IngestOutcome::Fork { existing, .. } => {
                report
                    .forks
                    .extend(fork_proof(store, &existing, &h.wire.entry))
            }
            IngestOutcome::Rejected {
                error: RecordError::UnknownAuthor { .. },
                ..
            } if !judge.contains(&h.source) => report.still_held.push(h),
            IngestOutcome::Rejected { error, .. } => {
                report.dropped += 1;
                if matches!(error, RecordError::UnknownAuthor { .. }) {
                    report.non_member_relays.push(h.source);
                }
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_record::{
        Charter, Hash32, LangText, Payload, Period, Practice, RosterAction, RosterChange,
        SecretKey, SignedRosterChange, FORMAT_VERSION,
    };

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    struct Fixture {
        charter: Charter,
        committee: SecretKey,
        cities: Vec<SecretKey>,
        dirs: Vec<tempfile::TempDir>,
    }

    impl Fixture {
        fn new(cities: usize) -> Result<Self, Box<dyn std::error::Error>> {
            let committee = SecretKey::from_seed([9; 32]);
            let charter = Charter::new("Worker test", vec![committee.public()], 1, 1)?;
            let cities = (0..cities)
                .map(|i| SecretKey::from_seed([i as u8 + 10; 32]))
                .collect();
            Ok(Fixture {
                charter,
                committee,
                cities,
                dirs: Vec::new(),
            })
        }

        /// A store with the roster admitting the first `admitted` cities.
        fn store(&mut self, admitted: usize) -> Result<Store, Box<dyn std::error::Error>> {
            let dir = tempfile::tempdir()?;
            let store = Store::create(dir.path(), &self.charter)?;
            self.dirs.push(dir);
            let mut prev = None;
            for (i, city) in self.cities.iter().take(admitted).enumerate() {
                let mut change = SignedRosterChange::unsigned(RosterChange {
                    version: FORMAT_VERSION,
                    network_id: self.charter.network_id(),
                    seq: i as u64 + 1,
                    prev,
                    timestamp_ms: 1,
                    action: RosterAction::Admit {
                        city: city.public(),
                        name: format!("City {i}"),
                        country: "FR".into(),
                    },
                });
                change.sign_with(&self.committee);
                prev = Some(change.id());
                store.apply_roster_change(&change)?;
            }
            Ok(store)
        }

        /// Appends `per_city` practices with bodies of `body_bytes` to `store`, for every city
        /// in turn.
        fn fill(&self, store: &Store, per_city: usize, body_bytes: usize) -> TestResult {
            for n in 0..per_city {
                for key in &self.cities {
                    store.append_local(key, &practice(n, body_bytes), 1)?;
                }
            }
            Ok(())
        }
    }

    fn practice(n: usize, body_bytes: usize) -> Payload {
        let text = |t: String| -> LangText { [("en".to_string(), t)].into_iter().collect() };
        Payload::Practice(Practice {
            title: text(format!("Practice {n}")),
            summary: text("A summary.".into()),
            body: if body_bytes > 0 {
                text("b".repeat(body_bytes))
            } else {
                LangText::new()
            },
            rationale: LangText::new(),
            approach: LangText::new(),
            results: LangText::new(),
            transferability: LangText::new(),
            commitments: vec![1],
            themes: Vec::new(),
            target_groups: Vec::new(),
            partners: Vec::new(),
            city: "City".into(),
            country: "FR".into(),
            period: Period {
                start: "2024".into(),
                end: None,
            },
            links: Vec::new(),
            contact: None,
            illustrative: true,
            grounds: Vec::new(),
            partner_types: Vec::new(),
        })
    }

    /// `store`'s own sync request about `authors`.
    fn request_from(store: &Store, authors: AuthorRange) -> SyncRequest {
        SyncRequest {
            network_id: store.network_id(),
            frontier: local_frontier(store),
            authors,
        }
    }

    /// `from`'s answer to a request stating `frontier`, which then claims what the answer
    /// brought, as a pipelined session's next request does.
    fn serve_claiming(
        from: &Store,
        frontier: &mut Frontier,
        max_response: usize,
    ) -> Result<SyncResponse, Box<dyn std::error::Error>> {
        let request = SyncRequest {
            network_id: from.network_id(),
            frontier: frontier.clone(),
            authors: AuthorRange::ALL,
        };
        let response = serve(from, &request, max_response)?;
        let sent: Vec<SignedEntry> = response
            .entries
            .iter()
            .map(|w| SignedEntry::decode(&w.entry))
            .collect::<Result<_, _>>()?;
        *frontier = Frontier::new(
            frontier.roster_version,
            frontier
                .heads
                .iter()
                .copied()
                .chain(crate::sync_session::claimable_heads(&sent)),
        );
        Ok(response)
    }

    /// Syncs `to` from `from` until nothing more comes; returns the responses' encoded sizes.
    fn sync_all(
        from: &Store,
        to: &Store,
        max_response: usize,
    ) -> Result<Vec<usize>, Box<dyn std::error::Error>> {
        let mut known = KnownForks::default();
        let mut sizes = Vec::new();
        for _ in 0..1000 {
            let request = SyncRequest {
                network_id: to.network_id(),
                frontier: local_frontier(to),
                authors: AuthorRange::ALL,
            };
            let response = serve(from, &request, max_response)?;
            sizes.push(postcard::to_stdvec(&response)?.len());
            let more = response.more;
            let report = apply_sync(to, &mut known, response);
            assert!(report.error.is_none(), "{:?}", report.error);
            if !(more && report.progressed()) {
                return Ok(sizes);
            }
        }
        Err("sync did not finish".into())
    }

    #[test]
    fn sync_brings_roster_and_entries_in_bounded_batches() -> TestResult {
        let mut fx = Fixture::new(3)?;
        let a = fx.store(3)?;
        let b = fx.store(0)?;
        fx.fill(&a, 40, 20_000)?;
        // 120 entries of ~20 KB: at least three responses of at most 1 MiB.
        let sizes = sync_all(&a, &b, coalition_record::sync::MAX_RESPONSE_BYTES)?;
        assert!(sizes.len() >= 3, "{sizes:?}");
        assert!(sizes
            .iter()
            .all(|s| *s <= coalition_record::sync::MAX_RESPONSE_BYTES));
        assert_eq!(local_frontier(&b), local_frontier(&a));
        assert_eq!(b.roster_version(), 3);
        // In sync: nothing more to send either way.
        let request = request_from(&b, AuthorRange::ALL);
        assert_eq!(serve(&a, &request, 1 << 20)?, SyncResponse::default());
        Ok(())
    }

    #[test]
    fn ranged_requests_serve_only_their_authors_and_together_cover_all() -> TestResult {
        let mut fx = Fixture::new(6)?;
        let a = fx.store(6)?;
        let b = fx.store(0)?;
        fx.fill(&a, 5, 2_000)?;
        let mut known = KnownForks::default();
        let parts = AuthorRange::split(3);
        let mut served = 0;
        for part in parts {
            for _ in 0..100 {
                let request = request_from(&b, part);
                let response = serve(&a, &request, 1 << 20)?;
                for wire in &response.entries {
                    let entry = SignedEntry::decode(&wire.entry)?;
                    assert!(
                        part.contains(&entry.header.author),
                        "served outside its range"
                    );
                }
                served += response.entries.len();
                let more = response.more;
                let report = apply_sync(&b, &mut known, response);
                assert!(report.error.is_none(), "{:?}", report.error);
                if !more {
                    break;
                }
            }
        }
        assert_eq!(served, 30, "each entry served once");
        assert_eq!(local_frontier(&b), local_frontier(&a));
        Ok(())
    }

    #[test]
    fn a_run_of_batches_is_written_pipelined_and_reported_batch_by_batch() -> TestResult {
        let mut fx = Fixture::new(6)?;
        let a = fx.store(6)?;
        let b = fx.store(6)?;
        fx.fill(&a, 4, 2_000)?;
        // One batch per range, as three sessions of a round would bring them.
        let mut run = Vec::new();
        for part in AuthorRange::split(3) {
            let request = request_from(&b, part);
            run.push((PeerId::random(), serve(&a, &request, 1 << 20)?));
        }
        let expected: Vec<(PeerId, usize)> =
            run.iter().map(|(p, r)| (*p, r.entries.len())).collect();
        let mut delivered = Vec::new();
        let mut known = KnownForks::default();
        let mut run = run.into_iter();
        let first = run.next().ok_or("no batch")?;
        apply_sync_run(&b, &mut known, first, run, |peer, report| {
            assert!(report.error.is_none(), "{:?}", report.error);
            delivered.push((peer, report.stored.len()));
        });
        assert_eq!(
            delivered, expected,
            "one report per batch, in order, each with its entries"
        );
        assert_eq!(local_frontier(&b), local_frontier(&a));
        Ok(())
    }

    #[test]
    fn a_batch_alone_is_reported_once_when_all_of_it_is_stored() -> TestResult {
        let mut fx = Fixture::new(3)?;
        let a = fx.store(3)?;
        let b = fx.store(3)?;
        fx.fill(&a, 100, 500)?;
        let request = request_from(&b, AuthorRange::ALL);
        let response = serve(&a, &request, 1 << 20)?;
        assert_eq!(response.entries.len(), 300, "one batch, checked in pieces");
        let mut reports = Vec::new();
        apply_sync_run(
            &b,
            &mut KnownForks::default(),
            (PeerId::random(), response),
            std::iter::empty(),
            |_, r| reports.push((r.stored.len(), r.error)),
        );
        assert_eq!(reports, vec![(300, None)]);
        assert_eq!(b.entry_count(), 300);
        Ok(())
    }

    /// The worker as the network task drives it: a catch-up's batches arrive one at a time
    /// (each asked for once the one before is stored), and a request to serve arrives while
    /// the stream waits for more. Every batch is reported once, in order, and the request is
    /// answered without waiting for the catch-up to end.
    #[test]
    fn a_catch_up_streams_its_batches_and_other_jobs_still_run() -> TestResult {
        let mut fx = Fixture::new(4)?;
        let a = fx.store(4)?;
        let b = Arc::new(fx.store(4)?);
        fx.fill(&a, 30, 1_000)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        let (job_tx, job_rx) = std::sync::mpsc::sync_channel(16);
        let (done_tx, mut done_rx) = mpsc::channel(16);
        let worker_store = Arc::clone(&b);
        let worker = runtime.spawn_blocking(move || run(worker_store, job_rx, done_tx, 20_000));
        let peer = PeerId::random();
        let mut frontier = local_frontier(&b);
        let mut stored = Vec::new();
        runtime.block_on(async {
            loop {
                // Ask with what was sent so far claimed, as a pipelined session does.
                let response = serve_claiming(&a, &mut frontier, 20_000)?;
                let more = response.more;
                job_tx.send(Job::SyncBatch { peer, response })?;
                let Some(Done::Synced { report, .. }) = done_rx.recv().await else {
                    return Err("expected a sync report".into());
                };
                assert!(report.error.is_none(), "{:?}", report.error);
                stored.push(report.stored.len());
                if !more {
                    break;
                }
            }
            // A batch that says its peer holds more leaves the stream waiting for the next;
            // another job arriving meanwhile ends the stream and is carried out.
            let response = SyncResponse {
                more: true,
                ..SyncResponse::default()
            };
            job_tx.send(Job::SyncBatch { peer, response })?;
            let Some(Done::Synced { .. }) = done_rx.recv().await else {
                return Err("expected a sync report".into());
            };
            let reingest = Job::Reingest {
                held: Vec::new(),
                judge: Vec::new(),
            };
            job_tx.send(reingest)?;
            let answer = tokio::time::timeout(Duration::from_secs(10), done_rx.recv()).await?;
            assert!(
                matches!(answer, Some(Done::Reingested(_))),
                "the job that ended the stream is carried out"
            );
            Ok::<_, Box<dyn std::error::Error>>(())
        })?;
        assert!(stored.len() > 3, "several batches: {stored:?}");
        assert_eq!(stored.iter().sum::<usize>(), 120);
        assert_eq!(local_frontier(&b), local_frontier(&a));
        drop(job_tx);
        runtime.block_on(worker)?;
        Ok(())
    }

    /// A local write that waits for the store while a catch-up streams in ends the stream at
    /// its next batch: the publish goes through while batches still arrive (before, it waited
    /// for the stream's time, a second), and the catch-up goes on in a new stream.
    #[test]
    fn a_local_write_waiting_for_the_store_ends_a_stream_at_its_next_batch() -> TestResult {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let mut fx = Fixture::new(5)?;
        let a = fx.store(5)?;
        let b = Arc::new(fx.store(5)?);
        // The peer holds the first four cities' logs; the fifth city is the catching-up node's.
        for n in 0..90 {
            for key in &fx.cities[..4] {
                a.append_local(key, &practice(n, 3_000), 1)?;
            }
        }
        // The catch-up as a pipelined session receives it: each request claims what the
        // batches before it brought, and every batch says more follows, so the stream waits
        // for the next one instead of ending.
        let mut responses = Vec::new();
        let mut frontier = local_frontier(&b);
        loop {
            let mut response = serve_claiming(&a, &mut frontier, 40_000)?;
            if response.entries.is_empty() {
                break;
            }
            response.more = true;
            responses.push(response);
        }
        let batches = responses.len();
        assert!(batches >= 40, "{batches} batches");
        let (job_tx, job_rx) = std::sync::mpsc::sync_channel(batches);
        let (done_tx, mut done_rx) = mpsc::channel(batches);
        let worker_store = Arc::clone(&b);
        let worker = std::thread::spawn(move || run(worker_store, job_rx, done_tx, 40_000));
        let peer = PeerId::random();
        // A batch every 10 ms (within NEXT_BATCH_WAIT): only the waiting write ends the stream.
        let fed = Arc::new(AtomicUsize::new(0));
        let feeder = {
            let fed = Arc::clone(&fed);
            std::thread::spawn(move || {
                for response in responses {
                    if job_tx.send(Job::SyncBatch { peer, response }).is_err() {
                        return;
                    }
                    fed.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(10));
                }
            })
        };
        let Some(Done::Synced { report, .. }) = done_rx.blocking_recv() else {
            return Err("expected a sync report".into());
        };
        let mut stored = report.stored.len();
        b.append_local(&fx.cities[4], &practice(0, 100), 1)?;
        let fed_by_then = fed.load(Ordering::SeqCst);
        assert!(
            fed_by_then < batches,
            "the publish waited for the whole stream ({fed_by_then} of {batches} batches fed)"
        );
        feeder.join().map_err(|_| "the feeder panicked")?;
        // The worker ends once the feeder's sender is gone, closing the reports.
        while let Some(done) = done_rx.blocking_recv() {
            if let Done::Synced { report, .. } = done {
                assert!(report.error.is_none(), "{:?}", report.error);
                stored += report.stored.len();
            }
        }
        worker.join().map_err(|_| "the worker panicked")?;
        assert_eq!(
            stored, 360,
            "every batch stored, the ones after the publish too"
        );
        assert_eq!(b.entry_count(), a.entry_count() + 1);
        for key in &fx.cities[..4] {
            assert_eq!(b.head(&key.public()), a.head(&key.public()));
        }
        Ok(())
    }

    #[test]
    fn responses_stay_within_a_small_limit() -> TestResult {
        let mut fx = Fixture::new(1)?;
        let a = fx.store(1)?;
        let b = fx.store(1)?;
        for n in 0..5 {
            a.append_local(&fx.cities[0], &practice(n, 60_000), 1)?;
        }
        // Three ~60 KB entries fit 200 KB, then the other two.
        let sizes = sync_all(&a, &b, 200_000)?;
        assert_eq!(sizes.len(), 2, "{sizes:?}");
        assert!(sizes.iter().all(|s| *s <= 200_000), "{sizes:?}");
        assert_eq!(b.entry_count(), 5);
        Ok(())
    }

    #[test]
    fn wrong_network_gets_nothing() -> TestResult {
        let mut fx = Fixture::new(1)?;
        let a = fx.store(1)?;
        a.append_local(&fx.cities[0], &practice(0, 0), 1)?;
        let request = SyncRequest {
            network_id: Hash32([0; 32]),
            frontier: Frontier::default(),
            authors: AuthorRange::ALL,
        };
        assert_eq!(serve(&a, &request, 1 << 20)?, SyncResponse::default());
        Ok(())
    }

    #[test]
    fn divergent_heads_yield_a_fork_proof_once() -> TestResult {
        let mut fx = Fixture::new(1)?;
        let a = fx.store(1)?;
        let b = fx.store(1)?;
        // The city signs two different entries at seq 1, one reaches each node.
        a.append_local(&fx.cities[0], &practice(1, 0), 1)?;
        b.append_local(&fx.cities[0], &practice(2, 0), 1)?;
        let mut known = KnownForks::default();
        let request = request_from(&b, AuthorRange::ALL);
        let response = serve(&a, &request, 1 << 20)?;
        assert_eq!(response.entries.len(), 1, "the other entry at the same seq");
        let report = apply_sync(&b, &mut known, response.clone());
        assert_eq!(report.forks.len(), 1);
        assert_eq!(b.forks()?.len(), 1);
        // The next round sends it again; it is recognised without a store call.
        let again = apply_sync(&b, &mut known, response);
        assert!(again.forks.is_empty() && again.rejected == 0);
        Ok(())
    }
}
