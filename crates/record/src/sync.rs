//! Sync decisions, pure: the frontier two nodes exchange, what one lacks that the other holds
//! ([`wants`]), and the rule that bounds one response ([`BatchBudget`]). The network crate moves
//! the bytes; everything it decides is decided here and unit-tested without sockets.

use crate::bytes::PublicKey;
use crate::entry::{EntryId, WireEntry};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most authors a frontier may list; a peer's frontier beyond this is ignored.
pub const MAX_FRONTIER_AUTHORS: usize = 8192;
/// Largest sync response, framing included. Below yamux's 1 MiB frame limit is not needed (yamux
/// splits writes), but one response stays small enough to hold in memory without thought.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Room kept in a response for its envelope (vector lengths, flags).
pub const RESPONSE_ENVELOPE_BYTES: usize = 1024;
/// Most roster changes in one response; more follow in the next.
pub const MAX_ROSTER_CHANGES_PER_RESPONSE: usize = 64;
/// Most entries in one response, whatever their size.
pub const MAX_ENTRIES_PER_RESPONSE: usize = 4096;

/// One author's head as a node holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The author's city key.
    pub author: PublicKey,
    /// Highest seq held; logs are contiguous, so 1..=seq are all held.
    pub seq: u64,
    /// Id of the entry at `seq`.
    pub id: EntryId,
}

/// What a node holds: the roster version and, per author, the head of its log. Heads are sorted by
/// author with no repeats when built with [`Frontier::new`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frontier {
    /// The roster version held: the seq of the last roster change applied (0 before any).
    pub roster_version: u64,
    /// One head per author whose log the node holds.
    pub heads: Vec<Head>,
}

impl Frontier {
    /// Sorts heads by author; of repeated authors the highest seq wins. Seq 0 heads are dropped.
    pub fn new(roster_version: u64, heads: impl IntoIterator<Item = Head>) -> Self {
        let mut map: BTreeMap<PublicKey, Head> = BTreeMap::new();
        for head in heads.into_iter().filter(|h| h.seq > 0) {
            match map.get(&head.author) {
                Some(held) if held.seq >= head.seq => {}
                _ => {
                    map.insert(head.author, head);
                }
            }
        }
        Frontier {
            roster_version,
            heads: map.into_values().collect(),
        }
    }

    /// Total entries the frontier claims (logs are contiguous).
    pub fn entry_count(&self) -> u64 {
        self.heads.iter().map(|h| h.seq).sum()
    }

    fn by_author(&self) -> BTreeMap<PublicKey, Head> {
        self.heads
            .iter()
            .take(MAX_FRONTIER_AUTHORS)
            .map(|h| (h.author, *h))
            .collect()
    }
}

/// The authors one sync request asks about (`/coalition/sync/2`, PROTOCOL.md §14.3): city keys
/// from `start` (included) up to `end` (excluded; `None`: to the last key). A node catching up
/// from several peers at once gives each peer one part of the key space, so no entry is fetched
/// twice; city keys are uniform, so equal parts hold about equal shares of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorRange {
    /// The first author in the range.
    pub start: PublicKey,
    /// The first author after the range; `None` when the range runs to the last key.
    pub end: Option<PublicKey>,
}

impl Default for AuthorRange {
    fn default() -> Self {
        Self::ALL
    }
}

impl AuthorRange {
    /// Every author.
    pub const ALL: AuthorRange = AuthorRange {
        start: PublicKey([0; 32]),
        end: None,
    };

    /// Whether this is every author.
    pub fn is_all(&self) -> bool {
        *self == Self::ALL
    }

    /// Whether `author` is in the range.
    pub fn contains(&self, author: &PublicKey) -> bool {
        *author >= self.start && self.end.is_none_or(|end| *author < end)
    }

