//! The practice page: every language it has, its facts, the signature badge and its history.

use super::*;

/// Text in paragraphs: a blank line starts a new one, a single line end is a `<br>`.
pub(super) fn paragraphs(text: &str) -> Markup {
    html! {
        @for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p {
                @for (i, line) in p.split('\n').enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

pub(super) fn list(items: &[String]) -> Markup {
    html! { ul { @for item in items { li { (item) } } } }
}

pub(super) fn signature_badge(t: &Strings, verified: bool, payload: &str) -> Markup {
    if verified && payload != "mismatch" {
        html! { p class="badge ok" { span aria-hidden="true" { "✔" } " " (t.signature_verified) } }
    } else {
        html! { p class="badge bad" role="alert" { span aria-hidden="true" { "✖" } " " (t.signature_failed) } }
    }
}

pub(super) fn copyable(text: &str) -> Markup {
    html! { code class="id" data-copy { (text) } }
}

/// A period, "start –" or "start – end", each date in a `<time>`.
fn period(ui: Ui, start: &str, end: Option<&String>) -> Markup {
    html! {
        (when(ui, start)) " –"
        @if let Some(end) = end { " " (when(ui, end)) }
    }
}

/// The practice page: every language it has, its facts, the signature badge and its history.
pub(crate) fn practice_page(
    ctx: &PageCtx,
    v: &PracticeView,
    just_published: bool,
    related: &[coalition_search::Hit],
    form: Option<&super::exchange::ExchangeForm>,
) -> String {
    let t = ctx.t();
    let p = &v.practice;
    let title_lang = pick_tag(&p.title, ctx.ui.code());
    let title = title_lang
        .as_ref()
        .and_then(|tag| p.title.get(tag))
        .cloned()
        .unwrap_or_default();
    let body = html! {
        article class="practice" {
            p class="crumbs" {
                a href=(ctx.link("/", &[])) { (t.nav_search) }
                " › "
                a href=(city_link(ctx, v)) { (v.member.as_deref().unwrap_or(&p.city)) }
            }
            h1 lang=(title_lang.as_deref().unwrap_or("und")) dir="auto" { (title) }
            (notices(ctx, v, just_published))
            div class="signature" {
                (signature_badge(t, v.signature.verified, v.signature.payload))
                dl class="sig" {
                    dt { (t.author_key) } dd { (copyable(&v.author.to_hex())) }
                    dt { (t.entry_id) } dd { (copyable(&v.id.to_hex())) }
                }
            }
            dl class="facts" {
                @for (label, value) in facts(ctx, v) {
                    div { dt { (label) } dd { (value) } }
                }
            }
            (language_sections(ctx, v, title_lang.as_deref()))
            (translation_sections(ctx, v))
            (super::exchange::exchange_sections(ctx, v, form))
            (super::language_form::language_section(ctx, v, form))
            (history(ctx, v))
            (search_extras::related_section(ctx, related))
        }
    };
    layout(ctx, &title, body)
}

fn city_link(ctx: &PageCtx, v: &PracticeView) -> String {
    ctx.link(&format!("/city/{}", v.author), &[])
}

/// Just published, retracted, superseded, illustrative.
fn notices(ctx: &PageCtx, v: &PracticeView, just_published: bool) -> Markup {
    let t = ctx.t();
    html! {
        @if just_published {
            p class="notice ok" role="status" { (t.published_notice) }
        }
        @if let Some(r) = &v.retraction {
            p class="notice error" {
                (t.retracted_notice)
                @if let Some(reason) = &r.reason { ": " (reason) }
            }
        }
        @if !v.is_current {
            p class="notice" {
                (t.superseded_notice) " "
                a href=(ctx.link(&format!("/practice/{}", v.current_id), &[])) { (v.current_id.short()) }
                "."
            }
        }
        @if v.practice.illustrative {
            p class="notice" { (t.illustrative_notice) }
        }
    }
}

/// The facts list: label and value, in the page's order.
fn facts(ctx: &PageCtx, v: &PracticeView) -> Vec<(&'static str, Markup)> {
    let (t, ui) = (ctx.t(), ctx.ui);
    let p = &v.practice;
    let mut facts = vec![
        (t.city, html! { a href=(city_link(ctx, v)) { (p.city) } }),
        (t.country, html! { (p.country) }),
        (t.period, period(ui, &p.period.start, p.period.end.as_ref())),
        (t.published, when(ui, &date_of_ms(v.timestamp_ms))),
        (t.commitments, commitment_badges(ui, &p.commitments)),
    ];
    if !p.grounds.is_empty() {
        let labels: Vec<String> = p
            .grounds
            .iter()
            .map(|code| coalition_record::taxonomy::ground_label(code, ui.code()).to_string())
            .collect();
        facts.push((t.grounds, list(&labels)));
    }
    if !p.themes.is_empty() {
        facts.push((t.themes, list(&p.themes)));
    }
    if !p.target_groups.is_empty() {
        facts.push((t.target_groups, list(&p.target_groups)));
    }
    if !p.partners.is_empty() {
        let partners = coalition_record::taxonomy::partners_with_types(
            &p.partners,
            &p.partner_types,
            ui.code(),
        );
        facts.push((t.partners, list(&partners)));
    }
    if !p.links.is_empty() {
        let links = html! {
            ul { @for l in &p.links { li { a href=(l) rel="noopener noreferrer nofollow" { (l) } } } }
        };
        facts.push((t.links, links));
    }
    if let Some(c) = &p.contact {
        facts.push((t.contact, contact(c)));
    }
    let languages = html! {
        @for (i, l) in v.languages.iter().enumerate() {
            @if i > 0 { ", " }
            a href={ "#lang-" (l) } { (language_name(l)) }
        }
    };
    facts.push((t.languages, languages));
    facts
}

/// Name, role, e-mail (linked) and phone, one a line.
fn contact(c: &coalition_record::Contact) -> Markup {
    html! {
        (c.name)
        @if let Some(role) = &c.role { br; (role) }
        @if let Some(email) = &c.email { br; a href={ "mailto:" (email) } { (email) } }
        @if let Some(phone) = &c.phone { br; (phone) }
    }
}

/// One section per language, the reader's first.
fn language_sections(ctx: &PageCtx, v: &PracticeView, title_lang: Option<&str>) -> Markup {
    let (t, ui) = (ctx.t(), ctx.ui);
    let p = &v.practice;
    let mut langs = v.languages.clone();
    if let Some(pos) = title_lang.and_then(|first| langs.iter().position(|l| l == first)) {
        let l = langs.remove(pos);
        langs.insert(0, l);
    }
    html! {
        @for lang in &langs {
            section class="lang" id={ "lang-" (lang) } lang=(lang) dir="auto" aria-labelledby={ "lang-" (lang) "-h" } {
                h2 id={ "lang-" (lang) "-h" } { (language_name(lang)) }
                @if let Some(title) = p.title.get(lang) {
                    p class="ltitle" { (title) }
                }
                @for (label, text) in [
                    (t.summary, &p.summary),
                    (t.body, &p.body),
                    (t.rationale, &p.rationale),
                    (t.approach, &p.approach),
                    (t.results_section, &p.results),
                    (t.transferability, &p.transferability),
                ] {
                    @if let Some(text) = text.get(lang) {
                        h3 lang=(ui.code()) { (label) }
                        (paragraphs(text))
                    }
                }
            }
        }
    }
}

/// The versions, linked, with their state; nothing for a practice never revised nor retracted.
fn history(ctx: &PageCtx, v: &PracticeView) -> Markup {
    let t = ctx.t();
    if v.versions.len() <= 1 && v.retraction.is_none() {
        return html! {};
    }
    html! {
        section class="history" aria-labelledby="history-h" {
            h2 id="history-h" { (t.history) }
            ol {
                @for version in &v.versions {
                    @let marks = [
                        (version.current, t.current),
                        (version.superseded_by.is_some(), t.superseded),
                        (version.retracted_by.is_some(), t.retracted),
                    ]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, mark)| *mark)
                    .collect::<Vec<_>>()
                    .join(", ");
                    li {
                        a href=(ctx.link(&format!("/practice/{}", version.id), &[]))
                            aria-current=[(version.id == v.id).then_some("page")] {
                            code { (version.id.short()) }
                        }
                        " · " (when(ctx.ui, &date_of_ms(version.timestamp_ms))) " · " (marks)
                    }
                }
            }
        }
    }
}

/// The tag of `text` to show to a reader of `lang`: the same language, else English, else the
/// first held.
pub(super) fn pick_tag(text: &LangText, lang: &str) -> Option<String> {
    text.keys()
        .find(|k| k.as_str() == lang || k.split('-').next() == Some(lang))
        .or_else(|| text.keys().find(|k| k.as_str() == "en"))
        .or_else(|| text.keys().next())
        .cloned()
}

pub(super) fn pick_text(text: &LangText, lang: &str) -> Option<(String, String)> {
    let tag = pick_tag(text, lang)?;
    text.get(&tag).map(|t| (tag, t.clone()))
}

/// The translations other cities signed: each in its language, with its translating city, the
/// language it is from, whether the practice's city endorsed it and whether it is of an earlier
/// version.
fn translation_sections(ctx: &PageCtx, v: &PracticeView) -> Markup {
    if v.translations.is_empty() {
        return html! {};
    }
    html! {
        section class="translations" aria-labelledby="tr-h" {
            h2 id="tr-h" { (ctx.t().tr_heading) }
            @for tr in &v.translations {
                (translation(ctx, tr))
            }
        }
    }
}

fn translation(ctx: &PageCtx, tr: &crate::views::TranslationView) -> Markup {
    let (ui, t) = (ctx.ui, ctx.ui.t());
    let x = &tr.translation;
    let city = tr
        .translator_city
        .clone()
        .unwrap_or_else(|| tr.translator.short());
    let by = crate::i18n::fill(
        t.tr_by,
        &[("city", &city), ("from", &language_name(&x.from_lang))],
    );
    let id = tr.id.short();
    html! {
        article class="translation" id={ "tr-" (id) } lang=(x.lang) dir="auto" {
            h3 { (language_name(&x.lang)) }
            p class="meta" lang=(ui.code()) {
                (by) " "
                @if tr.endorsed { span class="badge ok" { (t.tr_endorsed) } }
                @if tr.endorsed && !tr.of_current { " " }
                @if !tr.of_current { span class="badge" { (t.tr_older) } }
                " "
                code title=(tr.id.to_hex()) { (id) }
            }
            p class="ltitle" { (x.title) }
            @for (label, text) in [
                (t.summary, &x.summary),
                (t.body, &x.body),
                (t.rationale, &x.rationale),
                (t.approach, &x.approach),
                (t.results_section, &x.results),
                (t.transferability, &x.transferability),
            ] {
                @if !text.trim().is_empty() {
                    h4 lang=(ui.code()) { (label) }
                    (paragraphs(text))
                }
            }
        }
    }
}
