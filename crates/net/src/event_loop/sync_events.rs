//! Sync: outbound sessions (driven by [`SyncScheduler`]) and inbound requests (rate-limited,
//! served by the store worker).

use super::*;

impl EventLoop {
    // ----- sync -----

    pub(super) fn queue_sync(&mut self, peer: PeerId) {
        self.sync.queue(peer);
        self.run_sync(Vec::new());
    }

    pub(super) fn queue_sync_first(&mut self, peer: PeerId) {
        self.sync.queue_first(peer);
        self.run_sync(Vec::new());
    }

    /// Held entries need what their sender has; a sender that cannot sync (a bare gossip peer)
    /// sends us to another peer.
    pub(super) fn sync_for_held(&mut self, source: PeerId) {
        if self.no_sync.contains(&source) || !self.swarm.is_connected(&source) {
            self.queue_random_peer(Some(source));
        } else {
            self.queue_sync_first(source);
        }
    }

    /// Carries out the scheduler's actions, then starts the next session if none runs.
    pub(super) fn run_sync(&mut self, mut actions: Vec<SyncAction>) {
        loop {
            for action in std::mem::take(&mut actions) {
                match action {
                    SyncAction::Send {
                        peer,
                        authors,
                        ahead,
                        roster_ahead,
                    } => self.send_sync_request(peer, authors, ahead, roster_ahead),
                    SyncAction::Ended { peer, completed } => {
                        if completed {
                            self.counters.sync_rounds += 1;
                            // Everything the peer holds is stored: a restore's hold is lifted.
                            self.store.first_sync_completed();
                            self.reingest(peer);
                        } else if !self.held.is_empty() {
                            // Nothing new arrived for the held entries: ask another peer.
                            self.queue_random_peer_only(peer);
                        }
                    }
                }
            }
            let swarm = &self.swarm;
            let no_sync = &self.no_sync;
            let offences = &self.offences;
            actions = self.sync.start_next(Instant::now(), |peer| {
                swarm.is_connected(peer) && !no_sync.contains(peer) && !offences.is_banned(peer)
            });
            if actions.is_empty() {
                return;
            }
        }
    }

    /// Sends `peer` our frontier, with `ahead` (received, not yet stored) claimed as held so the
    /// peer prepares the next batch while this one is being stored, asking about `authors`.
    pub(super) fn send_sync_request(
        &mut self,
        peer: PeerId,
        authors: AuthorRange,
        ahead: Vec<Head>,
        roster_ahead: u64,
    ) {
        let local = worker::request_frontier(&self.store);
        let frontier = if ahead.is_empty() {
            local
        } else {
            Frontier::new(
                local.roster_version.max(roster_ahead),
                local.heads.into_iter().chain(ahead),
            )
        };
        let request = SyncRequest {
            network_id: self.network_id,
            frontier,
            authors,
        };
        let id = self.swarm.behaviour_mut().sync.send_request(&peer, request);
        self.sync.sent(peer, id);
    }

    pub(super) fn on_sync_retry(&mut self) {
        let swarm = &self.swarm;
        let actions = self
            .sync
            .on_retry_time(|peer| swarm.is_connected(peer), Instant::now());
        self.run_sync(actions);
    }

    /// An inbound request: served by the store worker if the peer is within its rate, refused
    /// cheaply if not, and the peer banned if it keeps asking before its retry time.
    pub(super) fn on_sync_request(
        &mut self,
        peer: PeerId,
        request: SyncRequest,
        channel: ResponseChannel<SyncAnswer>,
    ) {
        let now = Instant::now();
        if request.network_id != self.network_id {
            // Another coalition's node: nothing here is for it. Not an offence, but not served.
            tracing::debug!(%peer, theirs = %request.network_id, "sync request for another coalition");
            self.counters.sync_refused += 1;
            let answer = SyncAnswer::WrongNetwork {
                ours: self.network_id,
            };
            if self
                .swarm
                .behaviour_mut()
                .sync
                .send_response(channel, answer)
                .is_err()
            {
                tracing::debug!(%peer, "the sync requester went away before the refusal");
            }
            return;
        }
        match self.sync_limiter.check(&peer, now) {
            Decision::Allow => {
                let serving = self.serving.get(&peer).copied().unwrap_or(0);
                if serving >= MAX_SERVES_PER_PEER {
                    tracing::debug!(%peer, serving, "refusing a pipelined sync request");
                    self.sync_limiter.defer(&peer, now, BUSY_RETRY);
                    self.refuse(peer, channel, BUSY_RETRY);
                    return;
                }
                match self.submit(Job::Serve {
                    peer,
                    request,
                    channel,
                }) {
                    Ok(()) => *self.serving.entry(peer).or_insert(0) += 1,
                    Err(job) => {
                        tracing::debug!(%peer, "store worker busy; refusing a sync request");
                        self.sync_limiter.defer(&peer, now, BUSY_RETRY);
                        if let Job::Serve { channel, .. } = *job {
                            self.refuse(peer, channel, BUSY_RETRY);
                        }
                    }
                }
            }
            Decision::Deny { retry_after } => self.refuse(peer, channel, retry_after),
            Decision::Ban { strikes } => {
                self.counters.sync_refused += 1;
                self.counters.sync_bans += 1;
                drop(channel);
                let reason = format!("{strikes} sync requests before their retry time");
                self.ban(peer, &reason);
            }
        }
    }

    pub(super) fn refuse(
        &mut self,
        peer: PeerId,
        channel: ResponseChannel<SyncAnswer>,
        wait: Duration,
    ) {
        self.counters.sync_refused += 1;
        let retry_after_ms = u32::try_from(wait.as_micros().div_ceil(1000))
            .unwrap_or(u32::MAX)
            .max(1);
        let refusal = SyncAnswer::Refused { retry_after_ms };
        if self
            .swarm
            .behaviour_mut()
            .sync
            .send_response(channel, refusal)
            .is_err()
        {
            tracing::debug!(%peer, "the sync requester went away before the refusal");
        }
    }