    /// The key space in `parts` consecutive ranges of equal width (by the keys' first eight
    /// bytes), covering every author exactly once. `parts` of 0 or 1 is [`Self::ALL`].
    pub fn split(parts: usize) -> Vec<AuthorRange> {
        let parts = parts.max(1) as u128;
        let bound = |i: u128| -> PublicKey {
            let top = u64::try_from((i << 64) / parts).unwrap_or(u64::MAX);
            let mut key = [0u8; 32];
            key[..8].copy_from_slice(&top.to_be_bytes());
            PublicKey(key)
        };
        (0..parts)
            .map(|i| AuthorRange {
                start: bound(i),
                end: (i + 1 < parts).then(|| bound(i + 1)),
            })
            .collect()
    }

    /// `frontier`'s heads in the range (the roster version unchanged): what a request about
    /// this range needs to state.
    pub fn restrict(&self, frontier: &Frontier) -> Frontier {
        Frontier {
            roster_version: frontier.roster_version,
            heads: frontier
                .heads
                .iter()
                .filter(|h| self.contains(&h.author))
                .copied()
                .collect(),
        }
    }
}

/// "Send me `author`'s log from `from_seq` on."
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Want {
    /// The author whose log is wanted.
    pub author: PublicKey,
    /// The first seq wanted, at least 1; everything after it is wanted too.
    pub from_seq: u64,
}

/// What `local` lacks that `remote` holds, sorted by author.
///
/// - an author `local` does not know: from seq 1;
/// - `remote` is ahead: from `local`'s seq + 1;
/// - same seq, different head: the author signed two entries at one seq (or one side holds a
///   forged chain); ask from that seq, so the other entry arrives and the store can record the
///   fork proof;
/// - `local` is ahead or equal: nothing (the peer asks for itself).
///
/// A remote frontier longer than [`MAX_FRONTIER_AUTHORS`] is read only that far.
pub fn wants(local: &Frontier, remote: &Frontier) -> Vec<Want> {
    let local = local.by_author();
    let mut out: Vec<Want> = remote
        .by_author()
        .into_values()
        .filter(|r| r.seq > 0)
        .filter_map(|r| match local.get(&r.author) {
            None => Some(Want {
                author: r.author,
                from_seq: 1,
            }),
            Some(l) if l.seq < r.seq => Some(Want {
                author: r.author,
                from_seq: l.seq + 1,
            }),
            Some(l) if l.seq == r.seq && l.id != r.id => Some(Want {
                author: r.author,
                from_seq: l.seq,
            }),
            Some(_) => None,
        })
        .collect();
    out.sort();
    out
}

/// The first roster version `local` lacks, if `remote` is further along.
pub fn roster_want(local: &Frontier, remote: &Frontier) -> Option<u64> {
    (remote.roster_version > local.roster_version).then_some(local.roster_version + 1)
}

/// Does `remote` hold anything `local` lacks?
pub fn lacks_anything(local: &Frontier, remote: &Frontier) -> bool {
    roster_want(local, remote).is_some() || !wants(local, remote).is_empty()
}

/// Exact postcard size of a [`WireEntry`]: what it adds to a response.
pub fn wire_entry_size(wire: &WireEntry) -> usize {
    let payload = match &wire.payload {
        None => 0,
        Some(blob) => blob.salt.len() + varint_len(blob.bytes.len()) + blob.bytes.len(),
    };
    varint_len(wire.entry.len()) + wire.entry.len() + 1 + payload
}

fn varint_len(n: usize) -> usize {
    let mut n = n as u64;
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// Bounds one response: bytes and item count. Items are taken in order; the first one that does
/// not fit closes the batch, so a response is always a prefix of what was wanted and the
/// requester can ask again from its new frontier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchBudget {
    bytes_left: usize,
    items_left: usize,
    full: bool,
}

impl BatchBudget {
    /// A budget of at most `max_bytes` bytes and `max_items` items.
    pub fn new(max_bytes: usize, max_items: usize) -> Self {
        BatchBudget {
            bytes_left: max_bytes,
            items_left: max_items,
            full: false,
        }
    }

