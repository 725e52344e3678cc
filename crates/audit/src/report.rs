//! The audit itself: a pure walk over a store.

use crate::AuditError;
use coalition_record::roster::CityMember;
use coalition_record::taxonomy::COMMITMENTS;
use coalition_record::{CityStatus, EntryId, Hash32, Payload, PublicKey, SignedEntry};
use coalition_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One integrity problem of a city's log (from [`Store::verify_all`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityProblem {
    /// Seq of the entry that breaks the rule.
    pub seq: u64,
    /// The name of the rule broken.
    pub rule: String,
    /// What was found, for a human.
    pub detail: String,
}

/// Entries known to exist that this node does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapAudit {
    /// First missing seq.
    pub from_seq: u64,
    /// Last missing seq.
    pub to_seq: u64,
    /// `log`: the city's own later entries imply them; `peer`: a peer announced a higher frontier.
    pub source: String,
    /// The evidence, for a human.
    pub detail: String,
}

/// A fork proof held against a city: two entries it signed at one seq.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForkAudit {
    /// The seq both entries claim.
    pub seq: u64,
    /// Id of the proof's first entry.
    pub first: EntryId,
    /// Id of the proof's second entry.
    pub second: EntryId,
    /// The proof verifies on its own (two validly signed entries, same author and seq, different).
    pub valid: bool,
    /// Why the proof holds, or the rule it breaks when not `valid`.
    pub detail: String,
}

/// A retraction in a city's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetractionAudit {
    /// The retraction entry.
    pub entry: EntryId,
    /// Its seq.
    pub seq: u64,
    /// The entry it retracts.
    pub target: EntryId,
    /// Seq of the retracted entry; None when this node does not hold it in the city's log.
    pub target_seq: Option<u64>,
    /// Why, in the city's words.
    pub reason: String,
}

/// An activity report in a city's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAudit {
    /// The report entry.
    pub entry: EntryId,
    /// Its seq.
    pub seq: u64,
    /// The period it reports on: `YYYY`, `YYYY-H1` or `YYYY-H2`.
    pub period: String,
    /// Its entry timestamp (ms since the Unix epoch, the city's own clock).
    pub timestamp_ms: i64,
    /// Commitment → status (`not_started`, `planned`, `in_progress`, `done`).
    pub commitments: BTreeMap<u8, String>,
    /// A later entry retracts it; it then counts for no period.
    pub retracted: bool,
}

/// What the audit states about one city: every roster city, then any author with a log that is
/// not on the roster (named `unknown city <short key>`, status `revoked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CityAudit {
    /// The city's key.
    pub key: PublicKey,
    /// Its roster name.
    pub name: String,
    /// Its roster country; empty for an author not on the roster.
    pub country: String,
    /// `active`, `suspended`, `revoked` or `rotated`.
    pub status: String,
    /// Entries this node holds of the city's log.
    pub entries: u64,
    /// The head seq of the city's log in this store ([`Store::head`]); None when there is none.
    pub last_seq: Option<u64>,
    /// The head entry's id; None exactly when `last_seq` is.
    pub last_hash: Option<EntryId>,
    /// Every held entry's signature, chain link and payload commitment re-verified with no problem.
    pub verified: bool,
    /// What [`Store::verify_all`] found wrong in the city's log; empty when `verified`.
    pub problems: Vec<CityProblem>,
    /// The highest seq a peer announced for this city, when one was passed in.
    pub peer_frontier: Option<u64>,
    /// Missing seqs in seq order: holes in the log, seqs between its end and its head, then seqs up
    /// to `peer_frontier`.
    pub gaps: Vec<GapAudit>,
    /// Fork proofs held against the city.
    pub forks: Vec<ForkAudit>,
    /// Retractions in the log, oldest first.
    pub retractions: Vec<RetractionAudit>,
    /// Every activity report in the log, oldest first.
    pub reports: Vec<ReportAudit>,
    /// For the audited period: did the city file a (not retracted) report? None when there is no
    /// period.
    pub filed_for_period: Option<bool>,
    /// For the audited period: commitment → status, from the city's reports for it.
    pub period_commitments: BTreeMap<u8, String>,
    /// Timestamp of the city's newest entry (informational: set by the city's own clock).
    pub last_activity_ms: Option<i64>,
    /// Problems, gaps or forks.
    pub has_problems: bool,
}

