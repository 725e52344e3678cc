//! Gossip: messages in (checked for replays and rate, handed to the store worker), the worker's
//! verdicts out (reported to gossipsub, acted on), held entries.

use super::*;

impl EventLoop {
    // ----- gossip -----

    pub(super) fn on_gossip(&mut self, event: gossipsub::Event) {
        let gossipsub::Event::Message {
            propagation_source: source,
            message_id,
            message,
        } = event
        else {
            return;
        };
        self.counters.gossip_received += 1;
        let data = message.data;
        let data_hash = gossip::message_id_of(&data);
        let entry_rejected =
            gossip::entry_id_of(&data).is_some_and(|id| self.rejected.contains(&id));
        if entry_rejected || self.rejected.contains(&data_hash) {
            self.report(&message_id, &source, MessageAcceptance::Reject);
            return;
        }
        let message = match GossipMessage::decode(&data, self.config.max_gossip_message) {
            Ok(message) => message,
            Err(detail) => {
                tracing::debug!(peer = %source, %detail, "invalid gossip message");
                self.rejected.insert(data_hash);
                self.report(&message_id, &source, MessageAcceptance::Reject);
                return;
            }
        };
        if let GossipMessage::Entry(wire) = &message {
            if self.over_author_limit(wire) {
                // Not invalid: an honest relay forwards what it was sent. Sync fetches it later.
                self.counters.gossip_rate_limited += 1;
                self.report(&message_id, &source, MessageAcceptance::Ignore);
                return;
            }
        }
        let job = Job::Gossip(GossipJob {
            msg_id: message_id.clone(),
            source,
            data_hash,
            message,
        });
        if self.submit(job).is_err() {
            tracing::debug!("store worker busy; ignoring a gossip message (sync will catch up)");
            self.report(&message_id, &source, MessageAcceptance::Ignore);
        }
    }

    /// New entries (past the author's head here) count against their author's gossip rate.
    /// Duplicates and fork halves are left to the store: replaying a city's old entries must not
    /// use up its allowance.
    pub(super) fn over_author_limit(&mut self, wire: &WireEntry) -> bool {
        let Ok(entry) = SignedEntry::decode(&wire.entry) else {
            return false; // the store worker rejects it
        };
        let (author, seq) = (entry.header.author, entry.header.seq);
        if self
            .store
            .head(&author)
            .is_some_and(|(head, _)| seq <= head)
        {
            return false;
        }
        match self.author_limiter.check(&author, Instant::now()) {
            Decision::Allow => false,
            Decision::Deny { .. } | Decision::Ban { .. } => {
                tracing::debug!(author = %author.short(), seq, "author over its gossip rate; sync will fetch the entry");
                true
            }
        }
    }

    pub(super) fn report(
        &mut self,
        id: &gossipsub::MessageId,
        source: &PeerId,
        acceptance: MessageAcceptance,
    ) {
        let reject = acceptance == MessageAcceptance::Reject;
        match acceptance {
            MessageAcceptance::Accept => self.counters.gossip_accepted += 1,
            MessageAcceptance::Reject => self.counters.gossip_rejected += 1,
            MessageAcceptance::Ignore => self.counters.gossip_ignored += 1,
        }
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(id, source, acceptance);
        if reject {
            // After the report, so the score already counts this message.
            self.penalise(*source);
        }
    }

    /// Scoring graylists but never disconnects: after too many invalid messages, or once the
    /// score reaches the graylist (from then on gossipsub drops the peer's messages before we
    /// see them, so the count alone would never be reached), disconnect and block the peer for
    /// a while; and when the peer ids of one address together send too many, the address.
    pub(super) fn on_gossip_verdicts(&mut self, verdicts: Vec<GossipVerdict>) {
        for GossipVerdict {
            msg_id,
            source,
            outcome,
        } in verdicts
        {
            let acceptance = outcome.acceptance();
            match &outcome {
                GossipOutcome::Held { rule, .. } | GossipOutcome::Invalid { rule, .. } => {
                    tracing::debug!(peer = %source, rule, ?acceptance, "gossip message not accepted")
                }
                GossipOutcome::NotNow { rule: Some(rule) } => {
                    tracing::debug!(peer = %source, rule, ?acceptance, "gossip message not accepted")
                }
                _ => {}
            }
            if let GossipOutcome::Invalid { key, .. } = &outcome {
                self.rejected.insert(*key);
            }
            self.report(&msg_id, &source, acceptance);
            match outcome {
                GossipOutcome::Stored(stored) => {
                    self.counters.entries_via_gossip += 1;
                    self.arrived(stored, Via::Gossip);
                }
                GossipOutcome::Held { held, .. } => {
                    self.counters.gaps_seen += 1;
                    self.hold(held);
                    self.sync_for_held(source);
                }
                GossipOutcome::RosterAhead => self.queue_sync_first(source),
                GossipOutcome::Fork(Some(proof)) => self.fork_found(proof),
                GossipOutcome::RosterApplied(version) => {
                    self.emit(NetEvent::RosterApplied { version });
                    self.reingest(None);
                }
                GossipOutcome::ForkProofStored
                | GossipOutcome::Duplicate
                | GossipOutcome::Fork(None)
                | GossipOutcome::NotNow { .. }
                | GossipOutcome::Invalid { .. } => {}
            }
        }
    }

    pub(super) fn arrived(&mut self, stored: StoredInfo, via: Via) {
        self.last_arrival = Some(SystemTime::now());
        self.emit(NetEvent::EntryStored {
            id: stored.id,
            author: stored.author,
            seq: stored.seq,
            via,
        });
    }

    pub(super) fn fork_found(&mut self, proof: ForkProof) {
        self.counters.forks_seen += 1;
        if let Ok((author, seq)) = coalition_record::ForkProof::verify(&proof) {
            tracing::warn!(author = %author.short(), seq, "fork: the city signed two entries at one seq");
            self.emit(NetEvent::ForkDetected { author, seq });
        }
        if let Err(e) = self.publish(GossipMessage::Fork(proof)) {
            tracing::debug!(error = %e, "gossiping a fork proof failed");
        }
    }

    pub(super) fn hold(&mut self, held: Held) {
        self.held.hold(held);
    }

    /// Retries the held entries; `synced_with`: the peer whose sync session just completed (its
    /// roster is now ours, so an entry it relayed whose author is still unknown was a
    /// non-member's).
    pub(super) fn reingest(&mut self, synced_with: Option<PeerId>) {
        if self.reingest_running || self.held.is_empty() {
            return;
        }
        let held = self.held.take_all();
        let mut judge: Vec<PeerId> = self.no_sync.iter().copied().collect();
        judge.extend(synced_with);
        if let Err(job) = self.submit(Job::Reingest { held, judge }) {
            if let Job::Reingest { held, .. } = *job {
                for h in held {
                    self.hold(h);
                }
            }
        } else {
            self.reingest_running = true;
        }
    }
}
