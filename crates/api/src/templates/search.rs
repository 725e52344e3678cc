//! The search page: the search box, facet filters, a page of results and pagination.

use super::*;

/// The search page: the search box, facet filters and a page of results.
pub fn search_page(
    ctx: &PageCtx,
    q: &SearchQuery,
    results: Option<&SearchResults>,
    error: Option<&str>,
) -> String {
    let t = ctx.t();
    let ui = ctx.ui;
    let mut body = String::new();
    let _ = write!(body, "<h1>{}</h1>", esc(t.search_heading));
    if let Some(e) = error {
        let _ = write!(
            body,
            "<p class=\"notice error\" role=\"alert\">{}</p>",
            esc(e)
        );
    }
    let ui_field = if ui == Ui::En {
        String::new()
    } else {
        format!(
            "<input type=\"hidden\" name=\"ui\" value=\"{}\">",
            ui.code()
        )
    };
    let _ = write!(
        body,
        r#"<form class="search" method="get" action="/" role="search">{ui_field}
<div class="searchbox"><label for="q">{label}</label>
<div class="row"><input type="search" id="q" name="q" value="{value}" placeholder="{placeholder}" autocomplete="off"><button type="submit">{button}</button></div></div>
<div class="columns">
<aside class="filters" aria-labelledby="filters-h"><details class="filters-box" open data-active="{active}"><summary><h2 id="filters-h">{filters}</h2></summary>"#,
        label = esc(t.search_label),
        value = esc(q.text.as_deref().unwrap_or_default()),
        placeholder = esc(t.search_placeholder),
        button = esc(t.search_button),
        filters = esc(t.filters),
        active = q.commitments.len()
            + q.country.len()
            + q.city.len()
            + q.language.len()
            + q.year.len()
            + q.started.len(),
    );
    let facets = results.map(|r| &r.facets);
    let _ = write!(
        body,
        "<fieldset class=\"commitment-filter\"><legend>{}</legend>",
        esc(t.commitments)
    );
    for c in 1..=10u8 {
        let count = facets
            .and_then(|f| f.commitment.iter().find(|(v, _)| *v == c))
            .map_or(0, |(_, n)| *n);
        let checked = if q.commitments.contains(&c) {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<div class=\"check\"><input type=\"checkbox\" id=\"c{c}\" name=\"commitment\" value=\"{c}\"{checked}><label for=\"c{c}\"><span class=\"cnum\" aria-hidden=\"true\">{c}</span> {title} <span class=\"count\">({count})</span></label></div>",
            title = esc(ui.commitment(c)),
        );
    }
    body.push_str("</fieldset>");
    let empty = Vec::new();
    body.push_str(&select(
        "f-country",
        "country",
        t.country,
        t.any,
        &counted(facets.map_or(&empty, |f| &f.country), |v| v.clone()),
        q.country.first().map(String::as_str),
    ));
    body.push_str(&select(
        "f-city",
        "city",
        t.city,
        t.any,
        &counted(facets.map_or(&empty, |f| &f.city), |v| v.clone()),
        q.city.first().map(String::as_str),
    ));
    body.push_str(&select(
        "f-language",
        "language",
        t.language,
        t.any,
        &counted(facets.map_or(&empty, |f| &f.language), |v| language_name(v)),
        q.language.first().map(String::as_str),
    ));
    body.push_str(&select(
        "f-ground",
        "ground",
        t.grounds,
        t.any,
        &counted(facets.map_or(&empty, |f| &f.ground), |v| {
            coalition_record::taxonomy::ground(v)
                .map_or(v.as_str(), |g| g.label(ctx.ui.code()))
                .to_string()
        }),
        q.ground.first().map(String::as_str),
    ));
    body.push_str(&select(
        "f-partner-type",
        "partner_type",
        t.partner_types,
        t.any,
        &counted(facets.map_or(&empty, |f| &f.partner_type), |v| {
            coalition_record::taxonomy::partner_type(v)
                .map_or(v.as_str(), |k| k.label(ctx.ui.code()))
                .to_string()
        }),
        q.partner_type.first().map(String::as_str),
    ));
    let years = facets.map(|f| f.year.clone()).unwrap_or_default();
    let year = q.year.first().map(|y| y.to_string());
    body.push_str(&select(
        "f-year",
        "year",
        t.year,
        t.any,
        &counted(&years, |v| v.to_string()),
        year.as_deref(),
    ));
    let kinds: Vec<(String, String)> = ["practice", "report", "update"]
        .iter()
        .map(|k| (k.to_string(), kind_label(t, k).to_string()))
        .collect();
    let kind = q.kind.first().map(String::as_str).unwrap_or("any");
    let _ = write!(
        body,
        "<div class=\"field\"><label for=\"f-kind\">{}</label><select id=\"f-kind\" name=\"kind\"><option value=\"any\"{}>{}</option>",
        esc(t.kind),
        if kind == "any" { " selected" } else { "" },
        esc(t.any)
    );
    for (value, text) in &kinds {
        let sel = if value == kind { " selected" } else { "" };
        let _ = write!(
            body,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(value),
            esc(text)
        );
    }
    body.push_str("</select></div>");
    let _ = write!(
        body,
        "<div class=\"actions\"><button type=\"submit\">{}</button> <a href=\"{}\">{}</a></div></details></aside>",
        esc(t.apply_filters),
        esc(&ctx.link("/", &[])),
        esc(t.clear_filters)
    );

    let _ = write!(
        body,
        "<section class=\"results\" aria-labelledby=\"results-h\"><h2 id=\"results-h\">{}</h2>",
        esc(t.results)
    );
    if let Some(r) = results {
        let _ = write!(
            body,
            "<p class=\"total\" role=\"status\">{} {}</p>",
            ctx.ui.number(r.total as u64),
            esc(if r.total == 1 {
                t.results_count_one
            } else {
                t.results_count
            })
        );
        if r.hits.is_empty() {
            let _ = write!(body, "<p>{}</p>", esc(t.no_results));
        }
        if r.relaxed {
            body.push_str(&search_extras::relaxed_notice(ui));
        }
        body.push_str("<ol class=\"hits\">");
        for h in &r.hits {
            let url = if h.kind == "practice" {
                ctx.link(&format!("/practice/{}", h.id), &[])
            } else {
                format!(
                    "{}#entry-{}",
                    ctx.link(&format!("/city/{}", h.author), &[]),
                    h.id
                )
            };
            let mut meta = vec![format!("{}, {}", esc(&h.city), esc(&h.country))];
            if let Some(y) = h.year {
                meta.push(y.to_string());
            }
            meta.push(esc(kind_label(t, &h.kind)));
            meta.extend(search_extras::matched_language(ui, h));
            meta.extend(search_extras::translated_by(ui, h));
            let _ = write!(
                body,
                "<li class=\"hit\"><article><h3><a href=\"{url}\" lang=\"{lang}\">{title}</a></h3><p class=\"meta\">{meta}</p><p class=\"snippet\" lang=\"{lang}\">{snippet}</p>{badges}</article></li>",
                url = esc(&url),
                lang = esc(&h.lang),
                title = esc(&h.title),
                meta = meta.join(" · "),
                snippet = h.snippet_html,
                badges = commitment_badges(ui, &h.commitments),
            );
        }
        body.push_str("</ol>");
        body.push_str(&pagination(ctx, q, r.total));
    }
    body.push_str("</section></div></form>");
    layout(ctx, t.nav_search, &body)
}