    pub(super) fn on_sync(&mut self, event: request_response::Event<SyncRequest, SyncAnswer>) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request {
                    request, channel, ..
                } => self.on_sync_request(peer, request, channel),
                request_response::Message::Response {
                    request_id,
                    response,
                } => {
                    if self.sync.is_ours(request_id) {
                        self.on_sync_answer(peer, response);
                    }
                }
            },
            request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            } => {
                tracing::debug!(%peer, %error, "sync request failed");
                if matches!(
                    error,
                    request_response::OutboundFailure::UnsupportedProtocols
                ) {
                    self.no_sync.insert(peer);
                }
                if self.sync.is_ours(request_id) {
                    let actions = self.sync.fail(peer);
                    self.run_sync(actions);
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(%peer, %error, "answering a sync request failed");
                // A request that does not decode is what the peer sent: it counts as invalid.
                if let request_response::InboundFailure::Io(e) = &error {
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        self.penalise(peer);
                    }
                }
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    /// The answer to our session's request in flight.
    pub(super) fn on_sync_answer(&mut self, peer: PeerId, answer: SyncAnswer) {
        let now = Instant::now();
        let response = match answer {
            SyncAnswer::Batch(response) => response,
            SyncAnswer::Refused { retry_after_ms } => {
                self.counters.sync_refusals_received += 1;
                tracing::debug!(%peer, retry_after_ms, "sync request refused");
                let actions = self.sync.on_refused(peer, retry_after_ms, now);
                self.run_sync(actions);
                return;
            }
            SyncAnswer::WrongNetwork { ours } => {
                tracing::warn!(%peer, theirs = %ours, "this peer belongs to another coalition; disconnecting");
                self.no_sync.insert(peer);
                let _ = self.swarm.disconnect_peer_id(peer);
                let actions = self.sync.fail(peer);
                self.run_sync(actions);
                return;
            }
        };
        let decoded: Vec<SignedEntry> = response
            .entries
            .iter()
            .filter_map(|w| SignedEntry::decode(&w.entry).ok())
            .collect();
        let heads = crate::sync_session::claimable_heads(&decoded);
        let roster_ahead = response.roster.last().map_or(0, |c| c.change.seq);
        // Ask for the next batch now, as if the batches handed to the worker were stored: the
        // peer reads it while our worker verifies and writes.
        let more = response.more;
        let ahead = self.sync.on_batch(peer, heads, more);
        self.counters.sync_requests += 1;
        self.counters.sync_entries_received += response.entries.len() as u64;
        if self.submit(Job::SyncBatch { peer, response }).is_err() {
            tracing::debug!(%peer, "store worker busy; dropping a sync response");
            let actions = self.sync.fail(peer);
            self.run_sync(actions);
            return;
        }
        if more {
            // A catch-up: fetch the other parts of the authors from other peers at once.
            let actions = self.sync.widen(
                self.config.sync_v2 && self.sync_v2.contains(&peer),
                &self.sync_helpers(peer),
                now,
            );
            self.run_sync(actions);
        }
        if let Some(ahead) = ahead {
            let actions = self.sync.ask(peer, ahead, roster_ahead, now);
            self.run_sync(actions);
        }
    }

    pub(super) fn on_synced(&mut self, peer: PeerId, report: worker::SyncReport) {
        if let Some(error) = &report.error {
            tracing::debug!(%peer, %error, rejected = report.rejected, "sync batch had problems");
        }
        let progressed = report.progressed();
        self.counters.entries_via_sync += report.stored.len() as u64;
        for stored in report.stored {
            self.arrived(stored, Via::Sync);
        }
        for version in report.roster_applied {
            self.emit(NetEvent::RosterApplied { version });
        }
        for proof in report.forks {
            self.fork_found(proof);
        }
        let connected = self.swarm.is_connected(&peer);
        let actions = self
            .sync
            .on_stored(peer, progressed, connected, Instant::now());
        self.run_sync(actions);
    }

    /// Peers that could fetch a part of a catch-up beside `lead`: connected, speaking
    /// `/coalition/sync/2`, not banned; queued peers first (they were to be asked anyway).
    fn sync_helpers(&self, lead: PeerId) -> Vec<PeerId> {
        let usable = |p: &PeerId| {
            *p != lead
                && self.sync_v2.contains(p)
                && self.swarm.is_connected(p)
                && !self.no_sync.contains(p)
                && !self.offences.is_banned(p)
        };
        let mut helpers: Vec<PeerId> = self.sync.queued().filter(|p| usable(p)).copied().collect();
        for peer in self.swarm.connected_peers() {
            if usable(peer) && !helpers.contains(peer) {
                helpers.push(*peer);
            }
        }
        helpers
    }

    pub(super) fn queue_random_peer(&mut self, except: Option<PeerId>) {
        self.queue_random_peer_only(except);
        self.run_sync(Vec::new());
    }

    /// Queues a random connected peer that can sync, other than `except`, for a session.
    pub(super) fn queue_random_peer_only(&mut self, except: Option<PeerId>) {
        let candidates: Vec<PeerId> = self
            .swarm
            .connected_peers()
            .filter(|p| Some(**p) != except && !self.no_sync.contains(p))
            .copied()
            .collect();
        if candidates.is_empty() {
            return;
        }
        if let Some(pick) = candidates.get(rand::random_range(0..candidates.len())) {
            self.sync.queue(*pick);
        }
    }
}
