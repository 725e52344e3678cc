//! Reporting cycles in the audit (issue #18): per cycle, which cities filed on time, late or not
//! at all (with amended deadlines), the feedback given, and every indicator value across cities
//! and periods, as JSON and CSV with the same rows, and as inline SVG charts.

use crate::html::{fill_markup, ok_or_bad};
use crate::AuditError;
use coalition_i18n::{fill, Ui};
use coalition_record::calendar::date_of_ms;
use coalition_record::cycle::{timeliness, Cycle, Timeliness};
use coalition_record::{CityStatus, EntryId, Hash32, Payload, PayloadKind, PublicKey};
use coalition_store::{Query, Store};
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// One city's standing in one cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CycleCity {
    /// The city's roster name.
    pub city: String,
    /// Its roster country.
    pub country: String,
    /// Its key.
    pub key: PublicKey,
    /// `on_time`, `late`, `missing` or `due`.
    pub state: String,
    /// The signed time of the city's first report for the cycle (the city's own clock).
    pub filed_ms: Option<i64>,
    /// Days started since the deadline day ended (at least 1); None unless `state` is `late`.
    pub days_late: Option<i64>,
    /// Days until the deadline day ends (at least 1); None unless `state` is `due`.
    pub days_left: Option<i64>,
    /// The city's first report for the cycle; None when it has filed none.
    pub report: Option<EntryId>,
    /// Feedback entries on the report by the committee or the cycle's reviewers.
    pub feedback: u64,
    /// When the city's latest report for the cycle does not answer the questionnaire in force
    /// (a node that skipped the publish check, or terms amended later): the rule it breaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_answering: Option<String>,
}

/// One cycle: its terms in force and every expected city.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleAudit {
    /// The id of the decision that opened the cycle (reports name it).
    pub id: Hash32,
    /// The period reported on: `YYYY`, `YYYY-H1` or `YYYY-H2`.
    pub period: String,
    /// The cycle's title in English.
    pub title: String,
    /// First day reports are accepted (`YYYY-MM-DD`, UTC), as the terms in force say.
    pub opens: String,
    /// Last day a report is on time (`YYYY-MM-DD`, inclusive, UTC), as the terms in force say.
    pub deadline: String,
    /// The deadline of the opening decision, when an amendment moved it.
    pub original_deadline: Option<String>,
    /// Numbers of the commitments in scope, in the terms' order.
    pub commitments: Vec<u8>,
    /// Active cities whose first report came on time.
    pub on_time: u64,
    /// Active cities whose first report came late.
    pub late: u64,
    /// Active cities with no report, the deadline passed.
    pub missing: u64,
    /// Active cities with no report yet, the deadline not passed.
    pub due: u64,
    /// Every active city of the roster, by name.
    pub cities: Vec<CycleCity>,
}

/// One indicator value of one city's report: a row of the indicators export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorRow {
    /// The cycle's period: `YYYY`, `YYYY-H1` or `YYYY-H2`.
    pub period: String,
    /// The commitment number the indicator reports on.
    pub commitment: u8,
    /// The indicator's name, as the report gives it.
    pub indicator: String,
    /// Its unit, as the report gives it.
    pub unit: String,
    /// The city's roster name (the report's own when the roster does not hold the city).
    pub city: String,
    /// The city's roster country (the report's own when the roster does not hold the city).
    pub country: String,
    /// The value reported.
    pub value: f64,
    /// The city's latest report for the cycle, which the value comes from.
    pub report: EntryId,
}

/// The reporting cycles part of the audit: what [`audit_cycles`] returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CyclesAudit {
    /// Every reporting cycle in the store.
    pub cycles: Vec<CycleAudit>,
    /// Indicator values of reports filed for a cycle, by period, commitment, indicator, city.
    pub indicators: Vec<IndicatorRow>,
}

fn english(text: &coalition_record::LangText) -> String {
    text.get("en")
        .or_else(|| text.values().next())
        .cloned()
        .unwrap_or_default()
}