fn query_pairs(q: &SearchQuery) -> Vec<(&'static str, String)> {
    let mut pairs = Vec::new();
    if let Some(text) = &q.text {
        pairs.push(("q", text.clone()));
    }
    for c in &q.commitments {
        pairs.push(("commitment", c.to_string()));
    }
    for (key, values) in [
        ("country", &q.country),
        ("city", &q.city),
        ("language", &q.language),
        ("ground", &q.ground),
        ("partner_type", &q.partner_type),
    ] {
        for v in values {
            pairs.push((key, v.clone()));
        }
    }
    for y in &q.year {
        pairs.push(("year", y.to_string()));
    }
    for y in &q.started {
        pairs.push(("started", y.to_string()));
    }
    if q.kind.is_empty() {
        pairs.push(("kind", "any".into()));
    }
    for k in &q.kind {
        pairs.push(("kind", k.clone()));
    }
    pairs
}

fn pagination(ctx: &PageCtx, q: &SearchQuery, total: usize) -> String {
    let t = ctx.t();
    let limit = q.limit.max(1);
    if total <= limit && q.offset == 0 {
        return String::new();
    }
    let page = q.offset / limit + 1;
    let pages = total.div_ceil(limit).max(1);
    let mut out = format!("<nav class=\"pages\" aria-label=\"{}\"><ul>", esc(t.page));
    let link = |offset: usize| {
        let mut pairs = query_pairs(q);
        pairs.push(("offset", offset.to_string()));
        ctx.link("/", &pairs)
    };
    if q.offset > 0 {
        let _ = write!(
            out,
            "<li><a rel=\"prev\" href=\"{}\">← {}</a></li>",
            esc(&link(q.offset.saturating_sub(limit))),
            esc(t.previous)
        );
    }
    let _ = write!(
        out,
        "<li aria-current=\"page\">{} {page} / {pages}</li>",
        esc(t.page)
    );
    if q.offset + limit < total {
        let _ = write!(
            out,
            "<li><a rel=\"next\" href=\"{}\">{} →</a></li>",
            esc(&link(q.offset + limit)),
            esc(t.next)
        );
    }
    out.push_str("</ul></nav>");
    out
}
