//! Markdown and standalone HTML renderings of an audit report.

use crate::html::esc;
use crate::{AuditReport, CityAudit, SignedAuditReport};
use std::fmt::Write;

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
fn findings(c: &CityAudit) -> Vec<String> {
    let mut out = Vec::new();
    for p in &c.problems {
        out.push(format!(
            "integrity problem at seq {}: [{}] {}",
            p.seq, p.rule, p.detail
        ));
    }
    for g in &c.gaps {
        out.push(format!(
            "gap: seq {} to {} missing ({}): {}",
            g.from_seq, g.to_seq, g.source, g.detail
        ));
    }
    for f in &c.forks {
        out.push(format!(
            "fork at seq {}: entries {} and {} ({})",
            f.seq,
            f.first,
            f.second,
            if f.valid {
                "proof verified"
            } else {
                "proof does not verify"
            }
        ));
    }
    for r in &c.retractions {
        out.push(format!(
            "retraction seq {} ({}) of {}{}: {}",
            r.seq,
            r.entry.short(),
            r.target,
            r.target_seq
                .map(|s| format!(" (seq {s})"))
                .unwrap_or_default(),
            r.reason
        ));
    }
    for r in &c.reports {
        let commitments: Vec<String> = r
            .commitments
            .iter()
            .map(|(c, s)| format!("{c}: {s}"))
            .collect();
        out.push(format!(
            "report for {} at seq {} ({}){}: {}",
            r.period,
            r.seq,
            r.entry.short(),
            if r.retracted { ", retracted" } else { "" },
            commitments.join(", ")
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
                ground_labels(&m.grounds),
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
        let lines = findings(c);
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
fn chart(report: &AuditReport) -> String {
    let s = &report.summary;
    let max = s.active_cities.max(1) as f64;
    let (label_w, bar_w, row_h) = (430.0, 300.0, 26.0);
    let height = row_h * s.per_commitment.len() as f64 + 10.0;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {w} {height}\" width=\"100%\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">Cities reporting per commitment</title>",
        w = label_w + bar_w + 60.0
    );
    for (i, c) in s.per_commitment.iter().enumerate() {
        let y = 5.0 + row_h * i as f64;
        let w = bar_w * c.cities as f64 / max;
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{ty}\" font-size=\"12\">{n}. {t}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"18\" fill=\"#e8e8e8\"/><rect class=\"bar\" x=\"{label_w}\" y=\"{y}\" width=\"{w:.1}\" height=\"18\" fill=\"#1f5f8b\"/><text x=\"{vx}\" y=\"{ty}\" font-size=\"12\">{count}/{active}</text>",
            ty = y + 13.0,
            n = c.commitment,
            t = esc(&c.title),
            vx = label_w + bar_w + 6.0,
            count = c.cities,
            active = s.active_cities,
        );
    }
    svg.push_str("</svg>");
    svg
}

pub fn render_html(report: &AuditReport, signed: Option<&SignedAuditReport>) -> String {
    let s = &report.summary;
    let period = esc(report.period.as_deref().unwrap_or("none"));
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Audit of {name}</title><style>\
body{{font-family:system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem;color:#111}}\
table{{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}}th,td{{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top;font-size:.9rem}}\
th{{background:#f0f0f0}}.bad{{color:#a00;font-weight:bold}}.ok{{color:#060}}code{{font-size:.85em;word-break:break-all}}\
section.city{{break-inside:avoid;border-top:1px solid #ccc;margin-top:1rem}}\
@media print{{body{{max-width:none;margin:0;font-size:10pt}}a{{color:inherit;text-decoration:none}}th{{background:#fff}}h2{{break-after:avoid}}table,svg{{break-inside:avoid}}}}\
</style></head><body>\n<h1>Audit of {name}</h1>\n<ul><li>network id: <code>{nid}</code></li><li>roster version: {rv}</li><li>period: {period}</li>",
        name = esc(&report.coalition),
        nid = report.network_id,
        rv = report.roster_version,
    );
    if let Some(t) = report.generated_ms {
        let _ = write!(h, "<li>generated: {}</li>", date(t));
    }
    let _ = write!(
        h,
        "<li>cities: {} ({} active), entries: {}, fork proofs: {}</li><li>compliance: <strong id=\"compliance\">{}</strong> ({} of {} active cities filed a report for {period})</li><li>filed: {}</li><li>missing: <span class=\"{}\">{}</span></li><li>cities with problems: <span class=\"{}\">{}</span></li>",
        s.cities,
        s.active_cities,
        s.entries,
        s.fork_proofs,
        rate(s.compliance_rate),
        s.cities_filed.len(),
        s.active_cities,
        esc(&list(&s.cities_filed)),
        if s.cities_missing.is_empty() { "ok" } else { "bad" },
        esc(&list(&s.cities_missing)),
        if s.cities_with_problems.is_empty() { "ok" } else { "bad" },
        esc(&list(&s.cities_with_problems)),
    );
    for u in &s.unattributed {
        let _ = write!(h, "<li class=\"bad\">unattributed: {}</li>", esc(u));
    }
    let _ = write!(
        h,
        "</ul>\n<h2>Reporting per commitment ({period})</h2>\n{}\n",
        chart(report)
    );
    if !s.multiple_grounds.is_empty() {
        h.push_str("<h2>Multiple discrimination: practices addressing more than one ground</h2>\n<table><thead><tr><th>city</th><th>practice</th><th>grounds</th><th>entry</th></tr></thead><tbody>");
        for m in &s.multiple_grounds {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&m.city),
                esc(&m.title),
                esc(&ground_labels(&m.grounds)),
                m.entry.short()
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if !s.adoptions.is_empty() {
        h.push_str("<h2>Exchange: practices taken up between cities</h2>\n<table><thead><tr><th>from</th><th>to</th><th>practice</th><th>adapted</th><th>entry</th></tr></thead><tbody>");
        for a in &s.adoptions {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&a.from),
                esc(&a.to),
                a.practice.short(),
                if a.adapted { "yes" } else { "no" },
                a.adoption.short()
            );
        }
        h.push_str("</tbody></table>\n");
    }
    if let Some(cycles) = &report.cycles {
        h.push_str(&crate::cycles::render_cycles_html(cycles));
    }
    if !report.erasures.is_empty() {
        h.push_str(&crate::erasures::render_erasures_html(&report.erasures));
    }
    let _ = write!(
        h,
        "<h2>Cities</h2>\n<table><thead><tr><th>city</th><th>country</th><th>status</th><th>entries</th><th>last seq</th><th>last hash</th><th>verified</th><th>report {period}</th><th>last activity</th></tr></thead><tbody>"
    );
    for c in &report.cities {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td class=\"{}\">{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            esc(&c.name),
            esc(&c.country),
            esc(&c.status),
            c.entries,
            c.last_seq.map_or("-".into(), |s| s.to_string()),
            c.last_hash.map_or("-".into(), |x| x.short()),
            if c.verified { "ok" } else { "bad" },
            if c.verified { "yes" } else { "NO" },
            if c.filed_for_period == Some(false) { "bad" } else { "ok" },
            filed_word(c),
            c.last_activity_ms.map_or("-".into(), date),
        );
    }
    h.push_str("</tbody></table>\n");
    for c in &report.cities {
        let lines = findings(c);
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
            "<h2>Signature</h2><ul><li>signer: <code>{}</code></li><li>domain: <code>{}</code></li><li>signature: <code>{}</code></li></ul>",
            signed.signature.signer,
            esc(&signed.signature.domain),
            signed.signature.signature
        );
    }
    h.push_str("</body></html>\n");
    h
}

/// English labels of ground codes (a code of a newer release shows as its code).
fn ground_labels(codes: &[String]) -> String {
    codes
        .iter()
        .map(|c| coalition_record::taxonomy::ground_label(c, "en"))
        .collect::<Vec<_>>()
        .join(", ")
}
