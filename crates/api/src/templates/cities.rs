//! The member cities: the list, and a city page with what it published over time.

use super::practice::{copyable, paragraphs, pick_text};
use super::*;

/// The list of member cities.
pub fn cities_page(ctx: &PageCtx, cities: &[CityView]) -> String {
    let t = ctx.t();
    let mut body = format!(
        "<h1>{}</h1><div class=\"scroll\" role=\"region\" aria-labelledby=\"cities-caption\" tabindex=\"0\"><table><caption id=\"cities-caption\">{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(t.cities_heading),
        esc(t.cities_heading),
        esc(t.city),
        esc(t.country),
        esc(t.status),
        esc(t.practices),
        esc(t.reports),
        esc(t.last_activity),
    );
    for c in cities {
        let _ = write!(
            body,
            "<tr><th scope=\"row\"><a href=\"{}\">{}</a></th><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&ctx.link(&format!("/city/{}", c.key), &[])),
            esc(&c.name),
            esc(&c.country),
            esc(t.city_status(c.status)),
            c.practices,
            c.reports,
            c.last_activity_ms.map(date_of_ms).unwrap_or_else(|| "–".into()),
        );
    }
    body.push_str("</tbody></table></div>");
    layout(ctx, t.cities_heading, &body)
}

fn report_html(ctx: &PageCtx, r: &ReportItem) -> String {
    let t = ctx.t();
    let ui = ctx.ui;
    let mut out = format!(
        "<article class=\"report\" id=\"entry-{id}\" aria-labelledby=\"entry-{id}-h\"><h3 id=\"entry-{id}-h\">{} {}</h3><p class=\"meta\">{} {} · {} <code>{}</code></p>",
        esc(t.report_for),
        esc(&r.period),
        esc(t.published),
        when(ui, &date_of_ms(r.timestamp_ms)),
        esc(t.entry_id),
        esc(&r.id.short()),
        id = r.id,
    );
    if let Some((tag, text)) = pick_text(&r.report.narrative, ui.code()) {
        let _ = write!(
            out,
            "<div lang=\"{}\" dir=\"auto\">{}</div>",
            esc(&tag),
            paragraphs(&text)
        );
    }
    let _ = write!(
        out,
        "<div class=\"scroll\" role=\"region\" aria-label=\"{} {}\" tabindex=\"0\"><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        esc(t.report_for),
        esc(&r.period),
        esc(t.commitment),
        esc(t.status),
        esc(t.narrative),
        esc(t.indicators),
    );
    for c in &r.report.commitments {
        let narrative = pick_text(&c.narrative, ui.code())
            .map(|(tag, text)| format!("<span lang=\"{}\">{}</span>", esc(&tag), esc(&text)))
            .unwrap_or_default();
        let indicators: Vec<String> = c
            .indicators
            .iter()
            .map(|i| format!("{}: {} {}", esc(&i.name), i.value, esc(&i.unit)))
            .collect();
        let _ = write!(
            out,
            "<tr><th scope=\"row\"><span class=\"cnum\" aria-hidden=\"true\">{}</span> {}</th><td><span class=\"status s-{}\">{}</span></td><td>{narrative}</td><td>{}</td></tr>",
            c.commitment,
            esc(ui.commitment(c.commitment)),
            c.status.as_str(),
            esc(t.report_status(c.status.as_str())),
            indicators.join("<br>"),
        );
    }
    out.push_str("</tbody></table></div></article>");
    out
}

