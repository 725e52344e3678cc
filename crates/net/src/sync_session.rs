//! Outbound sync rounds: which peers this node asks, when it asks again, and when a round is
//! over. At most one round runs at a time, so a node back from downtime fetches what it lacks
//! once, not once per peer. A round starts as one session with one peer over every author; when
//! that peer's first answer says it holds more than one batch (a real catch-up), the round widens:
//! the author key space is split between the lead and up to two more peers that speak
//! `/coalition/sync/2`, each session fetching its own part at once (PROTOCOL.md §14.3). Each
//! session asks its peer again and again while the peer says it holds more and each batch brings
//! something new, and pipelines: the next request goes out, claiming the batch that is still
//! being stored, while the store worker writes it. The round is complete when every part is.
//!
//! A plain state machine: the network task feeds it events with the time and carries out the
//! [`SyncAction`]s it returns (send a request, note that a round ended). Generic over the
//! request id so the tests need no swarm.

use coalition_record::sync::{AuthorRange, Head};
use libp2p::PeerId;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Most requests in one session with one peer.
pub(crate) const MAX_REQUESTS_PER_SESSION: u32 = 10_000;
/// A refused requester waits at least this, and at most the longer bound, whatever it is told.
pub(crate) const MIN_RETRY_WAIT: Duration = Duration::from_millis(5);
pub(crate) const MAX_RETRY_WAIT: Duration = Duration::from_secs(10);
/// Refusals in a row (no batch between them) before a session gives up on its peer.
pub(crate) const MAX_REFUSALS_IN_A_ROW: u32 = 8;
/// Most peers one round fetches from at once. More would add little: the requester's own
/// verification and writes are the floor, and each peer pays for its share of the reads.
pub(crate) const MAX_SESSIONS_PER_ROUND: usize = 3;
/// Most batches of one session handed to the store worker and not yet reported stored: what
/// bounds the responses a catch-up holds in memory (six of at most `max_response` bytes each).
/// The worker's stream reports a batch only once its sync returns, which runs while the next
/// batch is written, while more are checked ahead on other threads; with three, the stream
/// still waited for the peer's answers most of the time (3.4 of 4.2 s for 100,000 entries on
/// loopback, issue #14), with six almost never (0.03 s).
pub(crate) const MAX_BATCHES_IN_WORKER: usize = 6;
/// Peers remembered with a retry time.
const MAX_RETRY_TIMES: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SyncAction {
    /// Send `peer` a request about `authors` stating this node's frontier with `ahead` (entries
    /// received and not yet stored) counted as held, and the roster as of at least
    /// `roster_ahead`; then report the request id with [`SyncScheduler::sent`].
    Send {
        peer: PeerId,
        authors: AuthorRange,
        ahead: Vec<Head>,
        roster_ahead: u64,
    },
    /// The round led by `peer` is over. `completed`: every part ended because its peer had
    /// nothing more (retry held entries now); otherwise a part failed, and `peer` is the first
    /// that failed (ask another peer for what is held).
    Ended {
        peer: Option<PeerId>,
        completed: bool,
    },
}

#[derive(Debug)]
struct Session<R> {
    peer: PeerId,
    /// The authors this session fetches.
    authors: AuthorRange,
    /// The request in flight; `None` while its response is being stored or while waiting.
    request: Option<R>,
    requests: u32,
    /// Refused, and waiting until then before asking again.
    waiting: Option<Instant>,
    refused_in_a_row: u32,
    /// Heads of the responses handed to the store worker and not yet reported back, oldest
    /// first: what a pipelined request claims as held.
    in_worker: VecDeque<Vec<Head>>,
    /// Whether the latest response said the peer holds more.
    more: bool,
}

impl<R> Session<R> {
    fn new(peer: PeerId, authors: AuthorRange) -> Self {
        Session {
            peer,
            authors,
            request: None,
            requests: 0,
            waiting: None,
            refused_in_a_row: 0,
            in_worker: VecDeque::new(),
            more: false,
        }
    }
}

#[derive(Debug)]
struct Round<R> {
    lead: PeerId,
    sessions: Vec<Session<R>>,
    /// The key space was split between several peers.
    widened: bool,
    /// The first peer whose part failed.
    failed: Option<PeerId>,
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Failed,
}

