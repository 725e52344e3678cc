//! Reporting cycles (PROTOCOL.md §8.8): the Steering Committee's threshold-signed decision of
//! which period cities report on, by when, and what is asked for each commitment; amendments
//! (a new decision naming the one it replaces, e.g. to extend the deadline); a report checked
//! against its cycle; feedback on a report; and timeliness, as pure functions of the decisions,
//! the filing times and the clock.
//!
//! A decision travels as the payload of an entry (kind 10) in the log of whichever member city
//! publishes it: its authority is the committee signatures it carries, checked against the
//! charter by every node, not the publishing city.

use crate::bytes::EntryId;
use crate::bytes::{Hash32, PublicKey, SignatureBytes};
use crate::calendar;
use crate::charter::Charter;
use crate::codec;
use crate::error::RecordError;
use crate::keys::SecretKey;
use crate::roster::CommitteeSignature;
use crate::schema::LangText;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Domain separation: committee signatures over a decision are over this tag and its bytes.
pub const CYCLE_SIGNING_TAG: &[u8] = b"coalition/reporting-cycle/v1";
/// Domain separation: a reviewer's signature over feedback.
pub const FEEDBACK_SIGNING_TAG: &[u8] = b"coalition/report-feedback/v1";

/// One numeric indicator a cycle asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    /// The indicator's name, as reports must give it; distinct within a commitment.
    pub name: String,
    /// The unit the value must be given in (`people`, `EUR`, `%`…); empty for a plain count.
    #[serde(default)]
    pub unit: String,
    /// Whether a report for the cycle must give this indicator.
    #[serde(default)]
    pub required: bool,
}

/// What a cycle asks about one commitment of the Ten-Point Plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleCommitment {
    /// The Ten-Point-Plan commitment, 1 to 10; each once in a decision.
    pub commitment: u8,
    /// The questions the narrative should answer, in the committee's languages.
    #[serde(default)]
    pub questions: LangText,
    /// Whether a report must give a narrative for this commitment.
    #[serde(default)]
    pub narrative_required: bool,
    /// The numeric indicators asked for this commitment.
    #[serde(default)]
    pub indicators: Vec<IndicatorSpec>,
}

/// The committee's decision opening (or amending) a reporting cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CycleDecision {
    /// The coalition the decision is for.
    pub network_id: Hash32,
    /// The period reported on: `YYYY`, `YYYY-H1` or `YYYY-H2`.
    pub period: String,
    /// The cycle's title, per language.
    pub title: LangText,
    /// First day reports are accepted for the cycle (`YYYY-MM-DD`, UTC).
    pub opens: String,
    /// Last day a report is on time (`YYYY-MM-DD`, inclusive, UTC).
    pub deadline: String,
    /// The commitments in scope and the questionnaire for each.
    pub commitments: Vec<CycleCommitment>,
    /// An advisory body whose keys may sign feedback on the cycle's reports, besides the
    /// committee.
    #[serde(default)]
    pub reviewers: Vec<PublicKey>,
    /// The decision this one replaces, for an amendment.
    #[serde(default)]
    pub amends: Option<Hash32>,
    /// When the committee decided (ms since the Unix epoch): between two amendments of one
    /// decision, the later is in force.
    pub decided_ms: i64,
}

/// A decision with the committee signatures gathered for it: the payload of kind 10.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCycleDecision {
    /// The decision, as signed.
    pub decision: CycleDecision,
    /// Committee signatures over [`CycleDecision::signing_message`]; at least the charter's
    /// threshold of distinct committee keys must verify.
    #[serde(default)]
    pub signatures: Vec<CommitteeSignature>,
}

/// Signed feedback on a city's report, by a committee member or a reviewer the cycle names
/// (kind 11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportFeedback {
    /// The entry id of the report.
    pub report: Hash32,
    /// The feedback, per language.
    pub text: LangText,
    /// The key that signed: a committee key, or a reviewer the report's cycle names.
    pub signer: PublicKey,
    /// The signer's signature over [`ReportFeedback::signing_message`] of the report id and
    /// text.
    pub signature: SignatureBytes,
}

