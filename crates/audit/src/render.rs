//! Markdown and standalone HTML renderings of an audit report.

use crate::html::ok_or_bad;
use crate::{AuditReport, CityAudit, SignedAuditReport};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::fmt::Write;

use coalition_i18n::{fill, Ui};
use coalition_record::calendar::date_of_ms as date;

fn rate(r: Option<f64>) -> String {
    r.map_or("n/a".into(), |r| format!("{:.0} %", r * 100.0))
}

fn filed_word(c: &CityAudit) -> &'static str {
    match c.filed_for_period {
        Some(true) => "filed",
        Some(false) => "missing",
        None => "n/a",
    }
}

/// Lines describing each finding of a city, shared by both renderings.
fn findings(c: &CityAudit, ui: Ui) -> Vec<String> {
    let t = ui.t();
    let mut out = Vec::new();
    for p in &c.problems {
        out.push(fill(
            t.au_problem,
            &[
                ("seq", &p.seq.to_string()),
                ("rule", &p.rule),
                ("detail", &p.detail),
            ],
        ));
    }
    for g in &c.gaps {
        out.push(fill(
            t.au_gap,
            &[
                ("from", &g.from_seq.to_string()),
                ("to", &g.to_seq.to_string()),
                ("source", &g.source),
                ("detail", &g.detail),
            ],
        ));
    }
    for f in &c.forks {
        out.push(fill(
            t.au_fork,
            &[
                ("seq", &f.seq.to_string()),
                ("first", &f.first.to_string()),
                ("second", &f.second.to_string()),
                (
                    "proof",
                    if f.valid {
                        t.au_proof_verified
                    } else {
                        t.au_proof_fails
                    },
                ),
            ],
        ));
    }
    for r in &c.retractions {
        let target = match r.target_seq {
            Some(seq) => format!("{} (seq {seq})", r.target),
            None => r.target.to_string(),
        };
        out.push(fill(
            t.au_retraction,
            &[
                ("seq", &r.seq.to_string()),
                ("entry", &r.entry.short()),
                ("target", &target),
                ("reason", &r.reason),
            ],
        ));
    }
    for r in &c.reports {
        let commitments: Vec<String> = r
            .commitments
            .iter()
            .map(|(c, s)| format!("{c}: {}", ui.t().report_status(s)))
            .collect();
        let entry = if r.retracted {
            format!("{}, {}", r.entry.short(), t.retracted)
        } else {
            r.entry.short()
        };
        out.push(fill(
            t.au_report_line,
            &[
                ("period", &r.period),
                ("seq", &r.seq.to_string()),
                ("entry", &entry),
                ("commitments", &commitments.join(", ")),
            ],
        ));
    }
    out
}

