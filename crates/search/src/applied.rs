//! The store position a derived view has applied, and what it lacks against the store.
//!
//! The store has no arrival counter, but each city's log is contiguous (seq 1, 2, 3… with no
//! gap), so "everything up to here" is one (seq, id) per city plus the roster version (roster
//! changes rename the cities shown in results). The search index records this [`Applied`]
//! position in the payload of every tantivy commit, so the position and the documents it
//! describes are written together and survive a crash together. On open, [`plan`] compares it
//! with the store's frontier: the index lacks exactly each city's entries after its applied seq.
//! The id at the applied seq is checked too, so a store that went back in time (a restored
//! backup) or a log that differs from the one indexed is detected and rebuilt from scratch.

use crate::SearchError;
use coalition_record::{EntryId, PublicKey};
use coalition_store::ChainHeads;
use std::collections::BTreeMap;

/// First line of an encoded position (its format version).
const MAGIC: &str = "coalition-applied 1";

/// What a derived view has applied: for each city, the last seq (and its id) whose entry and
/// its effects are in the view, and the roster version the view's city names come from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The roster version the view's city names come from (0: no roster applied).
    pub roster_version: u64,
    /// Per city: the last seq applied and its entry id; a city absent has none of its log applied.
    pub heads: BTreeMap<PublicKey, (u64, EntryId)>,
}

impl Applied {
    /// The applied seq of `author`'s log (0: none of it).
    pub fn seq(&self, author: &PublicKey) -> u64 {
        self.heads.get(author).map_or(0, |(seq, _)| *seq)
    }

    /// Entries applied, over all cities (logs are contiguous).
    pub fn entries(&self) -> u64 {
        // Saturating: the seqs come from disk, and a garbled one must not overflow.
        self.heads
            .values()
            .fold(0u64, |sum, (seq, _)| sum.saturating_add(*seq))
    }

    /// Entries the store holds beyond this position (0 when the view is not behind).
    pub fn behind(&self, frontier: &ChainHeads) -> u64 {
        frontier.iter().fold(0u64, |sum, (author, (seq, _))| {
            sum.saturating_add(seq.saturating_sub(self.seq(author)))
        })
    }

    /// Text for a commit payload: a header line, the roster version, one line per city.
    pub fn encode(&self) -> String {
        let mut out = format!("{MAGIC}\nroster {}\n", self.roster_version);
        for (author, (seq, id)) in &self.heads {
            out.push_str(&format!("{} {seq} {}\n", author.to_hex(), id.to_hex()));
        }
        out
    }

    /// Reads [`Applied::encode`]'s text; anything else is an error (the view is then rebuilt).
    pub fn decode(text: &str) -> Result<Applied, SearchError> {
        let bad = |detail: String| SearchError::Data {
            file: "the search index's applied position".into(),
            detail,
        };
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Err(bad(format!("does not start with `{MAGIC}`")));
        }
        let roster_version = lines
            .next()
            .and_then(|l| l.strip_prefix("roster "))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad("no roster version on its second line".into()))?;
        let mut heads = BTreeMap::new();
        for (n, line) in lines.enumerate() {
            let mut parts = line.split(' ');
            let (Some(author), Some(seq), Some(id), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad(format!("line {}: expected `author seq id`", n + 3)));
            };
            let author = PublicKey::from_hex(author)
                .map_err(|e| bad(format!("line {}: author: {e}", n + 3)))?;
            let seq: u64 = seq
                .parse()
                .map_err(|e| bad(format!("line {}: seq: {e}", n + 3)))?;
            let id = EntryId::from_hex(id).map_err(|e| bad(format!("line {}: id: {e}", n + 3)))?;
            if seq == 0 || heads.insert(author, (seq, id)).is_some() {
                return Err(bad(format!("line {}: seq 0 or a city twice", n + 3)));
            }
        }
        Ok(Applied {
            roster_version,
            heads,
        })
    }
}

/// Entries `from..=to` of one city's log, `to_id` being the id at `to` when the plan was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRange {
    /// The city whose log this is.
    pub author: PublicKey,
    /// First seq to apply (1-based, inclusive).
    pub from: u64,
    /// Last seq to apply (inclusive, `>= from`).
    pub to: u64,
    /// The store's entry id at `to` when the plan was made.
    pub to_id: EntryId,
}

