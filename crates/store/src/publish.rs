//! Local publishing: signing this city's own documents into its log. A publish of several
//! documents is one `WriteBatch` (all or nothing); publishing a document already in the city's
//! log gives the existing entry back instead of signing it again (idempotent, so a publish whose
//! answer was lost can simply be repeated); and the high-water mark is written before the store.

use crate::batch::{check_references, BatchView};
use crate::error::refuse;
use crate::layout::*;
use crate::write::SortedWrite;
use crate::{Store, StoreError};
use coalition_record::{
    Hash32, Payload, PayloadKind, PublicKey, SecretKey, SignedEntry, VerifiedEntry, WireEntry,
};
use std::collections::HashMap;

/// Fills a practice's, revision's or report's empty city and country from the author's roster
/// entry, and refuses them when they differ from it: a city publishes under its own name only.
pub fn place_from_roster(
    payload: &mut Payload,
    name: &str,
    country: &str,
) -> Result<(), StoreError> {
    let (field, city, c) = match payload {
        Payload::Practice(p) => ("practice", &mut p.city, &mut p.country),
        Payload::PracticeRevision(r) => ("revision", &mut r.practice.city, &mut r.practice.country),
        Payload::ActivityReport(r) => ("report", &mut r.city, &mut r.country),
        _ => return Ok(()),
    };
    for (value, roster_value, what, rule) in [
        (city, name, "city", "city_not_author"),
        (c, country, "country", "country_not_author"),
    ] {
        if value.trim().is_empty() || value.trim().eq_ignore_ascii_case(roster_value) {
            *value = roster_value.to_string();
        } else {
            return Err(StoreError::PublishRule {
                field: what,
                rule,
                message: format!(
                    "the {field} names {what} \"{}\", but this city is \"{roster_value}\" on the roster; leave {what} empty or give the roster's value",
                    value.trim()
                ),
            });
        }
    }
    Ok(())
}

/// One document of a local publish.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The signed entry, stored.
    pub entry: VerifiedEntry,
    /// The city had already published this document: `entry` is the one stored then.
    pub existing: bool,
}

impl Store {
    /// Signs `payload` as the next entry of `key`'s log and appends it durably. The caller's city
    /// must be an active member. Always signs a new entry; see [`Store::publish_local`] for the
    /// idempotent form.
    pub fn append_local(
        &self,
        key: &SecretKey,
        payload: &Payload,
        timestamp_ms: i64,
    ) -> Result<VerifiedEntry, StoreError> {
        let mut appended =
            self.append_many(key, std::slice::from_ref(payload), timestamp_ms, false)?;
        appended
            .pop()
            .map(|a| a.entry)
            .ok_or_else(|| StoreError::Corrupt("an append returned no entry".into()))
    }

    /// Publishes `payloads` for `key`'s city in one durable write: all are stored or none. A
    /// document the city already published (same kind and bytes, not retracted) is not signed
    /// again: its existing entry is returned with `existing: true`. Refuses retracting an entry
    /// twice, retracting a retraction and revising a retracted practice.
    pub fn publish_local(
        &self,
        key: &SecretKey,
        payloads: &[Payload],
        timestamp_ms: i64,
    ) -> Result<Vec<Appended>, StoreError> {
        self.append_many(key, payloads, timestamp_ms, true)
    }

    fn append_many(
        &self,
        key: &SecretKey,
        payloads: &[Payload],
        timestamp_ms: i64,
        publishing: bool,
    ) -> Result<Vec<Appended>, StoreError> {
        self.writable()?;
        let author = key.public();
        let roster = self.roster();
        let mut payloads = payloads.to_vec();
        for payload in &mut payloads {
            if publishing {
                if let Some(member) = roster.cities.get(&author) {
                    place_from_roster(payload, &member.name, &member.country)?;
                }
            }
            payload.check_publishable()?;
        }
        let _guard = self.lock_for_write()?;
        let appended = self.append_locked(key, &payloads, timestamp_ms, publishing);
        if appended.is_err() {
            // Nothing was written: an erasure built before the error must not purge its target
            // (nor count as applied) at the next write.
            self.forget_queued_purges();
        }
        appended
    }