/// The report as Markdown in English, with a closing signature section when `signed` is given.
pub fn render_markdown(report: &AuditReport, signed: Option<&SignedAuditReport>) -> String {
    let s = &report.summary;
    let mut md = String::new();
    let period = report.period.as_deref().unwrap_or("none");
    let _ = writeln!(md, "# Audit of {}\n", report.coalition);
    let _ = writeln!(md, "- network id: `{}`", report.network_id);
    let _ = writeln!(md, "- roster version: {}", report.roster_version);
    let _ = writeln!(md, "- period: {period}");
    if let Some(t) = report.generated_ms {
        let _ = writeln!(md, "- generated: {}", date(t));
    }
    let _ = writeln!(
        md,
        "- cities: {} ({} active), entries: {}, fork proofs: {}",
        s.cities, s.active_cities, s.entries, s.fork_proofs
    );
    let _ = writeln!(
        md,
        "- compliance: {} ({} of {} active cities filed a report for {period})",
        rate(s.compliance_rate),
        s.cities_filed.len(),
        s.active_cities
    );
    let _ = writeln!(md, "- filed: {}", list(&s.cities_filed));
    let _ = writeln!(md, "- missing: {}", list(&s.cities_missing));
    let _ = writeln!(
        md,
        "- cities with problems: {}",
        list(&s.cities_with_problems)
    );
    for u in &s.unattributed {
        let _ = writeln!(md, "- unattributed: {u}");
    }
    let _ = writeln!(md, "\n## Reporting per commitment ({period})\n");
    let _ = writeln!(
        md,
        "| # | commitment | cities | which |\n| --- | --- | --- | --- |"
    );
    for c in &s.per_commitment {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            c.commitment,
            c.title,
            c.cities,
            c.city_names.join(", ")
        );
    }
    if !s.multiple_grounds.is_empty() {
        let _ = writeln!(
            md,
            "\n## Multiple discrimination: practices addressing more than one ground\n"
        );
        let _ = writeln!(
            md,
            "| city | practice | grounds | entry |\n| --- | --- | --- | --- |"
        );
        for m in &s.multiple_grounds {
            let _ = writeln!(
                md,
                "| {} | {} | {} | `{}` |",
                m.city,
                m.title,
                ground_labels(&m.grounds, "en"),
                m.entry.short()
            );
        }
    }
    if let Some(cycles) = &report.cycles {
        md.push('\n');
        md.push_str(&crate::cycles::render_cycles_markdown(cycles));
    }
    if !report.erasures.is_empty() {
        md.push('\n');
        md.push_str(&crate::erasures::render_erasures_markdown(&report.erasures));
    }
    if !s.adoptions.is_empty() {
        let _ = writeln!(md, "\n## Exchange: practices taken up between cities\n");
        let _ = writeln!(
            md,
            "| from | to | practice | adapted | entry |\n| --- | --- | --- | --- | --- |"
        );
        for a in &s.adoptions {
            let _ = writeln!(
                md,
                "| {} | {} | `{}` | {} | `{}` |",
                a.from,
                a.to,
                a.practice.short(),
                if a.adapted { "yes" } else { "no" },
                a.adoption.short()
            );
        }
    }
    let _ = writeln!(md, "\n## Cities\n");
    let _ = writeln!(
        md,
        "| city | country | status | entries | last seq | last hash | verified | report {period} | last activity |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    );
    for c in &report.cities {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            c.name,
            c.country,
            c.status,
            c.entries,
            c.last_seq.map_or("-".into(), |s| s.to_string()),
            c.last_hash
                .map_or("-".into(), |h| format!("`{}`", h.short())),
            if c.verified { "yes" } else { "NO" },
            filed_word(c),
            c.last_activity_ms.map_or("-".into(), date)
        );
    }
    for c in &report.cities {
        let lines = findings(c, Ui::En);
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(md, "\n### {} (`{}`)\n", c.name, c.key.short());
        for l in lines {
            let _ = writeln!(md, "- {l}");
        }
    }
    if let Some(signed) = signed {
        let _ = writeln!(
            md,
            "\n## Signature\n\n- signer: `{}`\n- domain: `{}`\n- signature: `{}`",
            signed.signature.signer, signed.signature.domain, signed.signature.signature
        );
    }
    md
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

/// Inline SVG: one horizontal bar per Ten-Point-Plan commitment, cities reporting on it out of
/// the active cities.
fn chart(report: &AuditReport, ui: Ui) -> Markup {
    let s = &report.summary;
    let max = s.active_cities.max(1) as f64;
    // Wide enough for the longest title in this language (about 6.3 px per character at 12 px).
    let longest = s
        .per_commitment
        .iter()
        .map(|c| {
            format!("{}. {}", c.commitment, ui.commitment(c.commitment))
                .chars()
                .count()
        })
        .max()
        .unwrap_or(0);
    let (label_w, bar_w, row_h) = ((longest as f64 * 6.3).max(430.0), 300.0, 26.0);
    let height = row_h * s.per_commitment.len() as f64 + 10.0;
    let view_box = format!("0 0 {} {height}", label_w + bar_w + 60.0);
    html! {
        svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox=(view_box) width="100%" aria-labelledby="chart-title" {
            title id="chart-title" { (ui.t().au_chart_title) }
            @for (i, c) in s.per_commitment.iter().enumerate() {
                @let y = 5.0 + row_h * i as f64;
                @let w = bar_w * c.cities as f64 / max;
                text x="0" y=(y + 13.0) font-size="12" { (c.commitment) ". " (ui.commitment(c.commitment)) }
                rect x=(label_w) y=(y) width=(bar_w) height="18" fill="#e8e8e8" {}
                rect class="bar" x=(label_w) y=(y) width=(format!("{w:.1}")) height="18" fill="#1f5f8b" {}
                text x=(label_w + bar_w + 6.0) y=(y + 13.0) font-size="12" { (c.cities) "/" (s.active_cities) }
            }
        }
    }
}

