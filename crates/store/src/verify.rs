//! Re-verifying a whole store: every entry's encoding, signature, chain link and payload
//! commitment, and the frontier against the logs. Used by `coalition verify` and audits.

use crate::layout::*;
use crate::{Store, StoreError};
use coalition_record::{EntryId, PublicKey, SignedEntry};
use serde::Serialize;

/// One problem found, located by city and seq.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegrityProblem {
    /// The city whose log has the problem.
    pub author: PublicKey,
    /// Its name on the roster, or `unknown city` and its short key.
    pub city: String,
    /// The seq at fault; for a frontier problem, the last seq of the log.
    pub seq: u64,
    /// The rule broken: a record rule's name ([`coalition_record::RecordError::rule`]), or
    /// `layout`, `chain` or `frontier` for the store's own checks.
    pub rule: String,
    /// What is wrong, for a person.
    pub detail: String,
}

impl Store {
    /// Checks every stored entry. `progress` is called with the number checked so far every
    /// 10,000 entries. Returns the problems found (empty when all holds) and the count checked.
    pub fn verify_all(
        &self,
        mut progress: impl FnMut(u64),
    ) -> Result<(Vec<IntegrityProblem>, u64), StoreError> {
        let db = self.db()?;
        let roster = self.roster();
        let network_id = self.network_id();
        let city = |a: &PublicKey| {
            roster
                .cities
                .get(a)
                .map(|m| m.name.clone())
                .unwrap_or_else(|| format!("unknown city {}", a.short()))
        };
        let mut problems: Vec<IntegrityProblem> = Vec::new();
        let report = |problems: &mut Vec<IntegrityProblem>,
                      author: &PublicKey,
                      seq: u64,
                      rule: &str,
                      detail: String| {
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
        // A damaged entry's id no longer matches its successor's prev: that is one problem, not two.
        let mut previous_damaged = false;
        let frontier = self.frontier();
        for item in db.iterator_cf(db.cf(CF_ENTRIES)?, rocksdb::IteratorMode::Start) {
            let (key, record) = item?;
            checked += 1;
            if checked.is_multiple_of(10_000) {
                progress(checked);
            }
            let Some((author, seq)) = split_entry_key(&key) else {
                report(
                    &mut problems,
                    &PublicKey([0; 32]),
                    0,
                    "layout",
                    "malformed entry key".into(),
                );
                continue;
            };
            let id = coalition_record::Hash32::of(
                split_log_record(&record).map_or(&record[..], |r| r.entry),
            );
            let expected_prev = match last {
                Some((a, s, prev)) if a == author && s + 1 == seq => Some(prev),
                _ => None,
            };
            if let Some((a, s, _)) = last {
                if a != author {
                    check_head(&frontier, &a, s, &mut problems, &report);
                }
            }
            let Some(parts) = split_log_record(&record) else {
                report(
                    &mut problems,
                    &author,
                    seq,
                    "layout",
                    "malformed log record (entry length beyond the record)".into(),
                );
                previous_damaged = true;
                last = Some((author, seq, coalition_record::Hash32::of(&record)));
                continue;
            };
            let bytes = parts.entry;
            let follows_damaged = previous_damaged && expected_prev.is_some();
            last = Some((author, seq, id));
            let before = problems.len();
            match SignedEntry::decode(bytes) {
                Err(e) => report(&mut problems, &author, seq, e.rule(), e.to_string()),
                Ok(entry) => {
                    if entry.header.author != author || entry.header.seq != seq {
                        report(
                            &mut problems,
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
                        report(&mut problems, &author, seq, e.rule(), e.to_string());
                    }
                    if let Err(e) = entry.verify_signature() {
                        report(&mut problems, &author, seq, e.rule(), e.to_string());
                    }
                    let chain_ok = match (seq, entry.header.prev, expected_prev) {
                        (1, None, _) => true,
                        (_, Some(p), Some(e)) => p == e || follows_damaged,
                        _ => false,
                    };
                    if !chain_ok {
                        report(
                            &mut problems,
                            &author,
                            seq,
                            "chain",
                            "prev does not name the stored entry before it (or that entry is missing)"
                                .into(),
                        );
                    }
                    if let Some(blob) = parts.blob() {
                        if let Err(e) = blob.check_against(&entry.header) {
                            report(&mut problems, &author, seq, e.rule(), e.to_string());
                        }
                    }
                }
            }
            previous_damaged = problems.len() > before;
        }
        if let Some((a, s, _)) = last {
            check_head(&frontier, &a, s, &mut problems, &report);
        }
        Ok((problems, checked))
    }
}

fn check_head(
    frontier: &crate::ChainHeads,
    author: &PublicKey,
    last_seq: u64,
    problems: &mut Vec<IntegrityProblem>,
    report: &impl Fn(&mut Vec<IntegrityProblem>, &PublicKey, u64, &str, String),
) {
    match frontier.get(author) {
        Some((seq, _)) if *seq == last_seq => {}
        Some((seq, _)) => report(
            problems,
            author,
            last_seq,
            "frontier",
            format!("the frontier says seq {seq} but the log ends at {last_seq}"),
        ),
        None => report(
            problems,
            author,
            last_seq,
            "frontier",
            "no frontier recorded".into(),
        ),
    }
}
