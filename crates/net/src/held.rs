//! Entries held back because their predecessors or their author's admission have not arrived yet:
//! a bounded queue (count and bytes; the oldest go first) whose entries expire. Plain data with
//! the clock passed in.

use crate::jobs::Held;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct HeldQueue {
    entries: VecDeque<Held>,
    bytes: usize,
    max_entries: usize,
    max_bytes: usize,
    ttl: Duration,
}

fn size(held: &Held) -> usize {
    coalition_record::sync::wire_entry_size(&held.wire)
}

impl HeldQueue {
    pub(crate) fn new(max_entries: usize, max_bytes: usize, ttl: Duration) -> Self {
        HeldQueue {
            entries: VecDeque::new(),
            bytes: 0,
            max_entries,
            max_bytes,
            ttl,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Holds `held` unless the same entry is held already; drops the oldest past the bounds.
    pub(crate) fn hold(&mut self, held: Held) {
        if self.entries.iter().any(|h| h.id == held.id) {
            return;
        }
        self.bytes += size(&held);
        self.entries.push_back(held);
        while self.entries.len() > self.max_entries || self.bytes > self.max_bytes {
            match self.entries.pop_front() {
                Some(old) => self.bytes = self.bytes.saturating_sub(size(&old)),
                None => break,
            }
        }
    }

    /// Everything held, oldest first, leaving the queue empty.
    pub(crate) fn take_all(&mut self) -> Vec<Held> {
        self.bytes = 0;
        self.entries.drain(..).collect()
    }

    /// Drops what has been held longer than the time to live.
    pub(crate) fn expire(&mut self, now: Instant) {
        let ttl = self.ttl;
        let before = self.entries.len();
        self.entries
            .retain(|h| now.saturating_duration_since(h.since) < ttl);
        if self.entries.len() != before {
            self.bytes = self.entries.iter().map(size).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_record::{Hash32, PayloadBlob, WireEntry};
    use libp2p::PeerId;

    fn held(n: u8, bytes: usize, since: Instant) -> Held {
        Held {
            wire: WireEntry {
                entry: vec![n; 100],
                payload: Some(PayloadBlob {
                    salt: [0; 16],
                    bytes: vec![0; bytes],
                }),
            },
            id: Hash32([n; 32]),
            source: PeerId::random(),
            since,
        }
    }

    #[test]
    fn bounded_by_count_and_bytes_oldest_first() {
        let now = Instant::now();
        let mut q = HeldQueue::new(3, 10_000, Duration::from_secs(60));
        for n in 0..5 {
            q.hold(held(n, 10, now));
        }
        assert_eq!(q.len(), 3);
        let ids: Vec<u8> = q.take_all().iter().map(|h| h.id.0[0]).collect();
        assert_eq!(ids, vec![2, 3, 4]);
        assert!(q.is_empty());

        let mut q = HeldQueue::new(100, 5_000, Duration::from_secs(60));
        for n in 0..4 {
            q.hold(held(n, 2_000, now));
        }
        assert_eq!(q.len(), 2, "two of 2 KB fit in 5 KB");
    }

    #[test]
    fn the_same_entry_is_held_once_and_old_ones_expire() {
        let now = Instant::now();
        let mut q = HeldQueue::new(10, 1 << 20, Duration::from_secs(60));
        q.hold(held(1, 10, now));
        q.hold(held(1, 10, now));
        q.hold(held(2, 10, now + Duration::from_secs(30)));
        assert_eq!(q.len(), 2);
        q.expire(now + Duration::from_secs(61));
        assert_eq!(q.len(), 1);
        q.expire(now + Duration::from_secs(91));
        assert!(q.is_empty());
    }
}