/// The page's own style: it is a standalone file, with no stylesheet to link to.
const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem;color:#111}\
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top;font-size:.9rem}\
th{background:#f0f0f0}.bad{color:#a00;font-weight:bold}.ok{color:#060}code{font-size:.85em;word-break:break-all}\
section.city{break-inside:avoid;border-top:1px solid #ccc;margin-top:1rem}\
@media print{body{max-width:none;margin:0;font-size:10pt}a{color:inherit;text-decoration:none}th{background:#fff}h2{break-after:avoid}table,svg{break-inside:avoid}}";

/// The report as a standalone HTML page in English (what `coalition audit --format html` writes).
pub fn render_html(report: &AuditReport, signed: Option<&SignedAuditReport>) -> String {
    render_html_in(report, signed, Ui::En)
}

/// The report as a standalone HTML page in an interface language: headings, labels, commitment
/// titles, grounds, dates and numbers as that language writes them. Content (city names, reasons,
/// rule names, details) stays as signed.
pub fn render_html_in(report: &AuditReport, signed: Option<&SignedAuditReport>, ui: Ui) -> String {
    let t = ui.t();
    let s = &report.summary;
    let period = report.period.as_deref().unwrap_or(t.au_none);
    let title = fill(t.au_title, &[("name", &report.coalition)]);
    let counts = fill(
        t.au_counts,
        &[
            ("cities", &ui.number(s.cities)),
            ("active", &ui.number(s.active_cities)),
            ("entries", &ui.number(s.entries)),
            ("forks", &ui.number(s.fork_proofs)),
        ],
    );
    let compliance = s
        .compliance_rate
        .map_or(t.au_not_applicable.to_string(), |r| {
            fill(t.au_percent, &[("n", &format!("{:.0}", r * 100.0))])
        });
    let detail = fill(
        t.au_compliance_detail,
        &[
            ("filed", &ui.number(s.cities_filed.len() as u64)),
            ("active", &ui.number(s.active_cities)),
            ("period", period),
        ],
    );
    let none = |names: &[String]| {
        if names.is_empty() {
            t.au_none.to_string()
        } else {
            names.join(", ")
        }
    };
    let page = html! {
        (DOCTYPE)
        html lang=(ui.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                // A constant of this file: nothing in it comes from the report.
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { (title) }
                ul {
                    li { (t.au_network_id) ": " code { (report.network_id) } }
                    li { (t.au_roster_version) ": " (report.roster_version) }
                    li { (t.period) ": " (period) }
                    @if let Some(ms) = report.generated_ms {
                        li { (t.au_generated) ": " (ui.date(&date(ms))) }
                    }
                    li { (counts) }
                    li { (t.au_compliance) ": " strong id="compliance" { (compliance) } " (" (detail) ")" }
                    li { (t.au_list_filed) ": " (none(&s.cities_filed)) }
                    li {
                        (t.au_list_missing) ": "
                        span class=(ok_or_bad(s.cities_missing.is_empty())) { (none(&s.cities_missing)) }
                    }
                    li {
                        (t.au_with_problems) ": "
                        span class=(ok_or_bad(s.cities_with_problems.is_empty())) { (none(&s.cities_with_problems)) }
                    }
                    @for u in &s.unattributed {
                        li class="bad" { (t.au_unattributed) ": " (u) }
                    }
                }
                h2 { (fill(t.au_per_commitment, &[("period", period)])) }
                (chart(report, ui))
                @if !s.multiple_grounds.is_empty() {
                    h2 { (t.au_multiple) }
                    table {
                        thead { tr { th { (t.city) } th { (t.kind_practice) } th { (t.grounds) } th { (t.au_entry) } } }
                        tbody {
                            @for m in &s.multiple_grounds {
                                tr {
                                    td { (m.city) }
                                    td { (m.title) }
                                    td { (ground_labels(&m.grounds, ui.code())) }
                                    td { code { (m.entry.short()) } }
                                }
                            }
                        }
                    }
                }
                @if !s.adoptions.is_empty() {
                    h2 { (t.exchange_heading) }
                    table {
                        thead { tr { th { (t.au_from) } th { (t.au_to) } th { (t.kind_practice) } th { (t.adapted) } th { (t.au_entry) } } }
                        tbody {
                            @for a in &s.adoptions {
                                tr {
                                    td { (a.from) }
                                    td { (a.to) }
                                    td { code { (a.practice.short()) } }
                                    td { (if a.adapted { t.au_yes } else { t.au_no }) }
                                    td { code { (a.adoption.short()) } }
                                }
                            }
                        }
                    }
                }
                @if let Some(cycles) = &report.cycles {
                    (crate::cycles::cycles_html(cycles, ui))
                }
                @if !report.erasures.is_empty() {
                    (crate::erasures::erasures_html(&report.erasures, ui))
                }
                h2 { (t.rc_cities) }
                table {
                    thead {
                        tr {
                            th { (t.city) }
                            th { (t.country) }
                            th { (t.status) }
                            th { (t.au_entries) }
                            th { (t.au_last_seq) }
                            th { (t.au_last_hash) }
                            th { (t.au_verified) }
                            th { (fill(t.au_report_for, &[("period", period)])) }
                            th { (t.last_activity) }
                        }
                    }
                    tbody {
                        @for c in &report.cities {
                            tr {
                                td { (c.name) }
                                td { (c.country) }
                                td { (t.city_status(&c.status)) }
                                td { (ui.number(c.entries)) }
                                td { (c.last_seq.map_or("-".into(), |s| s.to_string())) }
                                td { code { (c.last_hash.map_or("-".into(), |x| x.short())) } }
                                td class=(ok_or_bad(c.verified)) {
                                    (if c.verified { t.au_yes } else { t.au_not_verified })
                                }
                                td class=(ok_or_bad(c.filed_for_period != Some(false))) {
                                    (match c.filed_for_period {
                                        Some(true) => t.au_filed,
                                        Some(false) => t.rc_missing,
                                        None => t.au_not_applicable,
                                    })
                                }
                                td { (c.last_activity_ms.map_or("-".into(), |ms| ui.date(&date(ms)))) }
                            }
                        }
                    }
                }
                @for c in &report.cities {
                    @let lines = findings(c, ui);
                    @if !lines.is_empty() {
                        section class="city" {
                            h3 { (c.name) " " code { (c.key.short()) } }
                            ul {
                                @for l in &lines {
                                    li { (l) }
                                }
                            }
                        }
                    }
                }
                @if let Some(signed) = signed {
                    h2 { (t.au_signature) }
                    ul {
                        li { (t.au_signer) ": " code { (signed.signature.signer) } }
                        li { (t.au_domain) ": " code { (signed.signature.domain) } }
                        li { (t.au_signature) ": " code { (signed.signature.signature) } }
                    }
                }
            }
        }
    };
    let mut out = page.into_string();
    out.push('\n');
    out
}

/// Labels of ground codes in `lang` (a code of a newer release shows as its code).
fn ground_labels(codes: &[String], lang: &str) -> String {
    codes
        .iter()
        .map(|c| coalition_record::taxonomy::ground_label(c, lang))
        .collect::<Vec<_>>()
        .join(", ")
}
