//! Reporting cycles for the page and the API: the cycles as the audit sees them, a city's report
//! built from the cycle form, and drafts kept on this node (never signed, never sent) until the
//! city publishes.

use crate::error::ApiError;
use coalition_record::cycle::{Cycle, CycleDecision};
use coalition_record::{ActivityReport, CommitmentReport, Hash32, Indicator, ReportStatus};
use coalition_store::Store;
use std::path::PathBuf;

/// The status choices of the form, in the order shown.
pub(crate) const STATUSES: [ReportStatus; 4] = [
    ReportStatus::NotStarted,
    ReportStatus::Planned,
    ReportStatus::InProgress,
    ReportStatus::Done,
];

pub(crate) fn status_of(code: &str) -> Option<ReportStatus> {
    STATUSES.into_iter().find(|s| s.as_str() == code)
}

/// The cycle named by a full id (64 hex) or a period (`2025`, `2025-H1`).
pub(crate) fn find(store: &Store, name: &str) -> Result<Cycle, ApiError> {
    let cycles = store.cycles().map_err(ApiError::from)?;
    coalition_record::cycle::find_cycle(&cycles, name)
        .cloned()
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no reporting cycle {name} on this node: see /cycles for the cycles it holds"
            ))
        })
}

/// Form values → the report for `cycle`, in `lang`. Values that are not numbers are refused
/// here, naming the field; what the cycle requires is checked by the store before signing.
pub(crate) fn report_from_form(
    terms: &CycleDecision,
    cycle: Hash32,
    ui: crate::i18n::Ui,
    value: impl Fn(&str) -> String,
) -> Result<ActivityReport, (String, String)> {
    let lang = ui.code();
    let t = ui.t();
    let text = |v: String| {
        let mut t = coalition_record::LangText::new();
        let v = v.trim().replace("\r\n", "\n");
        if !v.is_empty() {
            t.insert(lang.to_string(), v);
        }
        t
    };
    let mut commitments = Vec::new();
    for asked in &terms.commitments {
        let c = asked.commitment;
        let status_field = format!("status_{c}");
        let status = status_of(&value(&status_field)).ok_or_else(|| {
            (
                status_field.clone(),
                t.rc_choose_status.replace("{c}", &c.to_string()),
            )
        })?;
        let mut indicators = Vec::new();
        for (j, spec) in asked.indicators.iter().enumerate() {
            let field = format!("ind_{c}_{j}");
            let raw = value(&field);
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let number: f64 = raw
                .replace(',', ".")
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| {
                    (
                        field.clone(),
                        crate::i18n::fill(t.rc_not_a_number, &[("name", &spec.name), ("raw", raw)]),
                    )
                })?;
            indicators.push(Indicator {
                name: spec.name.clone(),
                value: number,
                unit: spec.unit.clone(),
            });
        }
        commitments.push(CommitmentReport {
            commitment: c,
            status,
            narrative: text(value(&format!("narrative_{c}"))),
            indicators,
        });
    }
    Ok(ActivityReport {
        city: String::new(),
        country: String::new(),
        period: terms.period.clone(),
        narrative: text(value("narrative")),
        commitments,
        illustrative: false,
        grounds: Vec::new(),
        cycle: Some(cycle),
    })
}

/// Maps a store rule's field (`report.commitments[0].indicators`) to the form field showing it.
pub(crate) fn form_field(terms: &CycleDecision, field: &str) -> String {
    let Some(rest) = field.strip_prefix("report.commitments[") else {
        return if field == "report.narrative" {
            "narrative".into()
        } else {
            String::new()
        };
    };
    let index: usize = rest
        .split(']')
        .next()
        .and_then(|i| i.parse().ok())
        .unwrap_or(0);
    let c = terms.commitments.get(index).map_or(0, |x| x.commitment);
    if field.ends_with(".narrative") {
        format!("narrative_{c}")
    } else if field.contains(".indicators") {
        format!("ind_{c}")
    } else {
        format!("status_{c}")
    }
}

/// Drafts live beside the store, in the node's data directory: `drafts/<cycle id>.json`.
fn draft_path(store: &Store, cycle: &Hash32) -> PathBuf {
    store
        .dir()
        .parent()
        .unwrap_or(store.dir())
        .join("drafts")
        .join(format!("{}.json", cycle.to_hex()))
}