impl CycleDecision {
    /// The decision's canonical postcard bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// The decision's id: the hash of the decision alone, so signatures can be gathered one by
    /// one without changing what is signed.
    pub fn id(&self) -> Hash32 {
        Hash32::of(&self.canonical_bytes())
    }

    /// What committee members sign: [`CYCLE_SIGNING_TAG`] followed by the decision's bytes.
    pub fn signing_message(&self) -> Vec<u8> {
        let mut message = CYCLE_SIGNING_TAG.to_vec();
        message.extend(self.canonical_bytes());
        message
    }

    /// Start of the day after the deadline (ms since the epoch, UTC): a report filed before it
    /// is on time.
    pub fn deadline_end_ms(&self) -> Option<i64> {
        calendar::day_start_ms(&self.deadline).map(|start| start + calendar::DAY_MS)
    }

    /// What the decision asks about `commitment`; `None` when it is not in scope.
    pub fn scope(&self, commitment: u8) -> Option<&CycleCommitment> {
        self.commitments.iter().find(|c| c.commitment == commitment)
    }
}

impl SignedCycleDecision {
    /// The decision with no signature yet.
    pub fn unsigned(decision: CycleDecision) -> Self {
        SignedCycleDecision {
            decision,
            signatures: Vec::new(),
        }
    }

    /// The decision's id (signatures are not part of it).
    pub fn id(&self) -> Hash32 {
        self.decision.id()
    }

    /// Adds (or replaces) `key`'s signature.
    pub fn sign_with(&mut self, key: &SecretKey) {
        crate::roster::add_committee_signature(
            &mut self.signatures,
            key,
            &self.decision.signing_message(),
        );
    }

    /// Valid signatures by distinct committee keys.
    pub fn valid_committee_signers(&self, charter: &Charter) -> usize {
        crate::roster::count_committee_signers(
            charter,
            &self.decision.signing_message(),
            &self.signatures,
        )
    }

    /// The rule "committee threshold" for a decision: this coalition's, signed by at least
    /// `threshold` committee members.
    pub fn verify(&self, charter: &Charter) -> Result<(), RecordError> {
        crate::roster::check_committee_threshold(
            charter,
            self.decision.network_id,
            &self.decision.signing_message(),
            &self.signatures,
        )
    }
}

impl ReportFeedback {
    /// What the signer signs: [`FEEDBACK_SIGNING_TAG`], the report id's 32 bytes, then the
    /// postcard bytes of `text`.
    pub fn signing_message(report: &Hash32, text: &LangText) -> Vec<u8> {
        let mut message = FEEDBACK_SIGNING_TAG.to_vec();
        message.extend(report.0);
        message.extend(codec::encode(text));
        message
    }

    /// Feedback on `report` signed by `key`. Whether that key may give feedback is not checked
    /// here (see [`ReportFeedback::authorised`]).
    pub fn sign(key: &SecretKey, report: Hash32, text: LangText) -> Self {
        let signature = key.sign(&Self::signing_message(&report, &text));
        ReportFeedback {
            report,
            text,
            signer: key.public(),
            signature,
        }
    }

    /// The rule "feedback signature": the signer's signature over the report id and text.
    pub fn verify_signature(&self) -> Result<(), RecordError> {
        if self.signer.verify(
            &Self::signing_message(&self.report, &self.text),
            &self.signature,
        ) {
            Ok(())
        } else {
            Err(RecordError::schema(
                "feedback.signature",
                format!(
                    "does not verify against signer {} over the report id and text",
                    self.signer
                ),
            ))
        }
    }

    /// Whether the signer may give feedback on a report of `cycle`: a committee member, or a
    /// reviewer the cycle names.
    pub fn authorised(&self, charter: &Charter, cycle: Option<&CycleDecision>) -> bool {
        charter.is_committee(&self.signer)
            || cycle.is_some_and(|c| c.reviewers.contains(&self.signer))
    }
}

