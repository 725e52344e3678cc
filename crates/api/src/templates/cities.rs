//! The member cities: the list, and a city page with what it published over time.

use super::practice::{copyable, paragraphs, pick_text};
use super::*;

/// The list of member cities.
pub(crate) fn cities_page(ctx: &PageCtx, cities: &[CityView]) -> String {
    let t = ctx.t();
    let body = html! {
        h1 { (t.cities_heading) }
        div class="scroll" role="region" aria-labelledby="cities-caption" tabindex="0" {
            table {
                caption id="cities-caption" { (t.cities_heading) }
                thead {
                    tr {
                        th scope="col" { (t.city) }
                        th scope="col" { (t.country) }
                        th scope="col" { (t.status) }
                        th scope="col" class="num" { (t.practices) }
                        th scope="col" class="num" { (t.reports) }
                        th scope="col" { (t.last_activity) }
                    }
                }
                tbody {
                    @for c in cities {
                        tr {
                            th scope="row" { a href=(ctx.link(&format!("/city/{}", c.key), &[])) { (c.name) } }
                            td { (c.country) }
                            td { (t.city_status(c.status)) }
                            td class="num" { (c.practices) }
                            td class="num" { (c.reports) }
                            td { (last_activity(c.last_activity_ms)) }
                        }
                    }
                }
            }
        }
    };
    layout(ctx, t.cities_heading, body)
}

fn last_activity(ms: Option<i64>) -> String {
    ms.map(date_of_ms).unwrap_or_else(|| "–".into())
}