#[derive(Debug)]
pub(crate) struct SyncScheduler<R> {
    round: Option<Round<R>>,
    queue: VecDeque<PeerId>,
    /// Peers that refused us: not asked again before then.
    not_before: HashMap<PeerId, Instant>,
}

impl<R: Copy + Eq> SyncScheduler<R> {
    pub(crate) fn new() -> Self {
        SyncScheduler {
            round: None,
            queue: VecDeque::new(),
            not_before: HashMap::new(),
        }
    }

    /// The peers of the running round, lead first.
    #[cfg(test)]
    pub(crate) fn session_peers(&self) -> Vec<PeerId> {
        self.round
            .iter()
            .flat_map(|r| r.sessions.iter().map(|s| s.peer))
            .collect()
    }

    fn in_round(&self, peer: &PeerId) -> bool {
        self.round
            .as_ref()
            .is_some_and(|r| r.sessions.iter().any(|s| s.peer == *peer))
    }

    fn session_mut(&mut self, peer: &PeerId) -> Option<&mut Session<R>> {
        self.round
            .as_mut()?
            .sessions
            .iter_mut()
            .find(|s| s.peer == *peer)
    }

    /// When [`Self::on_retry_time`] should be called.
    pub(crate) fn retry_at(&self) -> Option<Instant> {
        self.round
            .as_ref()?
            .sessions
            .iter()
            .filter_map(|s| s.waiting)
            .min()
    }

    /// Whether `request` is a request in flight of the running round.
    pub(crate) fn is_ours(&self, request: R) -> bool {
        self.round
            .as_ref()
            .is_some_and(|r| r.sessions.iter().any(|s| s.request == Some(request)))
    }

    /// Peers waiting for a session, in order.
    pub(crate) fn queued(&self) -> impl Iterator<Item = &PeerId> {
        self.queue.iter()
    }

    /// Asks `peer` after the peers already queued.
    pub(crate) fn queue(&mut self, peer: PeerId) {
        if !self.in_round(&peer) && !self.queue.contains(&peer) {
            self.queue.push_back(peer);
        }
    }

    /// Asks `peer` before the peers already queued.
    pub(crate) fn queue_first(&mut self, peer: PeerId) {
        self.queue.retain(|p| *p != peer);
        if !self.in_round(&peer) {
            self.queue.push_front(peer);
        }
    }

    /// With no round running, starts one with the first queued peer `can_sync` allows: one
    /// session over every author.
    pub(crate) fn start_next(
        &mut self,
        now: Instant,
        can_sync: impl Fn(&PeerId) -> bool,
    ) -> Vec<SyncAction> {
        if self.round.is_some() {
            return Vec::new();
        }
        while let Some(peer) = self.queue.pop_front() {
            if can_sync(&peer) {
                self.round = Some(Round {
                    lead: peer,
                    sessions: vec![Session::new(peer, AuthorRange::ALL)],
                    widened: false,
                    failed: None,
                });
                return self.ask(peer, Vec::new(), 0, now);
            }
        }
        Vec::new()
    }

    /// Splits the running round's authors between its lead and up to two of `helpers` (peers
    /// that speak `/coalition/sync/2`, in the order to prefer), if the lead speaks it too
    /// (`lead_can_split`) and said it holds more than one batch. Once per round.
    pub(crate) fn widen(
        &mut self,
        lead_can_split: bool,
        helpers: &[PeerId],
        now: Instant,
    ) -> Vec<SyncAction> {
        let Some(round) = self.round.as_mut() else {
            return Vec::new();
        };
        let lead = round.lead;
        let ready = !round.widened
            && lead_can_split
            && round.sessions.len() == 1
            && round.sessions[0].peer == lead
            && round.sessions[0].more
            && round.sessions[0].authors.is_all();
        if !ready {
            return Vec::new();
        }
        let not_before = &self.not_before;
        let chosen: Vec<PeerId> = helpers
            .iter()
            .filter(|p| **p != lead && not_before.get(*p).is_none_or(|until| *until <= now))
            .take(MAX_SESSIONS_PER_ROUND - 1)
            .copied()
            .collect();
        if chosen.is_empty() {
            return Vec::new();
        }
        round.widened = true;
        let parts = AuthorRange::split(chosen.len() + 1);
        // The lead has been fetching from the lowest keys up: it keeps the first part. Its
        // request in flight still asks about every author; only that one answer may overlap.
        round.sessions[0].authors = parts[0];
        let helpers: Vec<PeerId> = chosen
            .into_iter()
            .zip(parts.into_iter().skip(1))
            .map(|(peer, authors)| {
                round.sessions.push(Session::new(peer, authors));
                peer
            })
            .collect();
        helpers
            .into_iter()
            .flat_map(|peer| self.ask(peer, Vec::new(), 0, now))
            .collect()
    }