    /// [`Store::append_many`] under the write lock, its payloads prepared.
    fn append_locked(
        &self,
        key: &SecretKey,
        payloads: &[Payload],
        timestamp_ms: i64,
        publishing: bool,
    ) -> Result<Vec<Appended>, StoreError> {
        let author = key.public();
        self.check_high_water(&author)?;
        let roster = self.roster();
        let mut view = BatchView::new(self);
        let mut write = SortedWrite::default();
        let mut out: Vec<Appended> = Vec::with_capacity(payloads.len());
        let mut in_batch: HashMap<Hash32, usize> = HashMap::new();
        let mut new_entries: Vec<WireEntry> = Vec::new();
        for payload in payloads {
            let bytes = payload.to_bytes();
            let kind = payload.kind().code();
            if publishing {
                let hash = document_hash(kind, &bytes);
                if let Some(&at) = in_batch.get(&hash) {
                    let entry = out[at].entry.clone();
                    out.push(Appended {
                        entry,
                        existing: out[at].existing,
                    });
                    continue;
                }
                if let Some(entry) = self.find_document(&author, kind, &bytes)? {
                    in_batch.insert(hash, out.len());
                    out.push(Appended {
                        entry,
                        existing: true,
                    });
                    continue;
                }
                in_batch.insert(hash, out.len());
            }
            let (seq, prev) = match view.head(&author) {
                Some((seq, id)) => (seq + 1, Some(id)),
                None => (1, None),
            };
            roster.check_author(&author, seq)?;
            let (entry, blob) =
                SignedEntry::create(key, self.network_id(), seq, prev, timestamp_ms, payload);
            let verified = VerifiedEntry::with_verified_signature(entry, Some(blob))?;
            check_references(&view, &verified)?;
            // The rule every other node applies on arrival: never sign what they would refuse.
            crate::cycles::check_committee(&self.charter, &verified)?;
            if publishing {
                self.check_status_rules(&view, payload)?;
                self.check_exchange_rules(&view, &author, payload)?;
                self.check_cycle_rules(&view, payload)?;
                self.check_translation_rules(&view, &author, payload)?;
            }
            let records = crate::records::EntryRecords::of(&verified);
            self.put_entry(&mut write, &mut view, &verified, records)?;
            new_entries.push(verified.to_wire());
            out.push(Appended {
                entry: verified,
                existing: false,
            });
        }
        if !new_entries.is_empty() {
            // The mark first: a crash between the two writes leaves the store one append behind
            // the file, which the next open repairs from the file.
            self.record_high_water(&author, &new_entries)?;
            self.put_frontier(&mut write, &view);
            // The entries are signed and in the mark: from here they are never signed again
            // differently. Should the store write fail, the next publish takes them from the
            // mark, so the caller must not be told they were not stored.
            self.sync_write(write)
                .map_err(|e| StoreError::WriteUncertain(Box::new(e)))?;
            self.mark_inactive(view.status.keys().copied());
            self.frontier
                .write()
                .unwrap_or_else(|p| p.into_inner())
                .extend(view.frontier.clone());
        }
        Ok(out)
    }

    /// The city's own entry holding exactly this document, unless it was retracted.
    fn find_document(
        &self,
        author: &PublicKey,
        kind: u16,
        bytes: &[u8],
    ) -> Result<Option<VerifiedEntry>, StoreError> {
        let db = self.db()?;
        let prefix = document_prefix(author, kind, bytes);
        for item in db.prefix_iterator_cf(db.cf(CF_INDEX)?, &prefix) {
            let (key, _) = item?;
            if !key.starts_with(&prefix) {
                break;
            }
            let Some(id) = id_from_index_key(&key) else {
                continue;
            };
            if self.status(&id)?.retracted_by.is_some() {
                continue;
            }
            let Some(stored) = self.entry(&id)? else {
                continue;
            };
            if stored.blob.as_ref().map(|b| b.bytes.as_slice()) != Some(bytes) {
                continue;
            }
            let verified = VerifiedEntry::with_verified_signature(stored.entry, stored.blob)
                .map_err(|e| StoreError::Corrupt(format!("stored entry {id}: {e}")))?;
            return Ok(Some(verified));
        }
        Ok(None)
    }