/// What a derived view must do to reach the store's position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// The view holds everything the store does: nothing to apply.
    UpToDate,
    /// Drop everything and apply every log from seq 1 (the position is unknown, or the store is
    /// not a continuation of what the view applied).
    Rebuild {
        /// Why, in a sentence for the operator's log.
        reason: String,
    },
    /// Apply these log ranges (sorted by city); and when `roster_since` is set, re-apply the
    /// cities named by the roster changes from that version on (their names may have changed).
    CatchUp {
        /// The log ranges to apply, sorted by city (may be empty when only the roster moved).
        logs: Vec<LogRange>,
        /// The first roster version not yet applied (None: the roster has not changed).
        roster_since: Option<u64>,
    },
}

/// What the view at `applied` lacks against a store at `frontier` and roster version
/// `roster_version`. `id_at(author, seq)` answers the store's entry id at a seq (None when it
/// holds none or cannot say): it is asked once per city the view is behind on, to check the
/// store still holds the entry the view applied last.
pub fn plan(
    applied: Option<&Applied>,
    frontier: &ChainHeads,
    roster_version: u64,
    mut id_at: impl FnMut(&PublicKey, u64) -> Option<EntryId>,
) -> Plan {
    let Some(applied) = applied else {
        return Plan::Rebuild {
            reason: "the index records no applied store position".into(),
        };
    };
    if applied.roster_version > roster_version {
        return Plan::Rebuild {
            reason: format!(
                "the index applied roster version {}, the store holds {roster_version}",
                applied.roster_version
            ),
        };
    }
    for (author, (seq, id)) in &applied.heads {
        let (store_seq, store_id) = frontier.get(author).copied().unwrap_or((0, *id));
        let same = match store_seq.cmp(seq) {
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Equal => store_id == *id,
            std::cmp::Ordering::Greater => id_at(author, *seq) == Some(*id),
        };
        if !same {
            return Plan::Rebuild {
                reason: format!(
                    "the store's log of {} is not the one indexed (seq {store_seq} held, {seq} applied): restored from a backup?",
                    author.short()
                ),
            };
        }
    }
    let mut logs: Vec<LogRange> = frontier
        .iter()
        .filter(|(author, (seq, _))| *seq > applied.seq(author))
        .map(|(author, (seq, id))| LogRange {
            author: *author,
            from: applied.seq(author) + 1,
            to: *seq,
            to_id: *id,
        })
        .collect();
    logs.sort_by_key(|r| r.author);
    let roster_since =
        (roster_version > applied.roster_version).then_some(applied.roster_version + 1);
    if logs.is_empty() && roster_since.is_none() {
        Plan::UpToDate
    } else {
        Plan::CatchUp { logs, roster_since }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_record::Hash32;

    fn key(n: u8) -> PublicKey {
        PublicKey([n; 32])
    }
    fn id(author: u8, seq: u64) -> EntryId {
        Hash32::of(&[&[author][..], &seq.to_be_bytes()].concat())
    }
    /// A store holding `seqs[i]` entries of city i+1.
    fn store(seqs: &[u64]) -> ChainHeads {
        seqs.iter()
            .enumerate()
            .filter(|(_, s)| **s > 0)
            .map(|(i, s)| (key(i as u8 + 1), (*s, id(i as u8 + 1, *s))))
            .collect()
    }
    fn applied(roster_version: u64, seqs: &[u64]) -> Applied {
        Applied {
            roster_version,
            heads: store(seqs).into_iter().collect(),
        }
    }
    /// The store's ids are those of [`id`]: a continuation of what was applied.
    fn same_logs(author: &PublicKey, seq: u64) -> Option<EntryId> {
        Some(id(author.0[0], seq))
    }

    #[test]
    fn an_index_at_the_stores_position_lacks_nothing() {
        let a = applied(2, &[3, 5]);
        assert_eq!(
            plan(Some(&a), &store(&[3, 5]), 2, same_logs),
            Plan::UpToDate
        );
        assert_eq!(a.behind(&store(&[3, 5])), 0);
    }

    #[test]
    fn it_lacks_each_citys_entries_after_its_applied_seq_and_new_cities_whole() {
        let a = applied(2, &[3, 5, 0]);
        let plan = plan(Some(&a), &store(&[7, 5, 2]), 2, same_logs);
        assert_eq!(
            plan,
            Plan::CatchUp {
                logs: vec![
                    LogRange {
                        author: key(1),
                        from: 4,
                        to: 7,
                        to_id: id(1, 7)
                    },
                    LogRange {
                        author: key(3),
                        from: 1,
                        to: 2,
                        to_id: id(3, 2)
                    },
                ],
                roster_since: None,
            }
        );
        assert_eq!(a.behind(&store(&[7, 5, 2])), 6);
    }

    #[test]
    fn a_newer_roster_is_reapplied_from_the_version_after_the_applied_one() {
        let a = applied(2, &[3]);
        assert_eq!(
            plan(Some(&a), &store(&[3]), 4, same_logs),
            Plan::CatchUp {
                logs: vec![],
                roster_since: Some(3)
            }
        );
    }

    #[test]
    fn no_position_or_a_store_that_went_back_means_a_rebuild() {
        let rebuild = |p: Plan| matches!(p, Plan::Rebuild { .. });
        assert!(rebuild(plan(None, &store(&[1]), 1, same_logs)));
        let a = applied(2, &[3, 5]);
        // Fewer entries than applied (a restored backup), or a city gone.
        assert!(rebuild(plan(Some(&a), &store(&[2, 5]), 2, same_logs)));
        assert!(rebuild(plan(Some(&a), &store(&[0, 5]), 2, same_logs)));
        // An older roster.
        assert!(rebuild(plan(Some(&a), &store(&[3, 5]), 1, same_logs)));
        // Same seq, another entry.
        let mut other = store(&[3, 5]);
        other.insert(key(1), (3, id(9, 3)));
        assert!(rebuild(plan(Some(&a), &other, 2, same_logs)));
        // Further on, but not from the entry applied last.
        assert!(rebuild(plan(Some(&a), &store(&[4, 5]), 2, |_, _| Some(
            id(9, 9)
        ))));
        assert!(rebuild(plan(Some(&a), &store(&[4, 5]), 2, |_, _| None)));
    }

    #[test]
    fn positions_round_trip_and_garbage_is_refused() {
        let a = applied(7, &[3, 5, 1]);
        assert_eq!(Applied::decode(&a.encode()).expect("decodes"), a);
        assert_eq!(
            Applied::decode(&Applied::default().encode()).expect("empty"),
            Applied::default()
        );
        for bad in [
            "",
            "coalition-applied 2\nroster 1\n",
            "coalition-applied 1\n",
            "coalition-applied 1\nroster x\n",
            "coalition-applied 1\nroster 1\nzz 1 00\n",
            &format!(
                "coalition-applied 1\nroster 1\n{} 0 {}\n",
                key(1).to_hex(),
                id(1, 1).to_hex()
            ),
            &format!(
                "coalition-applied 1\nroster 1\n{} 1 {} extra\n",
                key(1).to_hex(),
                id(1, 1).to_hex()
            ),
        ] {
            assert!(Applied::decode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn huge_seqs_from_a_garbled_payload_do_not_overflow() {
        let text = format!(
            "coalition-applied 1\nroster {max}\n{} {max} {}\n{} {max} {}\n",
            key(1).to_hex(),
            id(1, 1).to_hex(),
            key(2).to_hex(),
            id(2, 1).to_hex(),
            max = u64::MAX
        );
        let a = Applied::decode(&text).expect("decodes");
        assert_eq!(a.entries(), u64::MAX);
        assert_eq!(a.behind(&store(&[3, 5])), 0);
        // The store holds fewer entries than that: rebuilt, not trusted.
        assert!(matches!(
            plan(Some(&a), &store(&[3, 5]), 1, same_logs),
            Plan::Rebuild { .. }
        ));
    }

    #[test]
    fn five_hundred_cities_fit_in_a_small_payload() {
        let heads = (0..500u64)
            .map(|i| {
                let mut k = [0u8; 32];
                k[..8].copy_from_slice(&i.to_be_bytes());
                (PublicKey(k), (1000 + i, id(1, i)))
            })
            .collect();
        let a = Applied {
            roster_version: 500,
            heads,
        };
        let text = a.encode();
        assert!(text.len() < 80_000, "{} bytes", text.len());
        assert_eq!(Applied::decode(&text).expect("decodes"), a);
    }
}