    /// The budget of one sync response after `reserved` bytes (roster changes, envelope).
    pub fn for_response(reserved: usize) -> Self {
        Self::new(
            MAX_RESPONSE_BYTES.saturating_sub(RESPONSE_ENVELOPE_BYTES + reserved),
            MAX_ENTRIES_PER_RESPONSE,
        )
    }

    /// Takes an item of `size` bytes if it fits; once one does not, nothing more is taken.
    pub fn take(&mut self, size: usize) -> bool {
        if self.full || self.items_left == 0 || size > self.bytes_left {
            self.full = true;
            return false;
        }
        self.bytes_left -= size;
        self.items_left -= 1;
        true
    }

    /// True once an item was refused: what follows belongs in the next response.
    pub fn is_full(&self) -> bool {
        self.full
    }

    /// Bytes still free in the response.
    pub fn bytes_left(&self) -> usize {
        self.bytes_left
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::Hash32;
    use crate::entry::PayloadBlob;

    fn key(n: u8) -> PublicKey {
        PublicKey([n; 32])
    }

    fn head(n: u8, seq: u64, id: u8) -> Head {
        Head {
            author: key(n),
            seq,
            id: Hash32([id; 32]),
        }
    }

    fn want(n: u8, from_seq: u64) -> Want {
        Want {
            author: key(n),
            from_seq,
        }
    }

    #[test]
    fn wants_what_the_peer_has_beyond_us() {
        let local = Frontier::new(1, [head(1, 5, 1), head(2, 3, 2), head(3, 7, 3)]);
        let remote = Frontier::new(
            1,
            [head(1, 9, 9), head(2, 3, 2), head(3, 2, 3), head(4, 4, 4)],
        );
        assert_eq!(wants(&local, &remote), vec![want(1, 6), want(4, 1)]);
        // And the other way round: the peer lacks author 3 from seq 3.
        assert_eq!(wants(&remote, &local), vec![want(3, 3)]);
    }

    #[test]
    fn split_ranges_cover_every_key_once_in_order() {
        assert_eq!(AuthorRange::split(1), vec![AuthorRange::ALL]);
        assert_eq!(AuthorRange::split(0), vec![AuthorRange::ALL]);
        let parts = AuthorRange::split(3);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0].start, PublicKey([0; 32]));
        assert_eq!(parts[2].end, None);
        for pair in parts.windows(2) {
            assert_eq!(
                pair[0].end,
                Some(pair[1].start),
                "adjacent, no gap or overlap"
            );
        }
        for n in [0u8, 1, 0x54, 0x55, 0x56, 0xaa, 0xab, 0xff] {
            let k = key(n);
            let holders = parts.iter().filter(|r| r.contains(&k)).count();
            assert_eq!(holders, 1, "key {n:#x} in exactly one part");
        }
        // The first bound is 0x5555555555555555 followed by zeros.
        assert!(parts[0].contains(&key(0x54)) && parts[1].contains(&key(0x55)));
        assert!(parts[2].contains(&key(0xff)) && !parts[1].contains(&key(0xff)));
    }

    #[test]
    fn a_restricted_frontier_keeps_the_heads_in_range_and_the_roster() {
        let f = Frontier::new(7, [head(0x10, 1, 1), head(0x60, 2, 2), head(0xf0, 3, 3)]);
        let middle = AuthorRange::split(3)[1];
        let r = middle.restrict(&f);
        assert_eq!(r.roster_version, 7);
        assert_eq!(r.heads, vec![head(0x60, 2, 2)]);
        assert_eq!(AuthorRange::ALL.restrict(&f), f);
    }

    #[test]
    fn equal_frontiers_want_nothing() {
        let f = Frontier::new(2, [head(1, 5, 1), head(2, 3, 2)]);
        assert!(wants(&f, &f).is_empty());
        assert!(!lacks_anything(&f, &f));
        assert!(wants(&Frontier::default(), &Frontier::default()).is_empty());
    }

    #[test]
    fn divergent_heads_at_equal_seq_ask_from_that_seq() {
        let local = Frontier::new(0, [head(1, 5, 1)]);
        let remote = Frontier::new(0, [head(1, 5, 2)]);
        assert_eq!(wants(&local, &remote), vec![want(1, 5)]);
        assert_eq!(wants(&remote, &local), vec![want(1, 5)]);
    }

    #[test]
    fn roster_version_is_compared() {
        let local = Frontier::new(2, []);
        let remote = Frontier::new(5, []);
        assert_eq!(roster_want(&local, &remote), Some(3));
        assert_eq!(roster_want(&remote, &local), None);
        assert!(lacks_anything(&local, &remote));
    }

    #[test]
    fn frontier_new_sorts_dedups_and_drops_zero() {
        let f = Frontier::new(
            0,
            [head(3, 1, 1), head(1, 2, 1), head(3, 4, 2), head(2, 0, 0)],
        );
        assert_eq!(f.heads, vec![head(1, 2, 1), head(3, 4, 2)]);
        assert_eq!(f.entry_count(), 6);
    }

    #[test]
    fn unsorted_or_repeated_remote_heads_are_handled() {
        let remote = Frontier {
            roster_version: 0,
            heads: vec![head(2, 1, 1), head(1, 3, 1), head(2, 1, 1), head(5, 0, 0)],
        };
        assert_eq!(
            wants(&Frontier::default(), &remote),
            vec![want(1, 1), want(2, 1)]
        );
    }

    #[test]
    fn oversized_remote_frontier_is_read_only_so_far() {
        let heads = (0..MAX_FRONTIER_AUTHORS + 10).map(|i| {
            let mut k = [0u8; 32];
            k[..8].copy_from_slice(&(i as u64).to_be_bytes());
            Head {
                author: PublicKey(k),
                seq: 1,
                id: Hash32([1; 32]),
            }
        });
        let remote = Frontier {
            roster_version: 0,
            heads: heads.collect(),
        };
        assert_eq!(
            wants(&Frontier::default(), &remote).len(),
            MAX_FRONTIER_AUTHORS
        );
    }

    #[test]
    fn budget_takes_a_prefix() {
        let mut b = BatchBudget::new(100, 3);
        assert!(b.take(40));
        assert!(b.take(40));
        assert!(!b.take(40), "over the byte budget");
        assert!(b.is_full());
        assert!(!b.take(1), "nothing after the first refusal");
        let mut b = BatchBudget::new(1000, 2);
        assert!(b.take(1));
        assert!(b.take(1));
        assert!(!b.take(1), "over the item budget");
    }

    #[test]
    fn response_budget_fits_the_largest_wire_entry() {
        let b = BatchBudget::for_response(MAX_ROSTER_CHANGES_PER_RESPONSE * 8 * 1024);
        assert!(b.bytes_left() > crate::limits::MAX_WIRE_ENTRY_BYTES);
    }

    #[test]
    fn wire_entry_size_is_exact() {
        for (entry_len, payload_len) in [
            (0, None),
            (100, Some(0)),
            (200, Some(127)),
            (300, Some(128)),
            (400, Some(300_000)),
        ] {
            let wire = WireEntry {
                entry: vec![7; entry_len],
                payload: payload_len.map(|n| PayloadBlob {
                    salt: [1; 16],
                    bytes: vec![9; n],
                }),
            };
            assert_eq!(wire_entry_size(&wire), wire.to_bytes().len());
        }
    }

    #[test]
    fn frontier_roundtrips_in_postcard() {
        let f = Frontier::new(3, [head(1, 5, 1), head(2, 3, 2)]);
        let bytes = crate::codec::encode(&f);
        let back: Frontier = postcard::from_bytes(&bytes).expect("decodes");
        assert_eq!(back, f);
    }
}
