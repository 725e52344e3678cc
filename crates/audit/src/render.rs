//! Markdown and standalone HTML renderings of an audit report.

use crate::html::esc;
use crate::{AuditReport, CityAudit, SignedAuditReport};
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
fn chart(report: &AuditReport, ui: Ui) -> String {
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
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {w} {height}\" width=\"100%\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">{title}</title>",
        w = label_w + bar_w + 60.0,
        title = esc(ui.t().au_chart_title),
    );
    for (i, c) in s.per_commitment.iter().enumerate() {
        let y = 5.0 + row_h * i as f64;
        let w = bar_w * c.cities as f64 / max;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{ty}\" font-size=\"12\">{n}. {t}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"18\" fill=\"#e8e8e8\"/><rect class=\"bar\" x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"18\" fill=\"#1f5f8b\"/><text x=\"{vx}\" y=\"{ty}\" font-size=\"12\">{count}/{active}</text>",
            ty = y + 13.0,
            n = c.commitment,
            t = esc(ui.commitment(c.commitment)),
            vx = label_w + bar_w + 6.0,
            count = c.cities,
            active = s.active_cities,
        );
    }
    svg.push_str("</svg>");
    svg
}

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
    let period = esc(report.period.as_deref().unwrap_or(t.au_none));
    let title = esc(&fill(t.au_title, &[("name", &report.coalition)]));
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title><style>\
body{{font-family:system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem;color:#111}}\
table{{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}}th,td{{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top;font-size:.9rem}}\
th{{background:#f0f0f0}}.bad{{color:#a00;font-weight:bold}}.ok{{color:#060}}code{{font-size:.85em;word-break:break-all}}\
section.city{{break-inside:avoid;border-top:1px solid #ccc;margin-top:1rem}}\
@media print{{body{{max-width:none;margin:0;font-size:10pt}}a{{color:inherit;text-decoration:none}}th{{background:#fff}}h2{{break-after:avoid}}table,svg{{break-inside:avoid}}}}\
</style></head><body>\n<h1>{title}</h1>\n<ul><li>{nid_label}: <code>{nid}</code></li><li>{rv_label}: {rv}</li><li>{period_label}: {period}</li>",
        lang = ui.code(),
        nid_label = esc(t.au_network_id),
        nid = report.network_id,
        rv_label = esc(t.au_roster_version),
        rv = report.roster_version,
        period_label = esc(t.period),
    );
    if let Some(ms) = report.generated_ms {
        let _ = write!(
            h,
            "<li>{}: {}</li>",
            esc(t.au_generated),
            esc(&ui.date(&date(ms)))
        );
    }
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
            ("period", report.period.as_deref().unwrap_or(t.au_none)),
        ],
    );
    let none = |names: &[String]| {
        if names.is_empty() {
            t.au_none.to_string()
        } else {
            names.join(", ")
        }
    };
    let _ = write!(
        h,
        "<li>{}</li><li>{}: <strong id=\"compliance\">{}</strong> ({})</li><li>{}: {}</li><li>{}: <span class=\"{}\">{}</span></li><li>{}: <span class=\"{}\">{}</span></li>",
        esc(&counts),
        esc(t.au_compliance),
        esc(&compliance),
        esc(&detail),
        esc(t.au_list_filed),
        esc(&none(&s.cities_filed)),
        esc(t.au_list_missing),
        if s.cities_missing.is_empty() { "ok" } else { "bad" },
        esc(&none(&s.cities_missing)),
        esc(t.au_with_problems),
        if s.cities_with_problems.is_empty() { "ok" } else { "bad" },
        esc(&none(&s.cities_with_problems)),
    );
    for u in &s.unattributed {
        let _ = write!(
            h,
            "<li class=\"bad\">{}: {}</li>",
            esc(t.au_unattributed),
            esc(u)
        );
    }
    let _ = write!(
        h,
        "</ul>\n<h2>{}</h2>\n{}\n",
        esc(&fill(
            t.au_per_commitment,
            &[("period", report.period.as_deref().unwrap_or(t.au_none))]
        )),
        chart(report, ui)
    );
    if !s.multiple_grounds.is_empty() {
        let _ = write!(
            h,
            "<h2>{}</h2>\n<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.au_multiple),
            esc(t.city),
            esc(t.kind_practice),
            esc(t.grounds),
            esc(t.au_entry)
        );
        for m in &s.multiple_grounds {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&m.city),
                esc(&m.title),
                esc(&ground_labels(&m.grounds, ui.code())),
                m.entry.short()
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if !s.adoptions.is_empty() {
        let _ = write!(
            h,
            "<h2>{}</h2>\n<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t.exchange_heading),
            esc(t.au_from),
            esc(t.au_to),
            esc(t.kind_practice),
            esc(t.adapted),
            esc(t.au_entry)
        );
        for a in &s.adoptions {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&a.from),
                esc(&a.to),
                a.practice.short(),
                esc(if a.adapted { t.au_yes } else { t.au_no }),
                a.adoption.short()
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if let Some(cycles) = &report.cycles {
        h.push_str(&crate::cycles::render_cycles_html(cycles, ui));
    }
    if !report.erasures.is_empty() {
        h.push_str(&crate::erasures::render_erasures_html(&report.erasures, ui));
    }
    let _ = write!(
        h,
        "<h2>{}</h2>\n<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t.rc_cities),
        esc(t.city),
        esc(t.country),
        esc(t.status),
        esc(t.au_entries),
        esc(t.au_last_seq),
        esc(t.au_last_hash),
        esc(t.au_verified),
        esc(&fill(
            t.au_report_for,
            &[("period", report.period.as_deref().unwrap_or(t.au_none))]
        )),
        esc(t.last_activity),
    );
    for c in &report.cities {
        let filed = match c.filed_for_period {
            Some(true) => t.au_filed,
            Some(false) => t.rc_missing,
            None => t.au_not_applicable,
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"{}\">{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            esc(&c.name),
            esc(&c.country),
            esc(t.city_status(&c.status)),
            ui.number(c.entries),
            c.last_seq.map_or("-".into(), |s| s.to_string()),
            c.last_hash.map_or("-".into(), |x| x.short()),
            if c.verified { "ok" } else { "bad" },
            esc(if c.verified { t.au_yes } else { t.au_not_verified }),
            if c.filed_for_period == Some(false) { "bad" } else { "ok" },
            esc(filed),
            c.last_activity_ms
                .map_or("-".into(), |ms| esc(&ui.date(&date(ms)))),
        );
    }
    h.push_str("</tbody></table>\n");
    for c in &report.cities {
        let lines = findings(c, ui);
        if lines.is_empty() {
            continue;
        }
        let _ = write!(
            h,
            "<section class=\"city\"><h3>{} <code>{}</code></h3><ul>",
            esc(&c.name),
            c.key.short()
        );
        for l in lines {
            let _ = write!(h, "<li>{}</li>", esc(&l));
        }
        h.push_str("</ul></section>\n");
    }
    if let Some(signed) = signed {
        let _ = writeln!(
            h,
            "<h2>{}</h2><ul><li>{}: <code>{}</code></li><li>{}: <code>{}</code></li><li>{}: <code>{}</code></li></ul>",
            esc(t.au_signature),
            esc(t.au_signer),
            signed.signature.signer,
            esc(t.au_domain),
            esc(&signed.signature.domain),
            esc(t.au_signature),
            signed.signature.signature
        );
    }
    h.push_str("</body></html>\n");
    h
}

/// Labels of ground codes in `lang` (a code of a newer release shows as its code).
fn ground_labels(codes: &[String], lang: &str) -> String {
    codes
        .iter()
        .map(|c| coalition_record::taxonomy::ground_label(c, lang))
        .collect::<Vec<_>>()
        .join(", ")
}