    /// Publish-time rules on adoptions, questions and answers: they name a practice (or a
    /// question) this node holds, a city does not adopt its own practice, and only the city
    /// whose practice was asked about answers. Not record rules, as for retractions.
    fn check_exchange_rules(
        &self,
        view: &BatchView<'_>,
        author: &PublicKey,
        payload: &Payload,
    ) -> Result<(), StoreError> {
        let is_practice = |kind: u16| {
            matches!(
                PayloadKind::from_code(kind),
                Some(PayloadKind::Practice | PayloadKind::PracticeRevision)
            )
        };
        match payload {
            Payload::PracticeAdoption(a) => match view.author_and_kind(&a.source)? {
                None => refuse(
                    "adoption.source",
                    "unknown_practice",
                    format!(
                        "no practice {} on this node: sync first, or check the id",
                        a.source
                    ),
                ),
                Some((_, kind)) if !is_practice(kind) => refuse(
                    "adoption.source",
                    "not_a_practice",
                    format!("{} is not a practice", a.source),
                ),
                Some((source_author, _)) if source_author == *author => refuse(
                    "adoption.source",
                    "own_practice",
                    format!(
                        "{} is this city's own practice: publish a revision instead",
                        a.source
                    ),
                ),
                Some(_) => Ok(()),
            },
            Payload::Question(q) => match view.author_and_kind(&q.about)? {
                Some((_, kind)) if is_practice(kind) => Ok(()),
                Some(_) => refuse(
                    "question.about",
                    "not_a_practice",
                    format!("{} is not a practice", q.about),
                ),
                None => refuse(
                    "question.about",
                    "unknown_practice",
                    format!(
                        "no practice {} on this node: sync first, or check the id",
                        q.about
                    ),
                ),
            },
            Payload::Answer(a) => {
                let question = self.entry(&a.question)?;
                let Some(Payload::Question(q)) = question.as_ref().and_then(|e| e.payload()) else {
                    return refuse(
                        "answer.question",
                        "unknown_question",
                        format!("no question {} on this node", a.question),
                    );
                };
                match view.author_and_kind(&q.about)? {
                    Some((practice_author, _)) if practice_author == *author => Ok(()),
                    _ => refuse(
                        "answer.question",
                        "not_your_practice",
                        format!(
                            "question {} is about a practice of another city: only its author answers",
                            a.question
                        ),
                    ),
                }
            }
            _ => Ok(()),
        }
    }

    /// Publish-time rules on retractions and revisions. Not record rules: peers still accept such
    /// entries from nodes that did not check them (PROTOCOL.md), so old and new nodes agree.
    fn check_status_rules(
        &self,
        view: &BatchView<'_>,
        payload: &Payload,
    ) -> Result<(), StoreError> {
        let (field, target) = match payload {
            Payload::Retraction(r) => ("retraction.target", r.target),
            Payload::PracticeRevision(r) => ("revision.supersedes", r.supersedes),
            _ => return Ok(()),
        };
        let status = match view.status.get(&target) {
            Some(s) => s.clone(),
            None => self.status(&target)?,
        };
        let refuse = |rule: &'static str, message: String| -> Result<(), StoreError> {
            Err(StoreError::PublishRule {
                field,
                rule,
                message,
            })
        };
        if let Some(by) = status.retracted_by {
            let rule = match payload {
                Payload::Retraction(_) => "already_retracted",
                _ => "revise_retracted",
            };
            return refuse(rule, format!(
                "{target} is already retracted (by {by}); a retracted entry cannot be retracted or revised again"
            ));
        }
        if let Payload::Retraction(_) = payload {
            let kind = view
                .author_and_kind(&target)?
                .and_then(|(_, k)| PayloadKind::from_code(k));
            if kind == Some(PayloadKind::Retraction) {
                return refuse(
                    "retract_retraction",
                    format!("{target} is itself a retraction; a retraction cannot be retracted"),
                );
            }
        }
        Ok(())
    }
}
