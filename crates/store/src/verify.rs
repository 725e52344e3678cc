//! Re-verifying a whole store: every entry's encoding, signature, chain link and payload
//! commitment, and the frontier against the logs. Used by `coalition verify` and audits.

use crate::layout::*;
use crate::{Store, StoreError};
use coalition_record::{codec, EntryId, PayloadBlob, PublicKey, SignedEntry};
use serde::Serialize;

/// One problem found, located by city and seq.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrityProblem {
    pub author: PublicKey,
    pub city: String,
    pub seq: u64,
    pub rule: String,
    pub detail: String,
}

impl Store {
    /// Checks every stored entry. `progress` is called with the number checked so far every
    /// 10,000 entries. Returns the problems found (empty when all holds) and the count checked.
    pub fn verify_all(
        &self,
        mut progress: impl FnMut(u64),
    ) -> Result<(Vec<IntegrityProblem>, u64), StoreError> {
        let roster = self.roster();
        let network_id = self.network_id();
        let city = |a: &PublicKey| {
            roster
                .cities
                .get(a)
                .map(|m| m.name.clone())
                .unwrap_or_else(|| format!("unknown city {}", a.short()))
        };
        let mut problems = Vec::new();
        let mut report = |author: &PublicKey, seq: u64, rule: &str, detail: String| {
            problems.push(IntegrityProblem {
                author: *author,
                city: city(author),
                seq,
                rule: rule.to_string(),
                detail,
            })
        };
        let mut checked = 0u64;
        let mut last: Option<(PublicKey, u64, EntryId)> = None;
        let frontier = self.frontier();
        for item in self
            .db()
            .iterator_cf(self.cf(CF_ENTRIES)?, rocksdb::IteratorMode::Start)
        {
            let (key, bytes) = item?;
            checked += 1;
            if checked.is_multiple_of(10_000) {
                progress(checked);
            }
            let Some((author, seq)) = split_entry_key(&key) else {
                report(
                    &PublicKey([0; 32]),
                    0,
                    "layout",
                    "malformed entry key".into(),
                );
                continue;
            };
            let id = coalition_record::Hash32::of(&bytes);
            let expected_prev = match last {
                Some((a, s, prev)) if a == author && s + 1 == seq => Some(prev),
                _ => None,
            };
            if let Some((a, s, _)) = last {
                if a != author {
                    check_head(&frontier, &a, s, &mut report);
                }
            }
            last = Some((author, seq, id));
            let entry = match SignedEntry::decode(&bytes) {
                Ok(e) => e,
                Err(e) => {
                    report(&author, seq, e.rule(), e.to_string());
                    continue;
                }
            };
            if entry.header.author != author || entry.header.seq != seq {
                report(
                    &author,
                    seq,
                    "layout",
                    format!(
                        "stored under seq {seq} but the entry says author {} seq {}",
                        entry.header.author.short(),
                        entry.header.seq
                    ),
                );
            }
            if let Err(e) = entry.check_network(&network_id) {
                report(&author, seq, e.rule(), e.to_string());
            }
            if let Err(e) = entry.verify_signature() {
                report(&author, seq, e.rule(), e.to_string());
            }
            let chain_ok = match (seq, entry.header.prev, expected_prev) {
                (1, None, _) => true,
                (_, Some(p), Some(e)) => p == e,
                _ => false,
            };
            if !chain_ok {
                report(
                    &author,
                    seq,
                    "chain",
                    "prev does not name the stored entry before it (or that entry is missing)"
                        .into(),
                );
            }
            if let Some(blob) = self.db().get_pinned_cf(self.cf(CF_PAYLOADS)?, id.0)? {
                match codec::decode_canonical::<PayloadBlob>("payload blob", &blob, usize::MAX) {
                    Ok(blob) => {
                        if let Err(e) = blob.check_against(&entry.header) {
                            report(&author, seq, e.rule(), e.to_string());
                        }
                    }
                    Err(e) => report(&author, seq, e.rule(), e.to_string()),
                }
            }
        }
        if let Some((a, s, _)) = last {
            check_head(&frontier, &a, s, &mut report);
        }
        Ok((problems, checked))
    }
}

fn check_head(
    frontier: &crate::Frontier,
    author: &PublicKey,
    last_seq: u64,
    report: &mut impl FnMut(&PublicKey, u64, &str, String),
) {
    match frontier.get(author) {
        Some((seq, _)) if *seq == last_seq => {}
        Some((seq, _)) => report(
            author,
            last_seq,
            "frontier",
            format!("the frontier says seq {seq} but the log ends at {last_seq}"),
        ),
        None => report(author, last_seq, "frontier", "no frontier recorded".into()),
    }
}
