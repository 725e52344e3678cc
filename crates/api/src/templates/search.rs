//! The search page: the search box, facet filters, a page of results and pagination.

use super::*;
use coalition_search::{Facets, Hit};

/// The search page: the search box, facet filters and a page of results.
pub(crate) fn search_page(
    ctx: &PageCtx,
    q: &SearchQuery,
    results: Option<&SearchResults>,
    error: Option<&str>,
) -> String {
    let t = ctx.t();
    let ui = ctx.ui;
    let active = q.commitments.len()
        + q.country.len()
        + q.city.len()
        + q.language.len()
        + q.year.len()
        + q.started.len();
    let body = html! {
        h1 { (t.search_heading) }
        @if let Some(e) = error {
            p class="notice error" role="alert" { (e) }
        }
        form class="search" method="get" action="/" role="search" {
            @if ui != Ui::En {
                input type="hidden" name="ui" value=(ui.code());
            }
            div class="searchbox" {
                label for="q" { (t.search_label) }
                div class="row" {
                    input type="search" id="q" name="q" value=(q.text.as_deref().unwrap_or_default())
                        placeholder=(t.search_placeholder) autocomplete="off";
                    button type="submit" { (t.search_button) }
                }
            }
            div class="columns" {
                aside class="filters" aria-labelledby="filters-h" {
                    details class="filters-box" open data-active=(active) {
                        summary { h2 id="filters-h" { (t.filters) } }
                        (filters(ctx, q, results.map(|r| &r.facets)))
                    }
                }
                section class="results" aria-labelledby="results-h" {
                    h2 id="results-h" { (t.results) }
                    @if let Some(r) = results {
                        (result_list(ctx, q, r))
                    }
                }
            }
        }
    };
    layout(ctx, t.nav_search, body)
}

/// The filters' fields (commitments, the facet selects, the kind) and their buttons.
fn filters(ctx: &PageCtx, q: &SearchQuery, facets: Option<&Facets>) -> Markup {
    let t = ctx.t();
    let ui = ctx.ui;
    let empty = Vec::new();
    let years = facets.map(|f| f.year.clone()).unwrap_or_default();
    let year = q.year.first().map(|y| y.to_string());
    let ground_label = |v: &String| {
        coalition_record::taxonomy::ground(v)
            .map_or(v.as_str(), |g| g.label(ui.code()))
            .to_string()
    };
    let partner_type_label = |v: &String| {
        coalition_record::taxonomy::partner_type(v)
            .map_or(v.as_str(), |k| k.label(ui.code()))
            .to_string()
    };
    html! {
        fieldset class="commitment-filter" {
            legend { (t.commitments) }
            @for c in 1..=10u8 {
                @let count = facets
                    .and_then(|f| f.commitment.iter().find(|(v, _)| *v == c))
                    .map_or(0, |(_, n)| *n);
                div class="check" {
                    input type="checkbox" id={ "c" (c) } name="commitment" value=(c)
                        checked[q.commitments.contains(&c)];
                    label for={ "c" (c) } {
                        span class="cnum" aria-hidden="true" { (c) }
                        " " (ui.commitment(c)) " "
                        span class="count" { "(" (count) ")" }
                    }
                }
            }
        }
        (select("f-country", "country", t.country, t.any,
            &counted(facets.map_or(&empty, |f| &f.country), |v| v.clone()),
            q.country.first().map(String::as_str)))
        (select("f-city", "city", t.city, t.any,
            &counted(facets.map_or(&empty, |f| &f.city), |v| v.clone()),
            q.city.first().map(String::as_str)))
        (select("f-language", "language", t.language, t.any,
            &counted(facets.map_or(&empty, |f| &f.language), |v| language_name(v)),
            q.language.first().map(String::as_str)))
        (select("f-ground", "ground", t.grounds, t.any,
            &counted(facets.map_or(&empty, |f| &f.ground), ground_label),
            q.ground.first().map(String::as_str)))
        (select("f-partner-type", "partner_type", t.partner_types, t.any,
            &counted(facets.map_or(&empty, |f| &f.partner_type), partner_type_label),
            q.partner_type.first().map(String::as_str)))
        (select("f-year", "year", t.year, t.any, &counted(&years, |v| v.to_string()), year.as_deref()))
        (kind_select(t, q.kind.first().map(String::as_str).unwrap_or("any")))
        div class="actions" {
            button type="submit" { (t.apply_filters) }
            " "
            a href=(ctx.link("/", &[])) { (t.clear_filters) }
        }
    }
}