    /// `peer`'s session's next request (with `ahead` claimed: the pipelined request
    /// [`Self::on_batch`] asked for), or a wait until the peer's retry time if it refused us.
    pub(crate) fn ask(
        &mut self,
        peer: PeerId,
        ahead: Vec<Head>,
        roster_ahead: u64,
        now: Instant,
    ) -> Vec<SyncAction> {
        let until = self.not_before.get(&peer).copied();
        let Some(session) = self.session_mut(&peer) else {
            return Vec::new();
        };
        if let Some(until) = until {
            if until > now {
                session.waiting = Some(until);
                session.request = None;
                return Vec::new();
            }
        }
        let authors = session.authors;
        self.not_before.remove(&peer);
        vec![SyncAction::Send {
            peer,
            authors,
            ahead,
            roster_ahead,
        }]
    }

    /// The request of a [`SyncAction::Send`] to `peer` went out as `request`.
    pub(crate) fn sent(&mut self, peer: PeerId, request: R) {
        if let Some(session) = self.session_mut(&peer) {
            session.waiting = None;
            session.requests += 1;
            session.request = Some(request);
        }
    }

    /// A batch from `peer` answered our request: returns what to claim in a pipelined request
    /// sent right away (every batch of the session waiting in the worker; call [`Self::ask`]
    /// once the batch is with the store worker), if one should go. At most
    /// [`MAX_BATCHES_IN_WORKER`] batches per session wait in the worker, so the pipeline cannot
    /// run far ahead of it.
    pub(crate) fn on_batch(
        &mut self,
        peer: PeerId,
        heads: Vec<Head>,
        more: bool,
    ) -> Option<Vec<Head>> {
        let session = self.session_mut(&peer)?;
        session.request = None;
        session.refused_in_a_row = 0;
        session.more = more;
        let pipeline = more
            && !heads.is_empty()
            && session.in_worker.len() < MAX_BATCHES_IN_WORKER
            && session.requests < MAX_REQUESTS_PER_SESSION;
        session.in_worker.push_back(heads);
        pipeline.then(|| session.in_worker.iter().flatten().copied().collect())
    }

    /// The store worker reported a batch from `peer` stored (`progressed`: something new).
    pub(crate) fn on_stored(
        &mut self,
        peer: PeerId,
        progressed: bool,
        connected: bool,
        now: Instant,
    ) -> Vec<SyncAction> {
        let Some(session) = self.session_mut(&peer) else {
            // A batch of a session that already ended; the round, if any, goes on.
            return Vec::new();
        };
        session.in_worker.pop_front();
        if progressed && (session.request.is_some() || session.waiting.is_some()) {
            // A pipelined request is under way; its answer continues the session.
            return Vec::new();
        }
        let again =
            session.more && progressed && connected && session.requests < MAX_REQUESTS_PER_SESSION;
        if again {
            // Claim what still waits in the worker, so the peer does not send it twice.
            let ahead = self.claims(&peer);
            self.ask(peer, ahead, 0, now)
        } else if !progressed || session.in_worker.is_empty() {
            self.end_session(peer, Outcome::Completed)
        } else {
            // The last batch is still being stored, and its report ends the session.
            Vec::new()
        }
    }