fn report_html(ctx: &PageCtx, r: &ReportItem) -> Markup {
    let t = ctx.t();
    let ui = ctx.ui;
    let id = r.id.to_string();
    html! {
        article class="report" id={ "entry-" (id) } aria-labelledby={ "entry-" (id) "-h" } {
            h3 id={ "entry-" (id) "-h" } { (t.report_for) " " (r.period) }
            p class="meta" {
                (t.published) " " (when(ui, &date_of_ms(r.timestamp_ms)))
                " · " (t.entry_id) " " code { (r.id.short()) }
            }
            @if let Some((tag, text)) = pick_text(&r.report.narrative, ui.code()) {
                div lang=(tag) dir="auto" { (paragraphs(&text)) }
            }
            div class="scroll" role="region" aria-label={ (t.report_for) " " (r.period) } tabindex="0" {
                table {
                    thead {
                        tr {
                            th scope="col" { (t.commitment) }
                            th scope="col" { (t.status) }
                            th scope="col" { (t.narrative) }
                            th scope="col" { (t.indicators) }
                        }
                    }
                    tbody {
                        @for c in &r.report.commitments {
                            tr {
                                th scope="row" {
                                    span class="cnum" aria-hidden="true" { (c.commitment) }
                                    " " (ui.commitment(c.commitment))
                                }
                                td { span class={ "status s-" (c.status.as_str()) } { (t.report_status(c.status.as_str())) } }
                                td {
                                    @if let Some((tag, text)) = pick_text(&c.narrative, ui.code()) {
                                        span lang=(tag) { (text) }
                                    }
                                }
                                td {
                                    @for (j, i) in c.indicators.iter().enumerate() {
                                        @if j > 0 { br; }
                                        (i.name) ": " (i.value) " " (i.unit)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A city page: the city, what it published over time, and `extra` (the reporting sections the
/// route adds) at the end.
pub(crate) fn city_page(ctx: &PageCtx, d: &CityDetail, extra: Markup) -> String {
    let t = ctx.t();
    let c = &d.city;
    let body = html! {
        h1 { (c.name) " " span class="country" { "(" (c.country) ")" } }
        dl class="facts" {
            div { dt { (t.status) } dd { (t.city_status(c.status)) } }
            div { dt { (t.key) } dd { (copyable(&c.key.to_hex())) } }
            div { dt { (t.entries) } dd { (ctx.ui.number(c.entries)) } }
            div { dt { (t.last_activity) } dd { (last_activity(c.last_activity_ms)) } }
        }
        (served(ctx, d))
        (practices(ctx, d))
        section aria-labelledby="reports-h" {
            h2 id="reports-h" { (t.reports) " (" (d.reports.len()) ")" }
            @if d.reports.is_empty() {
                p { (t.no_reports) }
            }
            @for r in &d.reports {
                (report_html(ctx, r))
            }
        }
        (updates(ctx, d))
        (open_questions(ctx, d))
        (exchange_links(ctx, d))
        (partner_types(ctx, d))
        @if d.newer_entries > 0 {
            p class="notice" id="newer-entries" { (t.newer_entries) ": " (ctx.ui.number(d.newer_entries)) }
        }
        (extra)
    };
    layout(ctx, &c.name, body)
}

/// The commitments the city served, as a compact list; nothing when none.
fn served(ctx: &PageCtx, d: &CityDetail) -> Markup {
    let served: Vec<_> = d
        .city
        .commitments
        .iter()
        .filter(|cc| cc.count > 0)
        .collect();
    if served.is_empty() {
        return html! {};
    }
    html! {
        section aria-labelledby="served-h" {
            h2 id="served-h" { (ctx.t().commitments) }
            ul class="commitments" {
                @for cc in served {
                    li {
                        span class="cnum" aria-hidden="true" { (cc.commitment) }
                        " " (ctx.ui.commitment(cc.commitment)) " "
                        span class="count" { "(" (cc.count) ")" }
                    }
                }
            }
        }
    }
}

fn practices(ctx: &PageCtx, d: &CityDetail) -> Markup {
    let t = ctx.t();
    html! {
        section aria-labelledby="practices-h" {
            h2 id="practices-h" { (t.practices) " (" (d.practices.len()) ")" }
            @if d.practices.is_empty() {
                p { (t.no_practices) }
            } @else {
                ol class="timeline" {
                    @for p in &d.practices {
                        li {
                            span class="when" {
                                (when(ctx.ui, &p.period_start)) " –"
                                @if let Some(end) = &p.period_end { " " (when(ctx.ui, end)) }
                            }
                            " "
                            a href=(ctx.link(&format!("/practice/{}", p.id), &[])) { (p.title) }
                            (commitment_badges(ctx.ui, &p.commitments))
                        }
                    }
                }
            }
        }
    }
}

fn updates(ctx: &PageCtx, d: &CityDetail) -> Markup {
    if d.updates.is_empty() {
        return html! {};
    }
    html! {
        section aria-labelledby="updates-h" {
            h2 id="updates-h" { (ctx.t().updates) }
            ol class="timeline" {
                @for u in &d.updates {
                    li id={ "entry-" (u.id.to_string()) } {
                        span class="when" { (when(ctx.ui, &u.date)) } " " (u.title)
                    }
                }
            }
        }
    }
}

/// "…" for an entry whose title is unknown here.
fn title_or_ellipsis(title: &str) -> &str {
    if title.is_empty() {
        "…"
    } else {
        title
    }
}

fn open_questions(ctx: &PageCtx, d: &CityDetail) -> Markup {
    let t = ctx.t();
    if d.open_questions.is_empty() {
        return html! {};
    }
    html! {
        section id="open-questions" {
            h2 { (t.questions_heading) " · " (t.not_answered) }
            ul {
                @for q in &d.open_questions {
                    @let text = pick_text(&q.text, ctx.ui.code()).map_or_else(String::new, |(_, t)| t);
                    li {
                        a href={ (ctx.link(&format!("/practice/{}", q.practice), &[])) "#entry-" (q.id.to_string()) } {
                            (title_or_ellipsis(&q.practice_title))
                        }
                        " · " (q.city) ": " (text)
                    }
                }
            }
        }
    }
}

/// The practices the city took up from others, and the cities that took up its own.
fn exchange_links(ctx: &PageCtx, d: &CityDetail) -> Markup {
    let t = ctx.t();
    html! {
        @for (heading, links, other_side) in [
            (t.took_up, &d.took_up, true),
            (t.others_took_up, &d.taken_up_by_others, false),
        ] {
            @if !links.is_empty() {
                section class="exchange" {
                    h2 { (heading) }
                    ul {
                        @for a in links.iter() {
                            li {
                                a href=(ctx.link(&format!("/practice/{}", a.practice), &[])) {
                                    (title_or_ellipsis(&a.practice_title))
                                }
                                " · " (if other_side { &a.from } else { &a.to })
                                " (" (if a.adapted { t.adapted } else { t.as_is }) ")"
                            }
                        }
                    }
                }
            }
        }
    }
}

fn partner_types(ctx: &PageCtx, d: &CityDetail) -> Markup {
    if d.partner_types.is_empty() {
        return html! {};
    }
    html! {
        p class="partner-types" id="partner-types" {
            strong { (ctx.t().partner_types) ":" }
            " "
            @for (i, (code, n)) in d.partner_types.iter().enumerate() {
                @if i > 0 { " · " }
                (coalition_record::taxonomy::partner_type(code).map_or(code.as_str(), |k| k.label(ctx.ui.code())))
                " " (ctx.ui.number(*n))
            }
        }
    }
}