/// The entry kind: any, practice, report or update.
fn kind_select(t: &Strings, kind: &str) -> Markup {
    html! {
        div class="field" {
            label for="f-kind" { (t.kind) }
            select id="f-kind" name="kind" {
                option value="any" selected[kind == "any"] { (t.any) }
                @for value in ["practice", "report", "update"] {
                    option value=(value) selected[value == kind] { (kind_label(t, value)) }
                }
            }
        }
    }
}

/// The count, the notices, the page of hits and the links to the other pages.
fn result_list(ctx: &PageCtx, q: &SearchQuery, r: &SearchResults) -> Markup {
    let t = ctx.t();
    let count_word = if r.total == 1 {
        t.results_count_one
    } else {
        t.results_count
    };
    html! {
        p class="total" role="status" { (ctx.ui.number(r.total as u64)) " " (count_word) }
        @if r.hits.is_empty() {
            p { (t.no_results) }
        }
        @if r.relaxed {
            (search_extras::relaxed_notice(ctx.ui))
        }
        ol class="hits" {
            @for h in &r.hits {
                (hit(ctx, h))
            }
        }
        (pagination(ctx, q, r.total))
    }
}

/// One result: its title linked, where and what it is, its snippet and its commitments.
fn hit(ctx: &PageCtx, h: &Hit) -> Markup {
    let t = ctx.t();
    let ui = ctx.ui;
    let url = if h.kind == "practice" {
        ctx.link(&format!("/practice/{}", h.id), &[])
    } else {
        format!(
            "{}#entry-{}",
            ctx.link(&format!("/city/{}", h.author), &[]),
            h.id
        )
    };
    let mut meta = vec![html! { (h.city) ", " (h.country) }];
    if let Some(y) = h.year {
        meta.push(html! { (y) });
    }
    meta.push(html! { (kind_label(t, &h.kind)) });
    meta.extend(search_extras::matched_language(ui, h));
    meta.extend(search_extras::translated_by(ui, h));
    html! {
        li class="hit" {
            article {
                h3 { a href=(url) lang=(h.lang) { (h.title) } }
                p class="meta" {
                    @for (i, part) in meta.iter().enumerate() {
                        @if i > 0 { " · " }
                        (part)
                    }
                }
                p class="snippet" lang=(h.lang) { (snippet_html(&h.snippet)) }
                (commitment_badges(ui, &h.commitments))
            }
        }
    }
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

fn pagination(ctx: &PageCtx, q: &SearchQuery, total: usize) -> Markup {
    let t = ctx.t();
    let limit = q.limit.max(1);
    if total <= limit && q.offset == 0 {
        return html! {};
    }
    let page = q.offset / limit + 1;
    let pages = total.div_ceil(limit).max(1);
    let link = |offset: usize| {
        let mut pairs = query_pairs(q);
        pairs.push(("offset", offset.to_string()));
        ctx.link("/", &pairs)
    };
    html! {
        nav class="pages" aria-label=(t.page) {
            ul {
                @if q.offset > 0 {
                    li { a rel="prev" href=(link(q.offset.saturating_sub(limit))) { "← " (t.previous) } }
                }
                li aria-current="page" { (t.page) " " (page) " / " (pages) }
                @if q.offset + limit < total {
                    li { a rel="next" href=(link(q.offset + limit)) { (t.next) " →" } }
                }
            }
        }
    }
}