/// A reporting cycle as the decisions resolve it: the first decision's id names the cycle, and
/// the latest amendment in force gives its terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cycle {
    /// The id of the decision that opened the cycle: reports name it.
    pub id: Hash32,
    /// The decision in force (the opening one, or its latest amendment).
    pub terms: CycleDecision,
    /// Ids of the decisions in force order: the opening one first.
    pub decisions: Vec<Hash32>,
    /// The entry that carried each decision, in the same order.
    pub entries: Vec<EntryId>,
}

impl Cycle {
    /// The deadline was moved by an amendment.
    pub fn amended(&self) -> bool {
        self.decisions.len() > 1
    }
}

/// Resolves decisions (already verified against the charter) into cycles. An amendment counts
/// when it names a known decision of the same period; where two amend the same decision, the
/// later `decided_ms` (then the greater id) is in force. Amendments naming nothing known are
/// left out (they take effect once the decision they amend arrives).
pub fn resolve_cycles(decisions: &[(EntryId, SignedCycleDecision)]) -> Vec<Cycle> {
    let by_id: BTreeMap<Hash32, (&EntryId, &CycleDecision)> = decisions
        .iter()
        .map(|(entry, signed)| (signed.id(), (entry, &signed.decision)))
        .collect();
    let mut children: BTreeMap<Hash32, Vec<Hash32>> = BTreeMap::new();
    for (id, (_, d)) in &by_id {
        if let Some(parent) = d.amends {
            if by_id
                .get(&parent)
                .is_some_and(|(_, p)| p.period == d.period)
                && parent != *id
            {
                children.entry(parent).or_default().push(*id);
            }
        }
    }
    let mut cycles = Vec::new();
    for (id, (entry, d)) in &by_id {
        if d.amends.is_some() {
            continue;
        }
        let mut chain = vec![*id];
        let mut entries = vec![**entry];
        let mut current = *id;
        // Bounded by the number of decisions: each step moves to a decision not yet in the chain.
        while let Some(next) = children.get(&current).and_then(|kids| {
            kids.iter()
                .filter(|k| !chain.contains(k))
                .max_by_key(|k| (by_id[*k].1.decided_ms, **k))
        }) {
            chain.push(*next);
            entries.push(*by_id[next].0);
            current = *next;
        }
        cycles.push(Cycle {
            id: *id,
            terms: by_id[&current].1.clone(),
            decisions: chain,
            entries,
        });
    }
    cycles.sort_by(|a, b| (a.terms.period.as_str(), a.id).cmp(&(b.terms.period.as_str(), b.id)));
    cycles
}

/// Where a city stands with a cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Timeliness {
    /// Filed on or before the deadline day.
    OnTime {
        /// When the report was filed: its entry timestamp (ms since the Unix epoch).
        filed_ms: i64,
    },
    /// Filed after the deadline day, `days_late` days (a started day counts as one).
    Late {
        /// When the report was filed: its entry timestamp (ms since the Unix epoch).
        filed_ms: i64,
        /// Days started since the deadline day ended, at least 1.
        days_late: i64,
    },
    /// Not filed, and the deadline has passed.
    Missing,
    /// Not filed yet, `days_left` days before the deadline ends (a started day counts as one).
    Due {
        /// Days until the deadline day ends, a started day counting as one; at least 1.
        days_left: i64,
    },
}

impl Timeliness {
    /// The state's code, the same as its serialised `state` tag: `on_time`, `late`, `missing` or
    /// `due`.
    pub fn label(&self) -> &'static str {
        match self {
            Timeliness::OnTime { .. } => "on_time",
            Timeliness::Late { .. } => "late",
            Timeliness::Missing => "missing",
            Timeliness::Due { .. } => "due",
        }
    }
}