/// The saved draft's form values (empty when none).
pub(crate) fn load_draft(store: &Store, cycle: &Hash32) -> Vec<(String, String)> {
    std::fs::read(draft_path(store, cycle))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Saves the form values (write to a temporary file, then rename: a crash keeps the old draft).
pub(crate) fn save_draft(
    store: &Store,
    cycle: &Hash32,
    values: &[(String, String)],
) -> Result<(), ApiError> {
    let path = draft_path(store, cycle);
    let keep: Vec<&(String, String)> = values
        .iter()
        .filter(|(k, _)| k != "csrf" && k != "action")
        .collect();
    let io = |e: std::io::Error| {
        ApiError::Internal(format!("cannot save the draft {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(&keep)
        .map_err(|e| ApiError::Internal(format!("cannot encode the draft: {e}")))?;
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)
}

/// Removes the draft once the report is published.
pub(crate) fn drop_draft(store: &Store, cycle: &Hash32) {
    let _ = std::fs::remove_file(draft_path(store, cycle));
}

/// Feedback on a city's reports by the committee or the cycle's reviewers: (report period,
/// signer key, text, signed date), newest first.
pub(crate) fn feedback_for_city(
    store: &Store,
    city: &coalition_record::PublicKey,
) -> Result<
    Vec<(
        String,
        coalition_record::PublicKey,
        coalition_record::LangText,
        i64,
    )>,
    ApiError,
> {
    use coalition_record::{Payload, PayloadKind};
    let cycles = store.cycles()?;
    let entries = store.query(&coalition_store::Query {
        kinds: Some(vec![PayloadKind::ReportFeedback.code()]),
        ..Default::default()
    })?;
    let mut out = Vec::new();
    for e in entries {
        let Some(Payload::ReportFeedback(f)) = e.payload() else {
            continue;
        };
        let Some(report) = store.entry(&f.report)? else {
            continue;
        };
        if report.entry.header.author != *city {
            continue;
        }
        let Some(Payload::ActivityReport(r)) = report.payload() else {
            continue;
        };
        let cycle = r.cycle.and_then(|id| cycles.iter().find(|c| c.id == id));
        if !store.feedback_counts(f, cycle) {
            continue;
        }
        out.push((
            r.period.clone(),
            f.signer,
            f.text.clone(),
            e.entry.header.timestamp_ms,
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_record::cycle::{CycleCommitment, IndicatorSpec};

    fn terms() -> CycleDecision {
        CycleDecision {
            network_id: Hash32::of(b"n"),
            period: "2026".into(),
            title: Default::default(),
            opens: "2027-01-01".into(),
            deadline: "2027-03-31".into(),
            commitments: vec![CycleCommitment {
                commitment: 3,
                questions: Default::default(),
                narrative_required: false,
                indicators: vec![IndicatorSpec {
                    name: "complaints received".into(),
                    unit: "complaints".into(),
                    required: true,
                }],
            }],
            reviewers: Vec::new(),
            amends: None,
            decided_ms: 0,
        }
    }

    #[test]
    fn the_form_becomes_a_report_and_its_errors_are_in_the_readers_language() {
        let cycle = Hash32::of(b"c");
        let values = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default()
            }
        };
        let report = report_from_form(
            &terms(),
            cycle,
            crate::i18n::Ui::Fr,
            values(&[
                ("status_3", "done"),
                ("ind_3_0", "41,5"),
                ("narrative_3", " Un bureau. "),
            ]),
        )
        .expect("a report");
        assert_eq!(report.cycle, Some(cycle));
        assert_eq!(report.commitments[0].indicators[0].value, 41.5);
        assert_eq!(
            report.commitments[0]
                .narrative
                .get("fr")
                .map(String::as_str),
            Some("Un bureau.")
        );
        let (field, message) = report_from_form(
            &terms(),
            cycle,
            crate::i18n::Ui::Fr,
            values(&[("status_3", "done"), ("ind_3_0", "beaucoup")]),
        )
        .expect_err("not a number");
        assert_eq!(field, "ind_3_0");
        assert_eq!(
            message,
            "« complaints received » : 'beaucoup' n'est pas un nombre"
        );
        let (field, message) = report_from_form(&terms(), cycle, crate::i18n::Ui::De, values(&[]))
            .expect_err("no status");
        assert_eq!(field, "status_3");
        assert_eq!(message, "Verpflichtung 3: Stand wählen");
    }

    /// The committee's indicator name is shown as written, even one holding a placeholder's
    /// braces: the person's value is not filled into it.
    #[test]
    fn an_indicator_name_with_braces_is_not_filled_in() {
        let mut terms = terms();
        terms.commitments[0].indicators[0].name = "cases {raw} per year".into();
        let (_, message) = report_from_form(
            &terms,
            Hash32::of(b"c"),
            crate::i18n::Ui::En,
            |name: &str| match name {
                "status_3" => "done".into(),
                "ind_3_0" => "lots".into(),
                _ => String::new(),
            },
        )
        .expect_err("not a number");
        assert!(message.contains("cases {raw} per year"), "{message}");
    }
}