    /// `peer` refused our request (over its rate, or busy): wait as told, then ask again;
    /// after too many refusals in a row, leave it (its part of the round fails).
    pub(crate) fn on_refused(
        &mut self,
        peer: PeerId,
        retry_after_ms: u32,
        now: Instant,
    ) -> Vec<SyncAction> {
        let wait =
            Duration::from_millis(u64::from(retry_after_ms)).clamp(MIN_RETRY_WAIT, MAX_RETRY_WAIT);
        if self.not_before.len() >= MAX_RETRY_TIMES {
            self.not_before.retain(|_, until| *until > now);
        }
        self.not_before.insert(peer, now + wait);
        let give_up = match self.session_mut(&peer) {
            Some(session) => {
                session.request = None;
                session.refused_in_a_row += 1;
                session.refused_in_a_row > MAX_REFUSALS_IN_A_ROW
            }
            None => return Vec::new(),
        };
        if give_up {
            self.end_session(peer, Outcome::Failed)
        } else {
            let ahead = self.claims(&peer);
            self.ask(peer, ahead, 0, now)
        }
    }

    /// What a request of `peer`'s session claims as held besides the store: every batch of the
    /// session still in the worker, so that the peer does not serve them again (a batch that
    /// brings nothing new ends a session).
    fn claims(&mut self, peer: &PeerId) -> Vec<Head> {
        self.session_mut(peer)
            .map(|session| session.in_worker.iter().flatten().copied().collect())
            .unwrap_or_default()
    }

    /// Our request to `peer` failed (no answer, protocol unsupported, another coalition), or
    /// its batch could not be stored: that session is over, and the round incomplete.
    pub(crate) fn fail(&mut self, peer: PeerId) -> Vec<SyncAction> {
        self.end_session(peer, Outcome::Failed)
    }

    /// The retry time of one or more waiting sessions came.
    pub(crate) fn on_retry_time(
        &mut self,
        connected: impl Fn(&PeerId) -> bool,
        now: Instant,
    ) -> Vec<SyncAction> {
        let due: Vec<PeerId> = self
            .round
            .iter()
            .flat_map(|r| r.sessions.iter())
            .filter(|s| s.waiting.is_some_and(|until| until <= now))
            .map(|s| s.peer)
            .collect();
        let mut actions = Vec::new();
        for peer in due {
            if connected(&peer) {
                let ahead = self.claims(&peer);
                actions.extend(self.ask(peer, ahead, 0, now));
            } else {
                actions.extend(self.end_session(peer, Outcome::Failed));
            }
        }
        actions
    }

    /// `peer`'s last connection closed.
    pub(crate) fn on_disconnected(&mut self, peer: PeerId) -> Vec<SyncAction> {
        self.queue.retain(|p| *p != peer);
        let waiting_on_it = self.session_mut(&peer).is_some_and(|s| s.waiting.is_some());
        if waiting_on_it {
            self.end_session(peer, Outcome::Failed)
        } else {
            Vec::new()
        }
    }

    /// Forgets retry times that have passed.
    pub(crate) fn expire(&mut self, now: Instant) {
        self.not_before.retain(|_, until| *until > now);
    }

    /// Ends `peer`'s session; the round ends with its last session.
    fn end_session(&mut self, peer: PeerId, outcome: Outcome) -> Vec<SyncAction> {
        let Some(round) = self.round.as_mut() else {
            return Vec::new();
        };
        let before = round.sessions.len();
        round.sessions.retain(|s| s.peer != peer);
        if round.sessions.len() == before {
            return Vec::new();
        }
        if outcome == Outcome::Failed && round.failed.is_none() {
            round.failed = Some(peer);
        }
        if !round.sessions.is_empty() {
            return Vec::new();
        }
        let (lead, failed) = (round.lead, round.failed);
        self.round = None;
        vec![SyncAction::Ended {
            peer: Some(failed.unwrap_or(lead)),
            completed: failed.is_none(),
        }]
    }
}

