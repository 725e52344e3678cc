//! The payload schema rule (PROTOCOL.md §8.6) for each payload kind, built from the field rules
//! of [`crate::schema`]. Kept apart from the payload types so that dependencies point one way:
//! schema ← payload ← validate.

use crate::cycle::{CycleDecision, IndicatorSpec};
use crate::error::RecordError;
use crate::limits::{MAX_LIST_ITEMS, MAX_SHORT_TEXT_BYTES, MAX_TEXT_BYTES};
use crate::payload::{ActivityReport, ActivityUpdate, Payload, Period, Practice, PracticeAdoption};
use crate::schema::{
    commitment, commitments, country, date, lang_text, links, report_period, short_list,
    short_text, too_many, Dotted, FieldName,
};
use crate::taxonomy;
use crate::translation::Translation;

type Result<T = ()> = std::result::Result<T, RecordError>;

impl Payload {
    /// The rule "payload schema": required fields, value ranges, tags and lengths.
    pub fn validate(&self) -> Result {
        match self {
            Payload::Practice(p) => practice("practice", p),
            Payload::PracticeRevision(r) => practice("practice", &r.practice),
            Payload::ActivityUpdate(u) => update(u),
            Payload::ActivityReport(r) => report(r),
            Payload::Retraction(r) => short_text("reason", &r.reason, true),
            Payload::Erasure(e) => short_text("erasure.reason", &e.reason, false),
            Payload::ErasureReceipt(_) | Payload::TranslationEndorsement(_) => Ok(()),
            Payload::Translation(t) => t.validate(),
            Payload::ErasureOrder(o) => {
                short_text("erasure_order.reason", &o.order.reason, true)?;
                if o.signatures.len() > MAX_LIST_ITEMS {
                    return Err(too_many("erasure_order.signatures"));
                }
                Ok(())
            }
            Payload::PracticeAdoption(a) => adoption(a),
            Payload::Question(q) => lang_text("question.text", &q.text, true, MAX_TEXT_BYTES),
            Payload::Answer(a) => lang_text("answer.text", &a.text, true, MAX_TEXT_BYTES),
            Payload::ReportingCycle(c) => cycle_decision(&c.decision, c.signatures.len()),
            Payload::ReportFeedback(f) => {
                lang_text("feedback.text", &f.text, true, MAX_TEXT_BYTES)?;
                f.verify_signature()
            }
            #[cfg(feature = "future-kind")]
            Payload::TestNote(n) => lang_text("note.text", &n.text, true, MAX_TEXT_BYTES),
            // Its schema is a newer version's: what can be checked (size, length, commitment,
            // kind) was checked before.
            Payload::Newer(_) => Ok(()),
        }
    }

    /// What a node may sign: a valid payload of a kind it knows. A newer version's payload is
    /// stored and forwarded as it came, but this node cannot encode one.
    pub fn check_publishable(&self) -> Result {
        if let Payload::Newer(n) = self {
            return Err(RecordError::schema(
                "payload",
                format!(
                    "kind {} version {} is a newer version's payload: this node keeps and forwards such entries but cannot sign one",
                    n.kind, n.version
                ),
            ));
        }
        self.validate()?;
        let prefix = match self {
            Payload::ReportingCycle(_)
            | Payload::ReportFeedback(_)
            | Payload::Erasure(_)
            | Payload::ErasureReceipt(_)
            | Payload::ErasureOrder(_)
            | Payload::Translation(_)
            | Payload::TranslationEndorsement(_) => return Ok(()),
            Payload::ActivityUpdate(_) => "update",
            Payload::ActivityReport(_) => "report",
            _ => "practice",
        };
        for (i, code) in self.grounds().into_iter().flatten().enumerate() {
            taxonomy::check_listed(code, &taxonomy::GROUNDS, "docs/grounds.toml")
                .map_err(|rule| RecordError::schema(format!("{prefix}.grounds[{i}]"), rule))?;
        }
        if let Some(p) = self.practice() {
            for (i, code) in p.partner_types.iter().enumerate() {
                if code.is_empty() {
                    continue;
                }
                taxonomy::check_listed(code, &taxonomy::PARTNER_TYPES, "docs/partner-types.toml")
                    .map_err(|rule| {
                    RecordError::schema(format!("practice.partner_types[{i}]"), rule)
                })?;
            }
        }
        Ok(())
    }
}

