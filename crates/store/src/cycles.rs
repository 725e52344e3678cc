//! Reporting cycles in the store (PROTOCOL.md §4.3): the committee threshold checked on every
//! decision that arrives (the charter is the store's), the cycles resolved from the decisions
//! held, and the publish-time rules that tie a report to its cycle and feedback to its report.

use crate::batch::BatchView;
use crate::error::refuse;
use crate::query::Query;
use crate::{Store, StoreError};
use coalition_record::cycle::{resolve_cycles, Cycle};
use coalition_record::{
    check_report, Hash32, Payload, PayloadKind, RecordError, ReportFeedback, VerifiedEntry,
};

/// The rule "committee threshold" for entries that carry a committee decision: checked on ingest
/// and on publish, as roster changes are.
pub(crate) fn check_committee(
    charter: &coalition_record::Charter,
    verified: &VerifiedEntry,
) -> Result<(), RecordError> {
    match &verified.payload {
        Some((_, Payload::ReportingCycle(signed))) => signed.verify(charter),
        Some((_, Payload::ErasureOrder(order))) => order.verify(charter),
        _ => Ok(()),
    }
}

impl Store {
    /// Every reporting cycle whose opening decision this node holds, with its amendments in
    /// force, ordered by period.
    pub fn cycles(&self) -> Result<Vec<Cycle>, StoreError> {
        let entries = self.query(&Query {
            kinds: Some(vec![PayloadKind::ReportingCycle.code()]),
            // A decision's authority is the committee's: the city that carried it cannot
            // withdraw it by retracting its entry.
            include_inactive: true,
            ..Query::default()
        })?;
        let decisions: Vec<_> = entries
            .into_iter()
            .filter_map(|e| match e.payload() {
                // Checked again here: a node of an earlier release stored kind 10 as a newer
                // kind without the threshold check, and reads it as a decision once upgraded.
                Some(Payload::ReportingCycle(signed)) if signed.verify(&self.charter).is_ok() => {
                    Some((e.entry.id(), signed.clone()))
                }
                _ => None,
            })
            .collect();
        Ok(resolve_cycles(&decisions))
    }

    /// The cycle a report names, by the id of its opening decision.
    pub fn cycle(&self, id: &Hash32) -> Result<Option<Cycle>, StoreError> {
        Ok(self.cycles()?.into_iter().find(|c| c.id == *id))
    }

    /// Rules a city's node checks before signing a report for a cycle, a cycle decision or
    /// feedback: what the cycle asks is answered; the decision carries the threshold; the
    /// feedback is on a report and by someone the charter or the cycle names.
    pub(crate) fn check_cycle_rules(
        &self,
        view: &BatchView<'_>,
        payload: &Payload,
    ) -> Result<(), StoreError> {
        match payload {
            Payload::ActivityReport(report) => {
                let Some(id) = report.cycle else {
                    return Ok(());
                };
                let Some(cycle) = self.cycle(&id)? else {
                    return refuse(
                        "report.cycle",
                        "unknown_cycle",
                        format!("no reporting cycle {id} on this node: sync first, or check the id (`coalition cycle list`)"),
                    );
                };
                check_report(&cycle.terms, report)?;
                Ok(())
            }
            Payload::ReportingCycle(signed) => {
                signed.verify(&self.charter)?;
                if let Some(amended) = signed.decision.amends {
                    match self
                        .cycles()?
                        .iter()
                        .find(|c| c.decisions.contains(&amended))
                    {
                        None => refuse(
                            "cycle.amends",
                            "unknown_decision",
                            format!("no cycle decision {amended} on this node to amend"),
                        ),
                        Some(c) if c.terms.period != signed.decision.period => refuse(
                            "cycle.period",
                            "amendment_period",
                            format!(
                                "an amendment keeps its cycle's period ({}), it says {}",
                                c.terms.period, signed.decision.period
                            ),
                        ),
                        Some(_) => Ok(()),
                    }
                } else {
                    Ok(())
                }
            }
            Payload::ReportFeedback(feedback) => {
                let report = match self.entry(&feedback.report)? {
                    Some(e) => e,
                    None if view.author_and_kind(&feedback.report)?.is_some() => {
                        return refuse(
                            "feedback.report",
                            "not_a_report",
                            format!("{} is not a report", feedback.report),
                        )
                    }
                    None => {
                        return refuse(
                            "feedback.report",
                            "unknown_report",
                            format!(
                                "no report {} on this node: sync first, or check the id",
                                feedback.report
                            ),
                        )
                    }
                };
                let Some(Payload::ActivityReport(r)) = report.payload() else {
                    return refuse(
                        "feedback.report",
                        "not_a_report",
                        format!("{} is not a report", feedback.report),
                    );
                };
                let cycle = match r.cycle {
                    Some(id) => self.cycle(&id)?,
                    None => None,
                };
                if !feedback.authorised(&self.charter, cycle.as_ref().map(|c| &c.terms)) {
                    return refuse(
                        "feedback.signer",
                        "not_a_reviewer",
                        format!(
                            "{} is neither a committee key of the charter nor a reviewer the report's cycle names",
                            feedback.signer
                        ),
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Whether feedback counts: its signature verifies (checked again on reading: a node of an
    /// earlier release stored kind 11 unchecked, as a newer kind) and its signer is a committee
    /// key or a reviewer `cycle` names.
    pub fn feedback_counts(&self, feedback: &ReportFeedback, cycle: Option<&Cycle>) -> bool {
        feedback.verify_signature().is_ok()
            && feedback.authorised(&self.charter, cycle.map(|c| &c.terms))
    }
}