/// Timeliness of a city for a cycle: `filed_ms` is the signed time of the city's first report
/// for the cycle (not retracted), `now_ms` the clock.
pub fn timeliness(terms: &CycleDecision, filed_ms: Option<i64>, now_ms: i64) -> Timeliness {
    let Some(end) = terms.deadline_end_ms() else {
        // The schema rule makes the deadline a date: unreachable for a stored decision.
        return Timeliness::Missing;
    };
    match filed_ms {
        Some(filed) if filed < end => Timeliness::OnTime { filed_ms: filed },
        Some(filed) => Timeliness::Late {
            filed_ms: filed,
            days_late: (filed - end) / calendar::DAY_MS + 1,
        },
        None if now_ms >= end => Timeliness::Missing,
        None => Timeliness::Due {
            days_left: (end - now_ms + calendar::DAY_MS - 1) / calendar::DAY_MS,
        },
    }
}

/// The cycle whose reports are accepted now, for a period name or an id (or a prefix of at least
/// 8 hex digits).
pub fn find_cycle<'a>(cycles: &'a [Cycle], name_or_id: &str) -> Option<&'a Cycle> {
    let wanted = name_or_id.trim().to_ascii_lowercase();
    cycles
        .iter()
        .filter(|c| c.terms.period.eq_ignore_ascii_case(&wanted))
        .max_by_key(|c| c.terms.decided_ms)
        .or_else(|| {
            (wanted.len() >= 8)
                .then(|| {
                    cycles
                        .iter()
                        .find(|c| c.id.to_string().starts_with(&wanted))
                })
                .flatten()
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn charter_and_keys() -> (Charter, Vec<SecretKey>) {
        let keys: Vec<SecretKey> = (0..3).map(|i| SecretKey::from_seed([i + 1; 32])).collect();
        let charter = Charter::new(
            "Test coalition",
            keys.iter().map(|k| k.public()).collect(),
            2,
            1_600_000_000_000,
        )
        .expect("charter");
        (charter, keys)
    }

    pub(crate) fn decision(
        charter: &Charter,
        deadline: &str,
        amends: Option<Hash32>,
    ) -> CycleDecision {
        CycleDecision {
            network_id: charter.network_id(),
            period: "2025".into(),
            title: [("en".to_string(), "Annual report 2025".to_string())].into(),
            opens: "2026-01-01".into(),
            deadline: deadline.into(),
            commitments: vec![CycleCommitment {
                commitment: 3,
                questions: LangText::new(),
                narrative_required: true,
                indicators: vec![
                    IndicatorSpec {
                        name: "complaints received".into(),
                        unit: "complaints".into(),
                        required: true,
                    },
                    IndicatorSpec {
                        name: "budget".into(),
                        unit: "EUR".into(),
                        required: false,
                    },
                ],
            }],
            reviewers: Vec::new(),
            amends,
            decided_ms: 1_700_000_000_000,
        }
    }

    #[test]
    fn threshold_minus_one_signature_is_refused_and_threshold_accepted() {
        let (charter, keys) = charter_and_keys();
        let mut signed = SignedCycleDecision::unsigned(decision(&charter, "2026-03-31", None));
        signed.sign_with(&keys[0]);
        // The same key twice still counts once.
        signed.sign_with(&keys[0]);
        assert_eq!(
            signed.verify(&charter),
            Err(RecordError::BelowThreshold {
                valid: 1,
                threshold: 2
            })
        );
        // A non-committee key counts for nothing.
        signed.sign_with(&SecretKey::from_seed([9; 32]));
        assert!(signed.verify(&charter).is_err());
        signed.sign_with(&keys[2]);
        assert_eq!(signed.verify(&charter), Ok(()));
        // Changing the decision after signing invalidates every signature.
        signed.decision.deadline = "2026-04-30".into();
        assert!(matches!(
            signed.verify(&charter),
            Err(RecordError::BelowThreshold { valid: 0, .. })
        ));
    }

    #[test]
    fn timeliness_on_time_late_missing_due_and_amended() {
        let (charter, _) = charter_and_keys();
        let day = calendar::DAY_MS;
        let first = decision(&charter, "2026-03-31", None);
        let end = calendar::day_start_ms("2026-04-01").expect("valid in the test");
        // Filed during the deadline day's last millisecond: on time.
        assert_eq!(
            timeliness(&first, Some(end - 1), end + 100 * day),
            Timeliness::OnTime { filed_ms: end - 1 }
        );
        // At midnight after the deadline: one day late; 10 days and 1 ms after: 11 days late.
        assert_eq!(
            timeliness(&first, Some(end), end),
            Timeliness::Late {
                filed_ms: end,
                days_late: 1
            }
        );
        assert_eq!(
            timeliness(&first, Some(end + 10 * day + 1), end + 20 * day),
            Timeliness::Late {
                filed_ms: end + 10 * day + 1,
                days_late: 11
            }
        );
        assert_eq!(timeliness(&first, None, end), Timeliness::Missing);
        assert_eq!(
            timeliness(&first, None, end - 2 * day - 5),
            Timeliness::Due { days_left: 3 }
        );
        // An amendment extending the deadline by a month: a report filed 10 days after the
        // first deadline is on time under the amended terms.
        let amendment = decision(&charter, "2026-04-30", Some(first.id()));
        let mut later = amendment.clone();
        later.deadline = "2026-05-15".into();
        later.decided_ms += 1;
        let entry = |n: u8| EntryId::of(&[n]);
        let cycles = resolve_cycles(&[
            (entry(1), SignedCycleDecision::unsigned(first.clone())),
            (entry(2), SignedCycleDecision::unsigned(amendment.clone())),
        ]);
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].id, first.id());
        assert!(cycles[0].amended());
        assert_eq!(cycles[0].terms.deadline, "2026-04-30");
        assert_eq!(
            timeliness(&cycles[0].terms, Some(end + 10 * day), end + 60 * day),
            Timeliness::OnTime {
                filed_ms: end + 10 * day
            }
        );
        // Two amendments of the same decision: the later one is in force.
        let cycles = resolve_cycles(&[
            (entry(3), SignedCycleDecision::unsigned(later.clone())),
            (entry(1), SignedCycleDecision::unsigned(first.clone())),
            (entry(2), SignedCycleDecision::unsigned(amendment)),
        ]);
        assert_eq!(cycles[0].terms.deadline, "2026-05-15");
        assert_eq!(cycles[0].entries, vec![entry(1), entry(3)]);
        // An amendment of an unknown decision is left out.
        let orphan = resolve_cycles(&[(entry(3), SignedCycleDecision::unsigned(later))]);
        assert!(orphan.is_empty());
        assert_eq!(find_cycle(&cycles, "2025").map(|c| c.id), Some(first.id()));
        let prefix = first.id().to_string()[..10].to_string();
        assert_eq!(find_cycle(&cycles, &prefix).map(|c| c.id), Some(first.id()));
    }

    #[test]
    fn feedback_signature_and_authority() {
        let (charter, keys) = charter_and_keys();
        let report = Hash32::of(b"report");
        let text: LangText = [("en".to_string(), "Good progress.".to_string())].into();
        let feedback = ReportFeedback::sign(&keys[1], report, text.clone());
        assert_eq!(feedback.verify_signature(), Ok(()));
        assert!(feedback.authorised(&charter, None));
        let mut forged = feedback.clone();
        forged.text.insert("en".into(), "Poor.".into());
        assert!(forged.verify_signature().is_err());
        let outsider = SecretKey::from_seed([7; 32]);
        let by_reviewer = ReportFeedback::sign(&outsider, report, text);
        assert!(!by_reviewer.authorised(&charter, None));
        let mut d = decision(&charter, "2026-03-31", None);
        assert!(!by_reviewer.authorised(&charter, Some(&d)));
        d.reviewers.push(outsider.public());
        assert!(by_reviewer.authorised(&charter, Some(&d)));
    }
}