/// A cycle decision's schema; the committee threshold needs the charter and is checked by the
/// store (§4.3).
fn cycle_decision(d: &CycleDecision, signatures: usize) -> Result {
    report_period("cycle.period", &d.period)?;
    lang_text("cycle.title", &d.title, true, MAX_SHORT_TEXT_BYTES)?;
    for (name, value) in [("cycle.opens", &d.opens), ("cycle.deadline", &d.deadline)] {
        if crate::calendar::day_start_ms(value).is_none() {
            return Err(RecordError::schema(
                name,
                format!("'{value}' is not a calendar date; write YYYY-MM-DD"),
            ));
        }
    }
    if d.deadline < d.opens {
        return Err(RecordError::schema(
            "cycle.deadline",
            format!("{} is before the cycle opens ({})", d.deadline, d.opens),
        ));
    }
    if d.commitments.is_empty() {
        return Err(RecordError::schema(
            "cycle.commitments",
            "a cycle asks about at least one commitment",
        ));
    }
    if d.commitments.len() > taxonomy::COMMITMENTS.len() {
        return Err(RecordError::schema(
            "cycle.commitments",
            "at most one entry per commitment",
        ));
    }
    if d.reviewers.len() > MAX_LIST_ITEMS || signatures > crate::limits::MAX_COMMITTEE {
        return Err(too_many("cycle.reviewers or signatures"));
    }
    let mut seen = Vec::new();
    for (i, c) in d.commitments.iter().enumerate() {
        let field = format!("cycle.commitments[{i}]");
        commitment(&format!("{field}.commitment"), c.commitment)?;
        if seen.contains(&c.commitment) {
            return Err(RecordError::schema(
                format!("{field}.commitment"),
                format!("commitment {} is listed twice", c.commitment),
            ));
        }
        seen.push(c.commitment);
        lang_text(
            &format!("{field}.questions"),
            &c.questions,
            false,
            MAX_TEXT_BYTES,
        )?;
        if c.indicators.len() > MAX_LIST_ITEMS {
            return Err(too_many(&format!("{field}.indicators")));
        }
        let mut names: Vec<&str> = Vec::new();
        for (j, IndicatorSpec { name, unit, .. }) in c.indicators.iter().enumerate() {
            let f = format!("{field}.indicators[{j}]");
            short_text(&format!("{f}.name"), name, true)?;
            short_text(&format!("{f}.unit"), unit, false)?;
            if names.contains(&name.as_str()) {
                return Err(RecordError::schema(
                    format!("{f}.name"),
                    format!("indicator \"{name}\" is listed twice"),
                ));
            }
            names.push(name);
        }
    }
    Ok(())
}

fn practice(prefix: &str, p: &Practice) -> Result {
    let f = |name| Dotted(prefix, name);
    lang_text(f("title"), &p.title, true, MAX_SHORT_TEXT_BYTES)?;
    lang_text(f("summary"), &p.summary, true, MAX_TEXT_BYTES)?;
    for (name, text) in [
        ("body", &p.body),
        ("rationale", &p.rationale),
        ("approach", &p.approach),
        ("results", &p.results),
        ("transferability", &p.transferability),
    ] {
        lang_text(f(name), text, false, MAX_TEXT_BYTES)?;
    }
    commitments(f("commitments"), &p.commitments, true)?;
    for (name, list) in [
        ("themes", &p.themes),
        ("target_groups", &p.target_groups),
        ("partners", &p.partners),
    ] {
        short_list(f(name), list)?;
    }
    short_text(f("city"), &p.city, true)?;
    country(f("country"), &p.country)?;
    period(prefix, &p.period)?;
    links(f("links"), &p.links)?;
    grounds(f("grounds"), &p.grounds)?;
    partner_types(f("partner_types"), &p.partner_types, p.partners.len())?;
    if let Some(contact) = &p.contact {
        short_text(f("contact.name"), &contact.name, true)?;
        for (name, value) in [
            ("contact.role", &contact.role),
            ("contact.email", &contact.email),
            ("contact.phone", &contact.phone),
        ] {
            if let Some(v) = value {
                short_text(f(name), v, false)?;
            }
        }
        if let Some(email) = &contact.email {
            if !email.contains('@') {
                return Err(RecordError::schema(
                    f("contact.email"),
                    format!("'{email}' is not an e-mail address"),
                ));
            }
        }
    }
    Ok(())
}

/// At most [`taxonomy::MAX_GROUNDS`] codes, sorted, each once, each a code shape (lowercase
/// letters and `_`). A code this version does not list is kept (a newer release may add grounds);
/// [`Payload::check_publishable`] takes only listed ones.
fn grounds(field: impl FieldName, codes: &[String]) -> Result {
    if codes.len() > taxonomy::MAX_GROUNDS {
        return Err(RecordError::schema(
            field,
            format!("at most {} grounds", taxonomy::MAX_GROUNDS),
        ));
    }
    for (i, code) in codes.iter().enumerate() {
        let shaped = !code.is_empty()
            && code.len() <= 64
            && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if !shaped {
            return Err(RecordError::schema(
                format!("{field}[{i}]"),
                format!("'{code}' is not a ground code (lowercase letters and _, see docs/grounds.toml)"),
            ));
        }
        if i > 0 && codes[i - 1] >= *code {
            return Err(RecordError::schema(
                format!("{field}[{i}]"),
                "grounds are sorted and each listed once",
            ));
        }
    }
    Ok(())
}