/// Who reported on one commitment for the audited period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentCount {
    /// The commitment's number (1 to 10, as in the taxonomy).
    pub commitment: u8,
    /// Its title in English.
    pub title: String,
    /// Active cities whose report for the period covers this commitment.
    pub cities: u64,
    /// Their names, sorted.
    pub city_names: Vec<String>,
}

/// A current practice that addresses more than one ground of discrimination (the Toulouse
/// declaration's "multiple discrimination").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultipleGrounds {
    pub city: String,
    pub entry: EntryId,
    /// In English when the practice has it, else its first language.
    pub title: String,
    /// Codes of docs/grounds.toml, sorted.
    pub grounds: Vec<String>,
}

/// A city's record that it took up another city's practice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdoptionAudit {
    /// The city whose practice was taken up ("?" when this node does not hold the practice).
    pub from: String,
    /// The city that took it up.
    pub to: String,
    pub practice: EntryId,
    pub adoption: EntryId,
    pub adapted: bool,
}

/// The coalition-wide part of the audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoalitionSummary {
    /// Cities audited: the roster's, and authors with a log not on it.
    pub cities: u64,
    /// Cities whose roster status is `active`.
    pub active_cities: u64,
    /// Entries held, over every city.
    pub entries: u64,
    /// Active cities that filed a report for the period.
    pub cities_filed: Vec<String>,
    /// Active cities that did not.
    pub cities_missing: Vec<String>,
    /// cities_filed / active_cities, when there is a period and an active city.
    pub compliance_rate: Option<f64>,
    /// One count per commitment of the taxonomy, in its order (zero when nobody reported on it).
    pub per_commitment: Vec<CommitmentCount>,
    /// Cities with problems, gaps or forks.
    pub cities_with_problems: Vec<String>,
    /// Fork proofs this node holds, valid or not.
    pub fork_proofs: u64,
    /// Fork proofs or integrity problems not attributable to a member city.
    pub unattributed: Vec<String>,
    /// Current practices addressing more than one ground, by city then title. Left out of the
    /// JSON when empty, so reports signed before it existed verify as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub multiple_grounds: Vec<MultipleGrounds>,
    /// Practices taken up between cities, in log order. Left out when empty, as above.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adoptions: Vec<AdoptionAudit>,
}

/// What [`audit`] states; its JSON is what the committee signs ([`crate::sign_report`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    /// The charter's coalition name.
    pub coalition: String,
    /// BLAKE3 of the charter's canonical bytes.
    pub network_id: Hash32,
    /// The version of the roster in force.
    pub roster_version: u64,
    /// The reporting period audited (`YYYY`, `YYYY-H1`, `YYYY-H2`); when none was asked for, the
    /// latest year any report names.
    pub period: Option<String>,
    /// When the audit was made (ms since the epoch), set by the caller; `None` keeps it pure.
    pub generated_ms: Option<i64>,
    /// Every city audited (see [`CityAudit`]).
    pub cities: Vec<CityAudit>,
    /// The coalition-wide totals.
    pub summary: CoalitionSummary,
    /// Reporting cycles and indicators ([`crate::audit_cycles`]), when the caller asked with a
    /// clock. Left out when absent, so reports signed before it existed verify as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles: Option<crate::cycles::CyclesAudit>,
    /// Erasures of personal data with their receipts ([`crate::audit_erasures`]). Left out when
    /// there are none, so reports signed before it existed verify as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erasures: Vec<crate::erasures::ErasureAudit>,
}