/// A city page: the city, what it published over time.
pub fn city_page(ctx: &PageCtx, d: &CityDetail) -> String {
    let t = ctx.t();
    let ui = ctx.ui;
    let c = &d.city;
    let mut body = format!(
        "<h1>{} <span class=\"country\">({})</span></h1><dl class=\"facts\"><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div><div><dt>{}</dt><dd>{}</dd></div></dl>",
        esc(&c.name),
        esc(&c.country),
        esc(t.status),
        esc(t.city_status(c.status)),
        esc(t.key),
        copyable(&c.key.to_hex()),
        esc(t.entries),
        ctx.ui.number(c.entries),
        esc(t.last_activity),
        c.last_activity_ms.map(date_of_ms).unwrap_or_else(|| "–".into()),
    );
    // Commitments served, as a compact list.
    let served: Vec<String> = c
        .commitments
        .iter()
        .filter(|cc| cc.count > 0)
        .map(|cc| {
            format!(
                "<li><span class=\"cnum\" aria-hidden=\"true\">{}</span> {} <span class=\"count\">({})</span></li>",
                cc.commitment,
                esc(ui.commitment(cc.commitment)),
                cc.count
            )
        })
        .collect();
    if !served.is_empty() {
        let _ = write!(
            body,
            "<section aria-labelledby=\"served-h\"><h2 id=\"served-h\">{}</h2><ul class=\"commitments\">{}</ul></section>",
            esc(t.commitments),
            served.join("")
        );
    }
    let _ = write!(
        body,
        "<section aria-labelledby=\"practices-h\"><h2 id=\"practices-h\">{} ({})</h2>",
        esc(t.practices),
        d.practices.len()
    );
    if d.practices.is_empty() {
        let _ = write!(body, "<p>{}</p>", esc(t.no_practices));
    } else {
        body.push_str("<ol class=\"timeline\">");
        for p in &d.practices {
            let period = match &p.period_end {
                Some(end) => format!("{} – {}", when(ctx.ui, &p.period_start), when(ctx.ui, end)),
                None => format!("{} –", when(ctx.ui, &p.period_start)),
            };
            let _ = write!(
                body,
                "<li><span class=\"when\">{}</span> <a href=\"{}\">{}</a>{}</li>",
                esc(&period),
                esc(&ctx.link(&format!("/practice/{}", p.id), &[])),
                esc(&p.title),
                commitment_badges(ui, &p.commitments)
            );
        }
        body.push_str("</ol>");
    }
    body.push_str("</section>");
    let _ = write!(
        body,
        "<section aria-labelledby=\"reports-h\"><h2 id=\"reports-h\">{} ({})</h2>",
        esc(t.reports),
        d.reports.len()
    );
    if d.reports.is_empty() {
        let _ = write!(body, "<p>{}</p>", esc(t.no_reports));
    }
    for r in &d.reports {
        body.push_str(&report_html(ctx, r));
    }
    body.push_str("</section>");
    if !d.updates.is_empty() {
        let _ = write!(
            body,
            "<section aria-labelledby=\"updates-h\"><h2 id=\"updates-h\">{}</h2><ol class=\"timeline\">",
            esc(t.updates)
        );
        for u in &d.updates {
            let _ = write!(
                body,
                "<li id=\"entry-{}\"><span class=\"when\">{}</span> {}</li>",
                u.id,
                when(ctx.ui, &u.date),
                esc(&u.title)
            );
        }
        body.push_str("</ol></section>");
    }
    if !d.open_questions.is_empty() {
        let _ = write!(
            body,
            "<section id=\"open-questions\"><h2>{} · {}</h2><ul>",
            esc(t.questions_heading),
            esc(t.not_answered)
        );
        for q in &d.open_questions {
            let text = pick_text(&q.text, ctx.ui.code()).map_or_else(String::new, |(_, t)| t);
            let _ = write!(
                body,
                "<li><a href=\"{}#entry-{}\">{}</a> · {}: {}</li>",
                esc(&ctx.link(&format!("/practice/{}", q.practice), &[])),
                q.id,
                esc(if q.practice_title.is_empty() {
                    "…"
                } else {
                    &q.practice_title
                }),
                esc(&q.city),
                esc(&text)
            );
        }
        body.push_str("</ul></section>");
    }
    for (heading, links, other_side) in [
        (t.took_up, &d.took_up, true),
        (t.others_took_up, &d.taken_up_by_others, false),
    ] {
        if links.is_empty() {
            continue;
        }
        let _ = write!(
            body,
            "<section class=\"exchange\"><h2>{}</h2><ul>",
            esc(heading)
        );
        for a in links.iter() {
            let city = if other_side { &a.from } else { &a.to };
            let _ = write!(
                body,
                "<li><a href=\"{}\">{}</a> · {} ({})</li>",
                esc(&ctx.link(&format!("/practice/{}", a.practice), &[])),
                esc(if a.practice_title.is_empty() {
                    "…"
                } else {
                    &a.practice_title
                }),
                esc(city),
                esc(if a.adapted { t.adapted } else { t.as_is })
            );
        }
        body.push_str("</ul></section>");
    }
    if !d.partner_types.is_empty() {
        let items: Vec<String> = d
            .partner_types
            .iter()
            .map(|(code, n)| {
                let label = coalition_record::taxonomy::partner_type(code)
                    .map_or(code.as_str(), |k| k.label(ctx.ui.code()));
                format!("{} {}", esc(label), ctx.ui.number(*n))
            })
            .collect();
        let _ = write!(
            body,
            "<p class=\"partner-types\" id=\"partner-types\"><strong>{}:</strong> {}</p>",
            esc(t.partner_types),
            items.join(" · ")
        );
    }
    if d.newer_entries > 0 {
        let _ = write!(
            body,
            "<p class=\"notice\" id=\"newer-entries\">{}: {}</p>",
            esc(t.newer_entries),
            ctx.ui.number(d.newer_entries)
        );
    }
    layout(ctx, &c.name, &body)
}