/// Empty, or one entry per partner: "" (not given) or a code shape. A code this version does
/// not list is kept; [`Payload::check_publishable`] takes only listed ones.
fn partner_types(field: impl FieldName, codes: &[String], partners: usize) -> Result {
    if codes.is_empty() {
        return Ok(());
    }
    if codes.len() != partners {
        return Err(RecordError::schema(
            field,
            format!(
                "{} types for {partners} partners: give one per partner, in the same order (\"\" for one without a type)",
                codes.len()
            ),
        ));
    }
    for (i, code) in codes.iter().enumerate() {
        let shaped = code.len() <= 64 && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        if !shaped {
            return Err(RecordError::schema(
                format!("{field}[{i}]"),
                format!("'{code}' is not a partner type code (lowercase letters and _, see docs/partner-types.toml)"),
            ));
        }
    }
    Ok(())
}

/// A period: start and optional end dates, the end not before the start (§8.6).
fn period(prefix: &str, period: &Period) -> Result {
    let f = |name| Dotted(prefix, name);
    date(f("period.start"), &period.start)?;
    if let Some(end) = &period.end {
        date(f("period.end"), end)?;
        if end.get(..4) < period.start.get(..4)
            || (end.len() == period.start.len() && end.as_str() < period.start.as_str())
        {
            return Err(RecordError::schema(
                f("period.end"),
                format!("{end} is before the start {}", period.start),
            ));
        }
    }
    Ok(())
}

fn adoption(a: &PracticeAdoption) -> Result {
    lang_text("adoption.changes", &a.changes, false, MAX_TEXT_BYTES)?;
    lang_text("adoption.results", &a.results, false, MAX_TEXT_BYTES)?;
    period("adoption", &a.period)
}

fn update(u: &ActivityUpdate) -> Result {
    date("update.date", &u.date)?;
    lang_text("update.title", &u.title, true, MAX_SHORT_TEXT_BYTES)?;
    lang_text("update.text", &u.text, true, MAX_TEXT_BYTES)?;
    commitments("update.commitments", &u.commitments, false)?;
    links("update.links", &u.links)?;
    grounds("update.grounds", &u.grounds)
}

fn report(r: &ActivityReport) -> Result {
    short_text("report.city", &r.city, true)?;
    country("report.country", &r.country)?;
    report_period("report.period", &r.period)?;
    lang_text("report.narrative", &r.narrative, false, MAX_TEXT_BYTES)?;
    if r.commitments.is_empty() {
        return Err(RecordError::schema(
            "report.commitments",
            "a report covers at least one commitment",
        ));
    }
    if r.commitments.len() > taxonomy::COMMITMENTS.len() {
        return Err(RecordError::schema(
            "report.commitments",
            "at most one entry per commitment",
        ));
    }
    let mut seen = Vec::new();
    for (i, item) in r.commitments.iter().enumerate() {
        let field = format!("report.commitments[{i}]");
        commitment(&format!("{field}.commitment"), item.commitment)?;
        if seen.contains(&item.commitment) {
            return Err(RecordError::schema(
                format!("{field}.commitment"),
                format!("commitment {} is reported twice", item.commitment),
            ));
        }
        seen.push(item.commitment);
        lang_text(
            &format!("{field}.narrative"),
            &item.narrative,
            false,
            MAX_TEXT_BYTES,
        )?;
        if item.indicators.len() > MAX_LIST_ITEMS {
            return Err(too_many(&format!("{field}.indicators")));
        }
        for (j, ind) in item.indicators.iter().enumerate() {
            let f = format!("{field}.indicators[{j}]");
            short_text(&format!("{f}.name"), &ind.name, true)?;
            short_text(&format!("{f}.unit"), &ind.unit, false)?;
            if !ind.value.is_finite() {
                return Err(RecordError::schema(
                    format!("{f}.value"),
                    "must be a finite number",
                ));
            }
        }
    }
    grounds("report.grounds", &r.grounds)
}