/// Does a report for `report_period` count for the audited `period`? A year is covered by a
/// report for that year or either of its halves; a half-year by a report for that half or for
/// the whole year.
pub fn period_covers(period: &str, report_period: &str) -> bool {
    if period == report_period {
        return true;
    }
    let year = |p: &str| p.get(..4).map(str::to_string);
    if period.len() == 4 {
        return year(report_period).as_deref() == Some(period);
    }
    report_period.len() == 4 && year(period).as_deref() == Some(report_period)
}

fn status_name(status: &CityStatus) -> &'static str {
    match status {
        CityStatus::Active => "active",
        CityStatus::Suspended { .. } => "suspended",
        CityStatus::Revoked { .. } => "revoked",
        CityStatus::Rotated { .. } => "rotated",
    }
}

/// Audits `store`. `period` selects the reporting period for compliance; `peer_frontiers` are
/// highest seqs peers announced per city (a node's sync knowledge), used to report gaps this
/// node cannot see from its own data.
pub fn audit(
    store: &Store,
    period: Option<&str>,
    peer_frontiers: &[(PublicKey, u64)],
) -> Result<AuditReport, AuditError> {
    let roster = store.roster();
    let charter = store.charter();
    let (problems, _) = store.verify_all(|_| {})?;
    let forks = store.forks()?;
    let mut peer: BTreeMap<PublicKey, u64> = BTreeMap::new();
    for (key, seq) in peer_frontiers {
        let slot = peer.entry(*key).or_insert(0);
        *slot = (*slot).max(*seq);
    }

    let mut members: Vec<CityMember> = roster.cities.values().cloned().collect();
    // Authors with a log but no roster entry cannot be stored; list them anyway if they exist.
    for author in store.frontier().keys() {
        if !roster.cities.contains_key(author) {
            members.push(CityMember {
                key: *author,
                name: format!("unknown city {}", author.short()),
                country: String::new(),
                status: CityStatus::Revoked {
                    cutoff_seq: 0,
                    reason: "not on the roster".into(),
                },
                admitted_in: 0,
            });
        }
    }

    let mut multiple_grounds = Vec::new();
    let mut adoptions = Vec::new();
    let mut unattributed = Vec::new();
    for p in &problems {
        if !roster.cities.contains_key(&p.author) {
            unattributed.push(format!(
                "integrity problem at {} seq {}: [{}] {}",
                p.author.short(),
                p.seq,
                p.rule,
                p.detail
            ));
        }
    }
    let mut fork_audits: BTreeMap<PublicKey, Vec<ForkAudit>> = BTreeMap::new();
    for proof in &forks {
        let first = Hash32::of(&proof.first);
        let second = Hash32::of(&proof.second);
        match proof.verify() {
            Ok((author, seq)) => fork_audits.entry(author).or_default().push(ForkAudit {
                seq,
                first,
                second,
                valid: true,
                detail: "two validly signed entries at one seq".into(),
            }),
            Err(e) => match SignedEntry::decode(&proof.first) {
                Ok(entry) => fork_audits
                    .entry(entry.header.author)
                    .or_default()
                    .push(ForkAudit {
                        seq: entry.header.seq,
                        first,
                        second,
                        valid: false,
                        detail: e.to_string(),
                    }),
                Err(_) => unattributed.push(format!("fork proof {first}/{second}: {e}")),
            },
        }
    }

    // Periods: the one asked for, else the latest year a report names.
    let mut all_reports: BTreeMap<PublicKey, Vec<ReportAudit>> = BTreeMap::new();
    let mut cities = Vec::new();
    for member in &members {
        let key = member.key;
        let log = store.log(&key, 1, usize::MAX)?;
        let mut gaps = Vec::new();
        let mut expected = 1u64;
        let mut retractions = Vec::new();
        let mut reports = Vec::new();
        let mut last_activity: Option<i64> = None;
        let seq_of: BTreeMap<EntryId, u64> =
            log.iter().map(|e| (e.id(), e.entry.header.seq)).collect();
        for stored in &log {
            let h = &stored.entry.header;
            if h.seq > expected {
                gaps.push(GapAudit {
                    from_seq: expected,
                    to_seq: h.seq - 1,
                    source: "log".into(),
                    detail: format!(
                        "entry seq {} is held but seq {} to {} are not",
                        h.seq,
                        expected,
                        h.seq - 1
                    ),
                });
            }
            expected = h.seq + 1;
            last_activity = Some(last_activity.map_or(h.timestamp_ms, |t| t.max(h.timestamp_ms)));
            match stored.payload() {
                Some(Payload::Retraction(r)) => retractions.push(RetractionAudit {
                    entry: stored.id(),
                    seq: h.seq,
                    target: r.target,
                    target_seq: seq_of.get(&r.target).copied(),
                    reason: r.reason.clone(),
                }),
                Some(payload @ (Payload::Practice(_) | Payload::PracticeRevision(_)))
                    if stored.status.retracted_by.is_none()
                        && stored.status.superseded_by.is_none() =>
                {
                    if let Some(p) = payload.practice().filter(|p| p.grounds.len() > 1) {
                        multiple_grounds.push(MultipleGrounds {
                            city: member.name.clone(),
                            entry: stored.id(),
                            title: payload.title(Some("en")),
                            grounds: p.grounds.clone(),
                        });
                    }
                }
                Some(Payload::PracticeAdoption(a)) => {
                    let from = store
                        .entry(&a.source)?
                        .and_then(|s| roster.cities.get(&s.entry.header.author).cloned())
                        .map_or_else(|| "?".to_string(), |m| m.name);
                    adoptions.push(AdoptionAudit {
                        from,
                        to: member.name.clone(),
                        practice: a.source,
                        adoption: stored.id(),
                        adapted: a.adapted,
                    });
                }
                Some(Payload::ActivityReport(r)) => reports.push(ReportAudit {
                    entry: stored.id(),
                    seq: h.seq,
                    period: r.period.clone(),
                    timestamp_ms: h.timestamp_ms,
                    commitments: r
                        .commitments
                        .iter()
                        .map(|c| (c.commitment, c.status.as_str().to_string()))
                        .collect(),
                    retracted: stored.status.retracted_by.is_some(),
                }),
                _ => {}
            }
        }
        let head = store.head(&key);
        let held = log.len() as u64;
        if let Some((front, _)) = head {
            if front >= expected {
                gaps.push(GapAudit {
                    from_seq: expected,
                    to_seq: front,
                    source: "log".into(),
                    detail: format!(
                        "the frontier says seq {front} but the log ends at seq {}",
                        expected - 1
                    ),
                });
            }
        }
        let local = head.map_or(0, |(s, _)| s);
        let peer_frontier = peer.get(&key).copied();
        if let Some(announced) = peer_frontier {
            if announced > local {
                gaps.push(GapAudit {
                    from_seq: local + 1,
                    to_seq: announced,
                    source: "peer".into(),
                    detail: format!("peers announce seq {announced}, this node has {local}"),
                });
            }
        }
        let city_problems: Vec<CityProblem> = problems
            .iter()
            .filter(|p| p.author == key)
            .map(|p| CityProblem {
                seq: p.seq,
                rule: p.rule.clone(),
                detail: p.detail.clone(),
            })
            .collect();
        let forks = fork_audits.remove(&key).unwrap_or_default();
        let has_problems = !city_problems.is_empty() || !gaps.is_empty() || !forks.is_empty();
        all_reports.insert(key, reports.clone());
        cities.push(CityAudit {
            key,
            name: member.name.clone(),
            country: member.country.clone(),
            status: status_name(&member.status).into(),
            entries: held,
            last_seq: head.map(|(s, _)| s),
            last_hash: head.map(|(_, h)| h),
            verified: city_problems.is_empty(),
            problems: city_problems,
            peer_frontier,
            gaps,
            forks,
            retractions,
            reports,
            filed_for_period: None,
            period_commitments: BTreeMap::new(),
            last_activity_ms: last_activity,
            has_problems,
        });
    }
    for (author, forks) in fork_audits {
        for f in forks {
            unattributed.push(format!("fork proof of {} at seq {}", author.short(), f.seq));
        }
    }

    let period: Option<String> = match period {
        Some(p) => Some(p.to_string()),
        None => all_reports
            .values()
            .flatten()
            .filter(|r| !r.retracted)
            .filter_map(|r| r.period.get(..4).map(str::to_string))
            .max(),
    };

    let mut per_commitment: BTreeMap<u8, BTreeSet<String>> = BTreeMap::new();
    let mut filed = Vec::new();
    let mut missing = Vec::new();
    let mut active = 0u64;
    for city in &mut cities {
        let Some(period) = &period else { continue };
        let mut covered: BTreeMap<u8, String> = BTreeMap::new();
        let mut any = false;
        for r in city
            .reports
            .iter()
            .filter(|r| !r.retracted && period_covers(period, &r.period))
        {
            any = true;
            for (c, s) in &r.commitments {
                // The latest report's status wins (reports are in log order).
                covered.insert(*c, s.clone());
            }
        }
        city.filed_for_period = Some(any);
        city.period_commitments = covered;
    }
    for city in &cities {
        if city.status != "active" {
            continue;
        }
        active += 1;
        match city.filed_for_period {
            Some(true) => {
                filed.push(city.name.clone());
                for c in city.period_commitments.keys() {
                    per_commitment
                        .entry(*c)
                        .or_default()
                        .insert(city.name.clone());
                }
            }
            Some(false) => missing.push(city.name.clone()),
            None => {}
        }
    }
    let compliance_rate = match (&period, active) {
        (Some(_), n) if n > 0 => Some(filed.len() as f64 / n as f64),
        _ => None,
    };
    let summary = CoalitionSummary {
        cities: cities.len() as u64,
        active_cities: active,
        entries: cities.iter().map(|c| c.entries).sum(),
        cities_filed: filed,
        cities_missing: missing,
        compliance_rate,
        per_commitment: COMMITMENTS
            .iter()
            .map(|c| {
                let names = per_commitment.remove(&c.id).unwrap_or_default();
                CommitmentCount {
                    commitment: c.id,
                    title: c.title.to_string(),
                    cities: names.len() as u64,
                    city_names: names.into_iter().collect(),
                }
            })
            .collect(),
        cities_with_problems: cities
            .iter()
            .filter(|c| c.has_problems)
            .map(|c| c.name.clone())
            .collect(),
        fork_proofs: forks.len() as u64,
        unattributed,
        multiple_grounds,
        adoptions,
    };
    Ok(AuditReport {
        coalition: charter.name.clone(),
        network_id: charter.network_id(),
        roster_version: roster.version,
        period,
        generated_ms: None,
        cities,
        summary,
        cycles: None,
        erasures: crate::erasures::audit_erasures(store)?,
    })
}

/// [`audit`] with the reporting cycles as they stand at `now_ms` (which is also the report's
/// generation time).
pub fn audit_at(
    store: &Store,
    period: Option<&str>,
    peer_frontiers: &[(PublicKey, u64)],
    now_ms: i64,
) -> Result<AuditReport, AuditError> {
    let mut report = audit(store, period, peer_frontiers)?;
    report.generated_ms = Some(now_ms);
    let cycles = crate::cycles::audit_cycles(store, now_ms)?;
    if !cycles.cycles.is_empty() {
        report.cycles = Some(cycles);
    }
    Ok(report)
}