/// What a sync response lets the next pipelined request claim as held: per author, the end of
/// the longest run of consecutive seqs in the response's order. A response may carry an erasure
/// ahead of the entries it serves without payload (PROTOCOL.md §8.9); that entry is not the end
/// of a run from the requester's head, so claiming it would skip the entries between. An erasure
/// or order alone of its author is not claimed either (the next request asks again from the
/// stored head, and gets it as a duplicate).
pub(crate) fn claimable_heads(entries: &[coalition_record::SignedEntry]) -> Vec<Head> {
    let erasure_kinds = [6u16, 13];
    let mut runs: Vec<(coalition_record::PublicKey, Vec<Head>)> = Vec::new();
    for e in entries {
        let head = Head {
            author: e.header.author,
            seq: e.header.seq,
            id: e.id(),
        };
        match runs.iter_mut().find(|(a, _)| *a == head.author) {
            Some((_, seen)) => seen.push(head),
            None => runs.push((head.author, vec![head])),
        }
    }
    let mut out = Vec::new();
    for (_, seen) in runs {
        if seen.len() == 1 {
            let alone = &entries
                .iter()
                .find(|e| e.id() == seen[0].id)
                .map(|e| e.header.kind);
            if alone.is_some_and(|k| erasure_kinds.contains(&k)) {
                continue;
            }
        }
        let (mut best, mut best_len) = (0usize, 0usize);
        let (mut start, mut len) = (0usize, 0usize);
        for (i, h) in seen.iter().enumerate() {
            if i > 0 && h.seq == seen[i - 1].seq.saturating_add(1) {
                len += 1;
            } else {
                start = i;
                len = 1;
            }
            if len > best_len {
                (best, best_len) = (start + len - 1, len);
            }
        }
        if let Some(h) = seen.get(best) {
            out.push(*h);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_record::{Hash32, PublicKey};

    fn signed(
        key: &coalition_record::SecretKey,
        seq: u64,
        kind_erasure: bool,
    ) -> coalition_record::SignedEntry {
        let payload = if kind_erasure {
            coalition_record::Payload::Erasure(coalition_record::payload::Erasure {
                target: Hash32([1; 32]),
                reason: String::new(),
            })
        } else {
            coalition_record::Payload::Retraction(coalition_record::payload::Retraction {
                target: Hash32([1; 32]),
                reason: "r".into(),
            })
        };
        coalition_record::SignedEntry::create(key, Hash32([0; 32]), seq, None, 0, &payload).0
    }

    #[test]
    fn an_erasure_sent_ahead_of_its_page_is_not_claimed() {
        let a = coalition_record::SecretKey::from_seed([1; 32]);
        let b = coalition_record::SecretKey::from_seed([2; 32]);
        // Erasure at seq 50 first, then the page 3..=6 of the same city; an order alone by b.
        let mut entries = vec![signed(&a, 50, true), signed(&b, 9, true)];
        entries.extend((3..=6).map(|seq| signed(&a, seq, false)));
        let heads = claimable_heads(&entries);
        assert_eq!(heads.len(), 1, "{heads:?}");
        assert_eq!((heads[0].author, heads[0].seq), (a.public(), 6));
        // A plain page claims its last entry, as before.
        let page: Vec<_> = (1..=3).map(|seq| signed(&b, seq, false)).collect();
        let heads = claimable_heads(&page);
        assert_eq!((heads[0].author, heads[0].seq), (b.public(), 3));
    }

    /// A scheduler with one session, with peer `a`, whose first request went out.
    fn one_session_asked() -> (PeerId, SyncScheduler<u32>, Instant) {
        let a = PeerId::random();
        let mut s = SyncScheduler::<u32>::new();
        let now = Instant::now();
        s.queue(a);
        s.start_next(now, |_| true);
        s.sent(a, 1);
        (a, s, now)
    }

    fn head(n: u8) -> Head {
        Head {
            author: PublicKey([n; 32]),
            seq: u64::from(n),
            id: Hash32([n; 32]),
        }
    }

    /// A scheduler whose session with `peer` sent request 1 and got its first batch back,
    /// saying `more` or not.
    fn first_batch_answered(peer: PeerId, more: bool, now: Instant) -> SyncScheduler<u32> {
        let mut s = SyncScheduler::<u32>::new();
        s.queue(peer);
        s.start_next(now, |_| true);
        s.sent(peer, 1);
        s.on_batch(peer, vec![head(1)], more);
        s
    }

    fn send_to(actions: &[SyncAction]) -> Option<PeerId> {
        match actions {
            [SyncAction::Send { peer, .. }] => Some(*peer),
            _ => None,
        }
    }

    #[test]
    fn one_session_at_a_time_in_queue_order_skipping_peers_that_cannot_sync() {
        let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
        let mut s = SyncScheduler::<u32>::new();
        let now = Instant::now();
        s.queue(a);
        s.queue(b);
        s.queue_first(c);
        let actions = s.start_next(now, |p| *p != c);
        assert_eq!(send_to(&actions), Some(a), "c cannot sync, a is next");
        s.sent(a, 1);
        assert!(s.start_next(now, |_| true).is_empty(), "a session runs");
        assert!(s.is_ours(1) && !s.is_ours(2));
        // a has nothing more: one batch, stored, ends the session.
        assert_eq!(s.on_batch(a, vec![head(1)], false), None);
        assert_eq!(
            s.on_stored(a, true, true, now),
            vec![SyncAction::Ended {
                peer: Some(a),
                completed: true
            }]
        );
        assert_eq!(send_to(&s.start_next(now, |_| true)), Some(b));
    }

    #[test]
    fn a_peer_with_more_is_asked_again_with_the_batches_in_the_worker_claimed() {
        let (a, mut s, now) = one_session_asked();
        // Each batch that arrives while fewer than MAX_BATCHES_IN_WORKER wait in the worker
        // pipelines: ask for the next right away, claiming every batch in the worker.
        let most = MAX_BATCHES_IN_WORKER as u8;
        let mut claimed = Vec::new();
        for n in 1..=most {
            claimed.push(head(n));
            assert_eq!(
                s.on_batch(a, vec![head(n)], true),
                Some(claimed.clone()),
                "batch {n}"
            );
            let actions = s.ask(a, claimed.clone(), 0, now);
            assert!(matches!(&actions[..], [SyncAction::Send { ahead, .. }] if ahead == &claimed));
            s.sent(a, u32::from(n) + 1);
        }
        // One more while the worker holds its most: no request until one is stored.
        assert_eq!(
            s.on_batch(a, vec![head(most + 1)], true),
            None,
            "the worker holds its most"
        );
        // The first report: ask again, claiming the batches still in the worker.
        let actions = s.on_stored(a, true, true, now);
        let still: Vec<Head> = (2..=most + 1).map(head).collect();
        assert!(
            matches!(&actions[..], [SyncAction::Send { ahead, .. }] if ahead == &still),
            "{actions:?}"
        );
        s.sent(a, u32::from(most) + 2);
        assert_eq!(s.on_batch(a, vec![head(most + 2)], false), None, "no more");
        // The reports before the last leave the session open, the last ends it.
        for _ in 0..most {
            assert!(s.on_stored(a, true, true, now).is_empty());
        }
        assert_eq!(
            s.on_stored(a, true, true, now),
            vec![SyncAction::Ended {
                peer: Some(a),
                completed: true
            }]
        );
    }

    #[test]
    fn a_batch_that_brought_nothing_new_ends_the_session() {
        let (a, mut s, now) = one_session_asked();
        s.on_batch(a, Vec::new(), true);
        assert_eq!(
            s.on_stored(a, false, true, now),
            vec![SyncAction::Ended {
                peer: Some(a),
                completed: true
            }]
        );
    }

    #[test]
    fn refusals_wait_the_retry_time_and_too_many_give_up() {
        let (a, mut s, now) = one_session_asked();
        // Told to wait 300 ms: nothing is sent now; the retry time is set.
        assert!(s.on_refused(a, 300, now).is_empty());
        assert_eq!(s.retry_at(), Some(now + Duration::from_millis(300)));
        let later = now + Duration::from_millis(300);
        assert_eq!(send_to(&s.on_retry_time(|_| true, later)), Some(a));
        // A tiny or huge retry time is clamped.
        s.sent(a, 2);
        s.on_refused(a, 0, later);
        assert_eq!(s.retry_at(), Some(later + MIN_RETRY_WAIT));
        let mut t = later + MIN_RETRY_WAIT;
        s.on_retry_time(|_| true, t);
        s.sent(a, 3);
        s.on_refused(a, u32::MAX - 1, t);
        assert_eq!(s.retry_at(), Some(t + MAX_RETRY_WAIT));
        t += MAX_RETRY_WAIT;
        s.on_retry_time(|_| true, t);
        // 8 refusals in a row are waited out, the ninth ends the session.
        let mut ended = None;
        for i in 0..MAX_REFUSALS_IN_A_ROW {
            s.sent(a, 10 + i);
            let actions = s.on_refused(a, 1, t);
            if let [SyncAction::Ended { completed, .. }] = actions.as_slice() {
                ended = Some((i, *completed));
                break;
            }
            t += MIN_RETRY_WAIT;
            s.on_retry_time(|_| true, t);
        }
        assert_eq!(
            ended,
            Some((MAX_REFUSALS_IN_A_ROW - 3, false)),
            "3 refusals came before"
        );
    }

    #[test]
    fn the_request_after_a_refusal_still_claims_the_batches_in_the_worker() {
        let (a, mut s, now) = one_session_asked();
        assert_eq!(s.on_batch(a, vec![head(1)], true), Some(vec![head(1)]));
        s.ask(a, vec![head(1)], 0, now);
        s.sent(a, 2);
        // The pipelined request is refused (over the peer's rate) while the first batch is
        // still in the worker: after the wait, the request claims it again. Without the claim
        // the peer serves it a second time, that batch brings nothing new and ends the session
        // while the peer holds more (a catch-up of 200,000 entries stalled so).
        assert!(s.on_refused(a, 20, now).is_empty());
        let later = now + Duration::from_millis(20);
        let actions = s.on_retry_time(|_| true, later);
        assert!(
            matches!(&actions[..], [SyncAction::Send { ahead, .. }] if ahead == &vec![head(1)]),
            "{actions:?}"
        );
    }

    #[test]
    fn a_waiting_session_ends_when_its_peer_leaves() {
        let (a, b) = (PeerId::random(), PeerId::random());
        let mut s = SyncScheduler::<u32>::new();
        let now = Instant::now();
        s.queue(a);
        s.queue(b);
        s.start_next(now, |_| true);
        s.sent(a, 1);
        s.on_refused(a, 1000, now);
        assert_eq!(
            s.on_disconnected(a),
            vec![SyncAction::Ended {
                peer: Some(a),
                completed: false
            }]
        );
        // A queued peer that leaves is dropped from the queue.
        s.on_disconnected(b);
        assert!(s.start_next(now, |_| true).is_empty());
        // And a retry time that comes for a peer that left ends the session too.
        s.queue(b);
        s.start_next(now, |_| true);
        s.sent(b, 2);
        s.on_refused(b, 10, now);
        assert_eq!(
            s.on_retry_time(|_| false, now + Duration::from_millis(10)),
            vec![SyncAction::Ended {
                peer: Some(b),
                completed: false
            }]
        );
    }

    #[test]
    fn a_late_report_with_no_round_running_ends_nothing() {
        // Before rounds, a report arriving after its session failed ended a second session,
        // as completed: that would lift a restore's publish-hold without a finished sync.
        let a = PeerId::random();
        let now = Instant::now();
        let mut s = first_batch_answered(a, true, now);
        assert_eq!(
            s.fail(a),
            vec![SyncAction::Ended {
                peer: Some(a),
                completed: false
            }]
        );
        assert!(s.on_stored(a, true, true, now).is_empty());
    }

    #[test]
    fn a_report_from_an_earlier_session_does_not_touch_the_current_one() {
        let (a, b) = (PeerId::random(), PeerId::random());
        let now = Instant::now();
        let mut s = first_batch_answered(a, false, now);
        assert_eq!(
            s.fail(a),
            vec![SyncAction::Ended {
                peer: Some(a),
                completed: false
            }]
        );
        s.queue(b);
        s.start_next(now, |_| true);
        s.sent(b, 2);
        assert!(s.on_stored(a, true, true, now).is_empty());
        assert_eq!(s.session_peers(), vec![b]);
    }
    fn sends(actions: &[SyncAction]) -> Vec<(PeerId, AuthorRange)> {
        actions
            .iter()
            .filter_map(|a| match a {
                SyncAction::Send { peer, authors, .. } => Some((*peer, *authors)),
                SyncAction::Ended { .. } => None,
            })
            .collect()
    }

    #[test]
    fn a_catch_up_widens_to_three_peers_each_with_its_own_part_of_the_authors() {
        let (a, b, c, d) = (
            PeerId::random(),
            PeerId::random(),
            PeerId::random(),
            PeerId::random(),
        );
        let mut s = SyncScheduler::<u32>::new();
        let now = Instant::now();
        s.queue(a);
        s.queue(b);
        let first = s.start_next(now, |_| true);
        assert_eq!(sends(&first), vec![(a, AuthorRange::ALL)]);
        s.sent(a, 1);
        // Before any answer there is nothing to split.
        assert!(s.widen(true, &[b, c, d], now).is_empty());
        // The lead holds more: the round widens to two helpers, the lead keeps the first part.
        assert_eq!(s.on_batch(a, vec![head(1)], true), Some(vec![head(1)]));
        let parts = AuthorRange::split(3);
        let widened = s.widen(true, &[a, b, c, d], now);
        assert_eq!(sends(&widened), vec![(b, parts[1]), (c, parts[2])]);
        s.sent(b, 2);
        s.sent(c, 3);
        assert!(s.is_ours(2) && s.is_ours(3));
        assert_eq!(s.session_peers(), vec![a, b, c]);
        // Once per round.
        assert!(s.widen(true, &[d], now).is_empty());
        // The lead's next request asks about its part only.
        let next = s.ask(a, vec![head(1)], 0, now);
        assert_eq!(sends(&next), vec![(a, parts[0])]);
        s.sent(a, 4);
        // b finishes its part; the round goes on until every part is done.
        s.on_batch(b, vec![head(2)], false);
        assert!(s.on_stored(b, true, true, now).is_empty());
        s.on_batch(c, vec![head(3)], false);
        assert!(s.on_stored(c, true, true, now).is_empty());
        assert!(
            s.on_stored(a, true, true, now).is_empty(),
            "a's answer is out"
        );
        s.on_batch(a, vec![head(4)], false);
        assert_eq!(
            s.on_stored(a, true, true, now),
            vec![SyncAction::Ended {
                peer: Some(a),
                completed: true
            }]
        );
        // b was asked about its part only; it is still queued for a session of its own.
        assert_eq!(s.queued().copied().collect::<Vec<_>>(), vec![b]);
    }

    #[test]
    fn no_widening_without_more_or_without_sync_2_on_the_lead() {
        let (a, b) = (PeerId::random(), PeerId::random());
        let now = Instant::now();
        let mut s = first_batch_answered(a, false, now);
        assert!(s.widen(true, &[b], now).is_empty(), "one batch held it all");
        let mut s = first_batch_answered(a, true, now);
        assert!(
            s.widen(false, &[b], now).is_empty(),
            "the lead speaks sync/1"
        );
        assert!(s.widen(true, &[], now).is_empty(), "no helper");
    }

    #[test]
    fn a_failed_part_makes_the_round_incomplete_and_names_its_peer() {
        let (a, b, c) = (PeerId::random(), PeerId::random(), PeerId::random());
        let now = Instant::now();
        let mut s = first_batch_answered(a, true, now);
        s.widen(true, &[b, c], now);
        s.sent(b, 2);
        s.sent(c, 3);
        assert!(s.fail(b).is_empty(), "a and c go on");
        assert!(!s.is_ours(2));
        // A late report from b's session changes nothing.
        assert!(s.on_stored(b, true, true, now).is_empty());
        s.on_batch(c, vec![head(3)], false);
        assert!(s.on_stored(c, true, true, now).is_empty());
        s.on_stored(a, true, true, now);
        s.ask(a, Vec::new(), 0, now);
        s.sent(a, 4);
        s.on_batch(a, vec![head(4)], false);
        assert_eq!(
            s.on_stored(a, true, true, now),
            vec![SyncAction::Ended {
                peer: Some(b),
                completed: false
            }]
        );
    }
}