/// The rule "report answers its cycle": the period is the cycle's, every commitment in scope is
/// reported, narratives and indicators the cycle requires are there, units are the cycle's.
pub fn check_report(cycle: &CycleDecision, report: &ActivityReport) -> Result {
    if report.period != cycle.period {
        return Err(RecordError::schema(
            "report.period",
            format!(
                "the cycle is for period {}, the report for {}",
                cycle.period, report.period
            ),
        ));
    }
    for asked in &cycle.commitments {
        let c = asked.commitment;
        let Some((i, answer)) = report
            .commitments
            .iter()
            .enumerate()
            .find(|(_, r)| r.commitment == c)
        else {
            return Err(RecordError::schema(
                "report.commitments",
                format!(
                    "the cycle {} asks about commitment {c}: add it (with its status)",
                    cycle.period
                ),
            ));
        };
        let field = format!("report.commitments[{i}]");
        if asked.narrative_required && answer.narrative.values().all(|t| t.trim().is_empty()) {
            return Err(RecordError::schema(
                format!("{field}.narrative"),
                format!(
                    "the cycle {} requires a narrative for commitment {c}",
                    cycle.period
                ),
            ));
        }
        for spec in &asked.indicators {
            let given = answer.indicators.iter().find(|x| x.name == spec.name);
            match given {
                None if spec.required => {
                    return Err(RecordError::schema(
                        format!("{field}.indicators"),
                        format!(
                            "the cycle {} requires indicator \"{}\"{} for commitment {c}",
                            cycle.period,
                            spec.name,
                            unit_note(&spec.unit)
                        ),
                    ))
                }
                Some(x) if x.unit != spec.unit => {
                    return Err(RecordError::schema(
                        format!("{field}.indicators"),
                        format!(
                            "indicator \"{}\" of commitment {c} is asked in '{}', the report gives '{}'",
                            spec.name, spec.unit, x.unit
                        ),
                    ))
                }
                Some(x) if !x.value.is_finite() => {
                    return Err(RecordError::schema(
                        format!("{field}.indicators"),
                        format!("indicator \"{}\" is not a number", spec.name),
                    ))
                }
                _ => {}
            }
        }
    }
    Ok(())
}

fn unit_note(unit: &str) -> String {
    if unit.is_empty() {
        String::new()
    } else {
        format!(" (in {unit})")
    }
}

/// A translation against the version it translates: a rule of the translating city's node, kept
/// here beside the other payload rules so that `translation` needs nothing of `payload`.
impl Translation {
    /// The rule a translating city's node checks against the version translated: it is in
    /// `from_lang`, and not already in `lang` (the author adds its own languages by revision).
    pub fn check_against(&self, version: &Practice) -> Result {
        let has = |tag: &str| {
            version
                .title
                .keys()
                .any(|k| crate::schema::primary_tag(k) == crate::schema::primary_tag(tag))
        };
        if !has(&self.from_lang) {
            return Err(RecordError::schema(
                "translation.from_lang",
                format!(
                    "the version translated has no text in '{}' (it has {})",
                    self.from_lang,
                    version.title.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if has(&self.lang) {
            return Err(RecordError::schema(
                "translation.lang",
                format!(
                    "the version translated is already written in '{}'",
                    self.lang
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cycle::tests::{charter_and_keys, decision};
    use crate::payload::{CommitmentReport, Indicator, LangText, ReportStatus};

    fn report(indicators: Vec<Indicator>) -> ActivityReport {
        ActivityReport {
            city: "Testville".into(),
            country: "DE".into(),
            period: "2025".into(),
            narrative: LangText::new(),
            commitments: vec![CommitmentReport {
                commitment: 3,
                status: ReportStatus::InProgress,
                narrative: [("en".to_string(), "Counselling opened.".to_string())].into(),
                indicators,
            }],
            illustrative: false,
            grounds: Vec::new(),
            cycle: None,
        }
    }

    #[test]
    fn report_missing_a_required_indicator_is_refused_naming_it() {
        let (charter, _) = charter_and_keys();
        let d = decision(&charter, "2026-03-31", None);
        let error = check_report(&d, &report(Vec::new())).expect_err("refused");
        let text = error.to_string();
        assert!(text.contains("\"complaints received\""), "{text}");
        assert!(text.contains("report.commitments[0].indicators"), "{text}");
        let wrong_unit = report(vec![Indicator {
            name: "complaints received".into(),
            value: 12.0,
            unit: "cases".into(),
        }]);
        let text = check_report(&d, &wrong_unit)
            .expect_err("refused")
            .to_string();
        assert!(text.contains("asked in 'complaints'"), "{text}");
        let good = report(vec![Indicator {
            name: "complaints received".into(),
            value: 12.0,
            unit: "complaints".into(),
        }]);
        assert_eq!(check_report(&d, &good), Ok(()));
        let mut no_narrative = good.clone();
        no_narrative.commitments[0].narrative.clear();
        assert!(check_report(&d, &no_narrative)
            .expect_err("refused")
            .to_string()
            .contains("requires a narrative"));
        let mut other_period = good;
        other_period.period = "2024".into();
        assert!(check_report(&d, &other_period).is_err());
    }
}