/// Audits the reporting cycles this node holds at `now_ms`. Cities expected to report are the
/// active members of the roster (a city suspended or revoked is not asked).
pub fn audit_cycles(store: &Store, now_ms: i64) -> Result<CyclesAudit, AuditError> {
    let roster = store.roster();
    let cycles = store.cycles()?;
    let reports = store.query(&Query {
        kinds: Some(vec![PayloadKind::ActivityReport.code()]),
        include_inactive: true,
        ..Query::default()
    })?;
    let feedback = store.query(&Query {
        kinds: Some(vec![PayloadKind::ReportFeedback.code()]),
        ..Query::default()
    })?;
    // (cycle, city) → the first report not retracted, by signed time.
    let mut first: BTreeMap<(Hash32, PublicKey), (i64, EntryId)> = BTreeMap::new();
    let mut report_cycle: BTreeMap<EntryId, Hash32> = BTreeMap::new();
    let mut rows = Vec::new();
    let mut latest_of: BTreeMap<(Hash32, PublicKey), (i64, EntryId)> = BTreeMap::new();
    for e in &reports {
        let Some(Payload::ActivityReport(r)) = e.payload() else {
            continue;
        };
        let Some(cycle) = r.cycle else { continue };
        if e.status.retracted_by.is_some() {
            continue;
        }
        let h = &e.entry.header;
        let key = (cycle, h.author);
        let at = (h.timestamp_ms, e.id());
        report_cycle.insert(e.id(), cycle);
        first
            .entry(key)
            .and_modify(|v| *v = (*v).min(at))
            .or_insert(at);
        latest_of
            .entry(key)
            .and_modify(|v| *v = (*v).max(at))
            .or_insert(at);
    }
    let by_id: BTreeMap<EntryId, &coalition_store::StoredEntry> =
        reports.iter().map(|e| (e.id(), e)).collect();
    let cycle_by_id: BTreeMap<Hash32, &Cycle> = cycles.iter().map(|c| (c.id, c)).collect();
    // Indicators from the city's latest report for the cycle (a correction replaces the values).
    for ((cycle, author), (_, id)) in &latest_of {
        let (Some(c), Some(e)) = (cycle_by_id.get(cycle), by_id.get(id)) else {
            continue;
        };
        let Some(Payload::ActivityReport(r)) = e.payload() else {
            continue;
        };
        let member = roster.cities.get(author);
        for item in &r.commitments {
            for ind in &item.indicators {
                rows.push(IndicatorRow {
                    period: c.terms.period.clone(),
                    commitment: item.commitment,
                    indicator: ind.name.clone(),
                    unit: ind.unit.clone(),
                    city: member.map_or_else(|| r.city.clone(), |m| m.name.clone()),
                    country: member.map_or_else(|| r.country.clone(), |m| m.country.clone()),
                    value: ind.value,
                    report: *id,
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        (a.commitment, &a.indicator, &a.period, &a.city).cmp(&(
            b.commitment,
            &b.indicator,
            &b.period,
            &b.city,
        ))
    });
    let mut feedback_on: BTreeMap<EntryId, u64> = BTreeMap::new();
    for f in &feedback {
        let Some(Payload::ReportFeedback(f)) = f.payload() else {
            continue;
        };
        let cycle = report_cycle
            .get(&f.report)
            .and_then(|c| cycle_by_id.get(c).copied());
        if store.feedback_counts(f, cycle) {
            *feedback_on.entry(f.report).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for c in &cycles {
        let mut cities = Vec::new();
        let (mut on_time, mut late, mut missing, mut due) = (0, 0, 0, 0);
        for member in roster.cities.values() {
            if member.status != CityStatus::Active {
                continue;
            }
            let filed = first.get(&(c.id, member.key)).copied();
            let t = timeliness(&c.terms, filed.map(|(ms, _)| ms), now_ms);
            let (days_late, days_left) = match t {
                Timeliness::OnTime { .. } => {
                    on_time += 1;
                    (None, None)
                }
                Timeliness::Late { days_late, .. } => {
                    late += 1;
                    (Some(days_late), None)
                }
                Timeliness::Missing => {
                    missing += 1;
                    (None, None)
                }
                Timeliness::Due { days_left } => {
                    due += 1;
                    (None, Some(days_left))
                }
            };
            let report = filed.map(|(_, id)| id);
            let latest = latest_of.get(&(c.id, member.key)).map(|(_, id)| *id);
            let not_answering = latest
                .and_then(|id| by_id.get(&id))
                .and_then(|e| match e.payload() {
                    Some(Payload::ActivityReport(r)) => {
                        coalition_record::check_report(&c.terms, r).err()
                    }
                    _ => None,
                })
                .map(|e| e.to_string());
            cities.push(CycleCity {
                city: member.name.clone(),
                country: member.country.clone(),
                key: member.key,
                state: t.label().into(),
                filed_ms: filed.map(|(ms, _)| ms),
                days_late,
                days_left,
                report,
                feedback: latest_of
                    .get(&(c.id, member.key))
                    .map(|(_, id)| *id)
                    .into_iter()
                    .chain(report)
                    .collect::<BTreeSet<_>>()
                    .iter()
                    .map(|id| feedback_on.get(id).copied().unwrap_or(0))
                    .sum(),
                not_answering,
            });
        }
        cities.sort_by(|a, b| a.city.cmp(&b.city));
        let original = store
            .entry(&c.entries[0])?
            .and_then(|e| match e.payload() {
                Some(Payload::ReportingCycle(d)) => Some(d.decision.deadline.clone()),
                _ => None,
            })
            .filter(|d| *d != c.terms.deadline);
        out.push(CycleAudit {
            id: c.id,
            period: c.terms.period.clone(),
            title: english(&c.terms.title),
            opens: c.terms.opens.clone(),
            deadline: c.terms.deadline.clone(),
            original_deadline: original,
            commitments: c.terms.commitments.iter().map(|x| x.commitment).collect(),
            on_time,
            late,
            missing,
            due,
            cities,
        });
    }
    Ok(CyclesAudit {
        cycles: out,
        indicators: rows,
    })
}

/// The CSV header of [`indicators_csv`].
pub const INDICATORS_CSV_HEADER: &str =
    "period,commitment,indicator,unit,city,country,value,report";
/// The CSV header of [`timeliness_csv`].
pub const TIMELINESS_CSV_HEADER: &str =
    "cycle,period,deadline,city,country,state,filed,days_late,days_left,report,feedback";

/// RFC 4180 quoting where needed.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The indicator rows as CSV: the same rows and values as the JSON `indicators`.
pub fn indicators_csv(audit: &CyclesAudit) -> String {
    let mut out = format!("{INDICATORS_CSV_HEADER}\n");
    for r in &audit.indicators {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            field(&r.period),
            r.commitment,
            field(&r.indicator),
            field(&r.unit),
            field(&r.city),
            field(&r.country),
            r.value,
            r.report
        );
    }
    out
}

/// One row per cycle and city: the same facts as the JSON `cycles[].cities`.
pub fn timeliness_csv(audit: &CyclesAudit) -> String {
    let mut out = format!("{TIMELINESS_CSV_HEADER}\n");
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    for c in &audit.cycles {
        for city in &c.cities {
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                c.id,
                field(&c.period),
                c.deadline,
                field(&city.city),
                field(&city.country),
                city.state,
                city.filed_ms.map(date_of_ms).unwrap_or_default(),
                opt(city.days_late),
                opt(city.days_left),
                city.report.map(|r| r.to_string()).unwrap_or_default(),
                city.feedback
            );
        }
    }
    out
}

const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];

/// One line chart per (commitment, indicator): the value per period, one line per city. Inline
/// SVG with a title, axis labels and a legend, readable in print.
pub fn indicator_charts(audit: &CyclesAudit, ui: Ui) -> String {
    charts(audit, ui).into_string()
}

fn charts(audit: &CyclesAudit, ui: Ui) -> Markup {
    let mut groups: BTreeMap<(u8, &str, &str), Vec<&IndicatorRow>> = BTreeMap::new();
    for r in &audit.indicators {
        groups
            .entry((r.commitment, r.indicator.as_str(), r.unit.as_str()))
            .or_default()
            .push(r);
    }
    html! {
        @for ((commitment, indicator, unit), rows) in groups {
            (chart(commitment, indicator, unit, &rows, ui))
        }
    }
}

/// One indicator's chart.
fn chart(commitment: u8, indicator: &str, unit: &str, rows: &[&IndicatorRow], ui: Ui) -> Markup {
    let periods: Vec<&str> = rows
        .iter()
        .map(|r| r.period.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let cities: Vec<&str> = rows
        .iter()
        .map(|r| r.city.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let max = rows.iter().map(|r| r.value).fold(0.0_f64, f64::max);
    let top = nice_ceiling(max);
    let (w, h, left, right, top_pad, bottom) = (640.0, 260.0, 60.0, 170.0, 30.0, 40.0);
    let plot_w = w - left - right;
    let plot_h = h - top_pad - bottom;
    let x = |i: usize| {
        if periods.len() == 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (periods.len() - 1) as f64
        }
    };
    let y = |v: f64| top_pad + plot_h * (1.0 - v / top);
    let one = |v: f64| format!("{v:.1}");
    let unit_text = if unit.is_empty() {
        String::new()
    } else {
        format!(" ({unit})")
    };
    let caption = fill(
        ui.t().au_indicator_caption,
        &[
            ("n", &commitment.to_string()),
            ("title", ui.commitment(commitment)),
            ("indicator", indicator),
            ("unit", &unit_text),
        ],
    );
    let title_id = format!("chart-{commitment}-{}", indicator.replace(' ', "-"));
    html! {
        figure class="indicator-chart" {
            svg role="img" viewBox=(format!("0 0 {w} {h}")) width=(w) height=(h) xmlns="http://www.w3.org/2000/svg" aria-labelledby=(title_id) {
                title id=(title_id) { (caption) }
                // Axes and three horizontal grid lines with their values.
                line x1=(left) y1=(top_pad + plot_h) x2=(left + plot_w) y2=(top_pad + plot_h) stroke="#333" {}
                line x1=(left) y1=(top_pad) x2=(left) y2=(top_pad + plot_h) stroke="#333" {}
                @for k in 0..=2 {
                    @let v = top * f64::from(k) / 2.0;
                    line x1=(left) y1=(one(y(v))) x2=(left + plot_w) y2=(one(y(v))) stroke="#ddd" {}
                    text x=(left - 6.0) y=(one(y(v) + 4.0)) font-size="11" text-anchor="end" { (trim_number(v)) }
                }
                @for (i, p) in periods.iter().enumerate() {
                    text x=(one(x(i))) y=(top_pad + plot_h + 16.0) font-size="11" text-anchor="middle" { (p) }
                }
                @for (n, city) in cities.iter().enumerate() {
                    @let color = PALETTE[n % PALETTE.len()];
                    @let points: Vec<(f64, f64, f64)> = periods
                        .iter()
                        .enumerate()
                        .filter_map(|(i, p)| {
                            rows.iter()
                                .find(|r| r.city == *city && r.period == *p)
                                .map(|r| (x(i), y(r.value), r.value))
                        })
                        .collect();
                    @if points.len() > 1 {
                        @let path: Vec<String> = points
                            .iter()
                            .map(|(px, py, _)| format!("{px:.1},{py:.1}"))
                            .collect();
                        polyline fill="none" stroke=(color) stroke-width="2" points=(path.join(" ")) {}
                    }
                    @for (px, py, v) in &points {
                        circle cx=(one(*px)) cy=(one(*py)) r="3.5" fill=(color) {
                            title { (city) ": " (trim_number(*v)) }
                        }
                    }
                    @let ly = top_pad + 14.0 * n as f64;
                    rect x=(left + plot_w + 12.0) y=(one(ly)) width="10" height="10" fill=(color) {}
                    text x=(left + plot_w + 26.0) y=(one(ly + 9.0)) font-size="11" { (city) }
                }
            }
            figcaption { (caption) }
        }
    }
}

/// The smallest 1, 2, 2.5 or 5 × 10^k at or above `max`: round numbers on the axis.
fn nice_ceiling(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * magnitude)
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// The cycles as HTML in an interface language: a table per cycle (who filed on time, late, not
/// at all), then the charts.
pub fn render_cycles_html(audit: &CyclesAudit, ui: Ui) -> String {
    cycles_html(audit, ui).into_string()
}

pub(crate) fn cycles_html(audit: &CyclesAudit, ui: Ui) -> Markup {
    let t = ui.t();
    if audit.cycles.is_empty() {
        return html! {};
    }
    let count = |n: u64, word: &str| format!("{} {word}", ui.number(n));
    html! {
        h2 id="cycles" { (t.rc_heading) }
        @for c in &audit.cycles {
            @let commitments = c
                .commitments
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            section class="cycle" data-cycle=(c.id) {
                h3 { (c.period) ": " (c.title) }
                p {
                    (fill_markup(t.rc_opens, &[
                        ("o", html! { (ui.date(&c.opens)) }),
                        ("d", html! { strong { (ui.date(&c.deadline)) } }),
                    ]))
                    @if let Some(d) = &c.original_deadline {
                        " (" (fill(t.rc_extended_from, &[("d", &ui.date(d))])) ")"
                    }
                    ". " (fill(t.au_commitments_list, &[("list", &commitments)])) ". "
                    span class="ok" { (count(c.on_time, t.rc_on_time)) } ", "
                    span class=(ok_or_bad(c.late == 0)) { (count(c.late, t.rc_late)) } ", "
                    span class=(ok_or_bad(c.missing == 0)) { (count(c.missing, t.rc_missing)) } ", "
                    (count(c.due, t.rc_due)) ". "
                    (fill_markup(t.au_cycle_id, &[("id", html! { code { (c.id.short()) } })]))
                }
                table {
                    thead {
                        tr {
                            th { (t.city) }
                            th { (t.country) }
                            th { (t.status) }
                            th { (t.au_filed_on) }
                            th { (t.au_feedback) }
                        }
                    }
                    tbody {
                        @for city in &c.cities {
                            tr data-city=(city.city) data-state=(city.state) {
                                td { (city.city) }
                                td { (city.country) }
                                td class=(ok_or_bad(!matches!(city.state.as_str(), "late" | "missing"))) {
                                    (state_words(city, ui))
                                    @if let Some(rule) = &city.not_answering {
                                        " " span class="bad" { (fill(t.au_not_answering, &[("reason", rule)])) }
                                    }
                                }
                                td { (city.filed_ms.map_or("-".into(), |ms| ui.date(&date_of_ms(ms)))) }
                                td { (ui.number(city.feedback)) }
                            }
                        }
                    }
                }
            }
        }
        @if !audit.indicators.is_empty() {
            h2 id="indicators" { (t.au_indicators) }
            p {
                (t.rc_numbers) " "
                a href="/api/v1/cycles/indicators.csv" { "CSV" } ", "
                a href="/api/v1/cycles/indicators" { "JSON" } "."
            }
            (charts(audit, ui))
        }
    }
}

/// Where a city stands in a cycle, in words: on time, late by so many days, due in so many.
fn state_words(city: &CycleCity, ui: Ui) -> String {
    let t = ui.t();
    match (city.state.as_str(), city.days_late, city.days_left) {
        ("late", Some(1), _) => t.rc_late_by_one.to_string(),
        ("late", Some(d), _) => fill(t.rc_late_by, &[("n", &d.to_string())]),
        ("due", _, Some(1)) => t.rc_due_in_one.to_string(),
        ("due", _, Some(d)) => fill(t.rc_due_in, &[("n", &d.to_string())]),
        ("on_time", _, _) => t.rc_on_time.to_string(),
        ("late", None, _) => t.rc_late.to_string(),
        ("missing", _, _) => t.rc_missing.to_string(),
        ("due", _, None) => t.rc_due.to_string(),
        (other, _, _) => other.to_string(),
    }
}

/// The cycles as Markdown (tables; the charts are in the HTML).
pub fn render_cycles_markdown(audit: &CyclesAudit) -> String {
    let mut m = String::new();
    if audit.cycles.is_empty() {
        return m;
    }
    m.push_str("## Reporting cycles\n\n");
    for c in &audit.cycles {
        let _ = writeln!(
            m,
            "### {}: {}\n\nOpens {}, deadline {}{}; {} on time, {} late, {} missing, {} due.\n\n| city | country | state | filed | feedback |\n|---|---|---|---|---|",
            c.period,
            c.title,
            c.opens,
            c.deadline,
            c.original_deadline
                .as_ref()
                .map(|d| format!(" (extended from {d})"))
                .unwrap_or_default(),
            c.on_time,
            c.late,
            c.missing,
            c.due
        );
        for city in &c.cities {
            let _ = writeln!(
                m,
                "| {} | {} | {}{} | {} | {} |",
                city.city,
                city.country,
                city.state,
                city.days_late
                    .map(|d| format!(" ({d} days)"))
                    .unwrap_or_default(),
                city.filed_ms.map(date_of_ms).unwrap_or_else(|| "-".into()),
                city.feedback
            );
        }
        m.push('\n');
    }
    m
}

#[cfg(test)]
mod tests {
    use super::nice_ceiling;

    #[test]
    fn axis_tops_are_round_and_cover_the_maximum() {
        for (max, top) in [
            (41.0, 50.0),
            (100.0, 100.0),
            (101.0, 200.0),
            (0.3, 0.5),
            (0.0, 1.0),
            (7.5, 10.0),
            (2400.0, 2500.0),
        ] {
            assert_eq!(nice_ceiling(max), top, "{max}");
        }
    }
}
