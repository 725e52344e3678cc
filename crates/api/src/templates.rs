//! HTML of the web page: plain functions that build strings, every piece of content passed
//! through [`esc`]. The only HTML not escaped here is the search snippet, which the search index
//! builds from escaped text and `<mark>` tags.
//!
//! Layout: a skip link, a header with the site name, the main navigation and the interface
//! language switch, one `<main>`, a footer with the node's state. Styles and script are served
//! from the binary (`/assets/app.css`, `/assets/app.js`); nothing is loaded from elsewhere.

use crate::i18n::{Strings, Ui};
use crate::search_extras;
use crate::time::date_of_ms;
use crate::views::{CityDetail, CityView, PracticeView, ReportItem};
use coalition_record::{LangText, ReportStatus};
use coalition_search::{SearchQuery, SearchResults};
use std::fmt::Write as _;

/// Escapes text for HTML content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query-string or path component.
pub fn url_enc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Builds `path?k=v&…` from pairs, skipping nothing (callers leave out what they do not want).
pub fn href(path: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_enc(k), url_enc(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// The name of a language in itself, for the common tags; the tag otherwise.
/// A date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) as the reader's language writes it, machine-readable
/// in `datetime`.
pub fn when(ui: Ui, iso: &str) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        esc(iso),
        esc(&ui.date(iso))
    )
}

pub fn language_name(tag: &str) -> String {
    let primary = tag.split('-').next().unwrap_or(tag);
    let name = match primary {
        "en" => "English",
        "fr" => "Français",
        "de" => "Deutsch",
        "es" => "Español",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "pt" => "Português",
        "pl" => "Polski",
        "sv" => "Svenska",
        "da" => "Dansk",
        "fi" => "Suomi",
        "no" | "nb" => "Norsk",
        "el" => "Ελληνικά",
        "cs" => "Čeština",
        "sk" => "Slovenčina",
        "sl" => "Slovenščina",
        "hr" => "Hrvatski",
        "ro" => "Română",
        "hu" => "Magyar",
        "bg" => "Български",
        "ca" => "Català",
        "eu" => "Euskara",
        "tr" => "Türkçe",
        "ar" => "العربية",
        "uk" => "Українська",
        "ru" => "Русский",
        _ => return tag.to_string(),
    };
    if primary == tag {
        name.to_string()
    } else {
        format!("{name} ({tag})")
    }
}

/// Languages offered in the publish form.
pub const FORM_LANGUAGES: [&str; 12] = [
    "en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "ca", "el", "ar",
];

/// What every page shows around its content.
pub struct PageCtx {
    pub ui: Ui,
    /// The page's path and its query without `ui`, for the language switch.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub coalition: String,
    pub nav: Nav,
    pub footer: Footer,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Search,
    Cities,
    Publish,
    None,
}

pub struct Footer {
    pub city: Option<String>,
    pub entries: u64,
    pub peers: usize,
    pub sync_state: String,
    pub network_id: String,
}

impl PageCtx {
    fn t(&self) -> &'static Strings {
        self.ui.t()
    }

    /// A link within the site that keeps the interface language.
    pub fn link(&self, path: &str, pairs: &[(&str, String)]) -> String {
        let mut all: Vec<(&str, String)> = pairs.to_vec();
        if self.ui != Ui::En {
            all.push(("ui", self.ui.code().to_string()));
        }
        href(path, &all)
    }
}

pub fn layout(ctx: &PageCtx, title: &str, body: &str) -> String {
    let t = ctx.t();
    let nav_item = |nav: Nav, path: &str, label: &str| {
        let current = if ctx.nav == nav {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!(
            "<li><a href=\"{}\"{current}>{}</a></li>",
            esc(&ctx.link(path, &[])),
            esc(label)
        )
    };
    let mut switch = String::new();
    for ui in Ui::ALL {
        let mut pairs: Vec<(&str, String)> = ctx
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("ui", ui.code().to_string()));
        let current = if ui == ctx.ui {
            " aria-current=\"true\""
        } else {
            ""
        };
        let _ = write!(
            switch,
            "<li><a href=\"{}\" lang=\"{}\" hreflang=\"{}\"{current}>{}</a></li>",
            esc(&href(&ctx.path, &pairs)),
            ui.code(),
            ui.code(),
            esc(ui.native_name())
        );
    }
    let f = &ctx.footer;
    let city = f
        .city
        .as_deref()
        .map(|c| format!(" · {}", esc(c)))
        .unwrap_or_default();
    format!(
        r##"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {coalition}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script src="/assets/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">{skip}</a>
<header class="site">
<div class="bar">
<p class="brand"><a href="{home}">{coalition}</a><span class="tagline">{tagline}</span></p>
<nav aria-label="{nav_label}"><ul class="nav">{search}{cities}{publish}</ul></nav>
<nav aria-label="{lang_label}"><ul class="langs">{switch}</ul></nav>
</div>
</header>
<main id="main" tabindex="-1">
{body}
</main>
<footer class="site">
<p>{node}{city} · {entries} {entries_word} · {peers} {peers_word} · {network_word}: {state} · <code>{network_id}</code></p>
</footer>
</body>
</html>
"##,
        lang = ctx.ui.code(),
        title = esc(title),
        coalition = esc(&ctx.coalition),
        skip = esc(t.skip_to_content),
        home = esc(&ctx.link("/", &[])),
        tagline = esc(t.site_tagline),
        nav_label = esc(t.nav_label),
        search = nav_item(Nav::Search, "/", t.nav_search),
        cities = nav_item(Nav::Cities, "/cities", t.nav_cities),
        publish = nav_item(Nav::Publish, "/publish", t.nav_publish),
        lang_label = esc(t.language_label),
        node = esc(t.footer_node),
        entries = f.entries,
        entries_word = esc(t.entries),
        peers = f.peers,
        peers_word = esc(t.peers),
        network_word = esc(t.network),
        state = esc(match f.sync_state.as_str() {
            "synced" => t.sync_synced,
            "syncing" => t.sync_syncing,
            "degraded" => t.sync_degraded,
            "offline" => t.sync_offline,
            other => other,
        }),
        network_id = esc(&f.network_id),
    )
}

fn commitment_badges(ui: Ui, commitments: &[u8]) -> String {
    let mut out = String::from("<ul class=\"commitments\">");
    for c in commitments {
        let _ = write!(
            out,
            "<li><span class=\"cnum\" aria-hidden=\"true\">{c}</span> {}</li>",
            esc(ui.commitment(*c))
        );
    }
    out.push_str("</ul>");
    out
}

fn kind_label(t: &Strings, kind: &str) -> &'static str {
    match kind {
        "report" => t.kind_report,
        "update" => t.kind_update,
        _ => t.kind_practice,
    }
}

fn select(
    id: &str,
    name: &str,
    label: &str,
    any: &str,
    options: &[(String, String)],
    selected: Option<&str>,
) -> String {
    let mut out = format!(
        "<div class=\"field\"><label for=\"{id}\">{}</label><select id=\"{id}\" name=\"{name}\"><option value=\"\">{}</option>",
        esc(label),
        esc(any)
    );
    let mut found = false;
    for (value, text) in options {
        let sel = if Some(value.as_str()) == selected {
            found = true;
            " selected"
        } else {
            ""
        };
        let _ = write!(
            out,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(value),
            esc(text)
        );
    }
    if let (false, Some(value)) = (found, selected) {
        let _ = write!(
            out,
            "<option value=\"{}\" selected>{}</option>",
            esc(value),
            esc(value)
        );
    }
    out.push_str("</select></div>");
    out
}

fn counted<T: ToString>(items: &[(T, u64)], name: impl Fn(&T) -> String) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(v, n)| (v.to_string(), format!("{} ({n})", name(v))))
        .collect()
}

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

fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", esc(p).replace('\n', "<br>")))
        .collect()
}

fn list(items: &[String]) -> String {
    let mut out = String::from("<ul>");
    for item in items {
        let _ = write!(out, "<li>{}</li>", esc(item));
    }
    out.push_str("</ul>");
    out
}

fn signature_badge(t: &Strings, verified: bool, payload: &str) -> String {
    if verified && payload != "mismatch" {
        format!(
            "<p class=\"badge ok\"><span aria-hidden=\"true\">✔</span> {}</p>",
            esc(t.signature_verified)
        )
    } else {
        format!(
            "<p class=\"badge bad\" role=\"alert\"><span aria-hidden=\"true\">✖</span> {}</p>",
            esc(t.signature_failed)
        )
    }
}

fn copyable(text: &str) -> String {
    format!("<code class=\"id\" data-copy>{}</code>", esc(text))
}

/// The practice page: every language it has, its facts, the signature badge and its history.
pub fn practice_page(
    ctx: &PageCtx,
    v: &PracticeView,
    just_published: bool,
    related: &[coalition_search::Hit],
) -> String {
    let t = ctx.t();
    let ui = ctx.ui;
    let p = &v.practice;
    let title_lang = pick_tag(&p.title, ui.code());
    let title = title_lang
        .as_ref()
        .and_then(|tag| p.title.get(tag))
        .cloned()
        .unwrap_or_default();
    let mut body = String::new();
    let city_link = ctx.link(&format!("/city/{}", v.author), &[]);
    let _ = write!(
        body,
        "<article class=\"practice\"><p class=\"crumbs\"><a href=\"{}\">{}</a> › <a href=\"{}\">{}</a></p>",
        esc(&ctx.link("/", &[])),
        esc(t.nav_search),
        esc(&city_link),
        esc(v.member.as_deref().unwrap_or(&p.city)),
    );
    let _ = write!(
        body,
        "<h1 lang=\"{}\" dir=\"auto\">{}</h1>",
        esc(title_lang.as_deref().unwrap_or("und")),
        esc(&title)
    );
    if just_published {
        let _ = write!(
            body,
            "<p class=\"notice ok\" role=\"status\">{}</p>",
            esc(t.published_notice)
        );
    }
    if let Some(r) = &v.retraction {
        let _ = write!(
            body,
            "<p class=\"notice error\">{}{}</p>",
            esc(t.retracted_notice),
            r.reason
                .as_deref()
                .map(|reason| format!(": {}", esc(reason)))
                .unwrap_or_default()
        );
    }
    if !v.is_current {
        let _ = write!(
            body,
            "<p class=\"notice\">{} <a href=\"{}\">{}</a>.</p>",
            esc(t.superseded_notice),
            esc(&ctx.link(&format!("/practice/{}", v.current_id), &[])),
            esc(&v.current_id.short())
        );
    }
    if p.illustrative {
        let _ = write!(
            body,
            "<p class=\"notice\">{}</p>",
            esc(t.illustrative_notice)
        );
    }
    body.push_str("<div class=\"signature\">");
    body.push_str(&signature_badge(
        t,
        v.signature.verified,
        v.signature.payload,
    ));
    let _ = write!(
        body,
        "<dl class=\"sig\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl></div>",
        esc(t.author_key),
        copyable(&v.author.to_hex()),
        esc(t.entry_id),
        copyable(&v.id.to_hex()),
    );

    body.push_str("<dl class=\"facts\">");
    let mut fact = |label: &str, html: String| {
        let _ = write!(body, "<div><dt>{}</dt><dd>{html}</dd></div>", esc(label));
    };
    fact(
        t.city,
        format!("<a href=\"{}\">{}</a>", esc(&city_link), esc(&p.city)),
    );
    fact(t.country, esc(&p.country));
    fact(
        t.period,
        match &p.period.end {
            Some(end) => format!("{} – {}", when(ctx.ui, &p.period.start), when(ctx.ui, end)),
            None => format!("{} –", when(ctx.ui, &p.period.start)),
        },
    );
    fact(t.published, when(ctx.ui, &date_of_ms(v.timestamp_ms)));
    fact(t.commitments, commitment_badges(ui, &p.commitments));
    if !p.themes.is_empty() {
        fact(t.themes, list(&p.themes));
    }
    if !p.target_groups.is_empty() {
        fact(t.target_groups, list(&p.target_groups));
    }
    if !p.partners.is_empty() {
        fact(t.partners, list(&p.partners));
    }
    if !p.links.is_empty() {
        let mut links = String::from("<ul>");
        for l in &p.links {
            let _ = write!(
                links,
                "<li><a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a></li>",
                esc(l),
                esc(l)
            );
        }
        links.push_str("</ul>");
        fact(t.links, links);
    }
    if let Some(c) = &p.contact {
        let mut parts = vec![esc(&c.name)];
        if let Some(role) = &c.role {
            parts.push(esc(role));
        }
        if let Some(email) = &c.email {
            parts.push(format!(
                "<a href=\"mailto:{}\">{}</a>",
                esc(email),
                esc(email)
            ));
        }
        if let Some(phone) = &c.phone {
            parts.push(esc(phone));
        }
        fact(t.contact, parts.join("<br>"));
    }
    fact(
        t.languages,
        v.languages
            .iter()
            .map(|l| {
                format!(
                    "<a href=\"#lang-{}\">{}</a>",
                    esc(l),
                    esc(&language_name(l))
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    body.push_str("</dl>");

    // One section per language, the reader's first.
    let mut langs = v.languages.clone();
    if let Some(first) = title_lang.as_ref() {
        if let Some(pos) = langs.iter().position(|l| l == first) {
            let l = langs.remove(pos);
            langs.insert(0, l);
        }
    }
    for lang in &langs {
        let _ = write!(
            body,
            "<section class=\"lang\" id=\"lang-{l}\" lang=\"{l}\" dir=\"auto\" aria-labelledby=\"lang-{l}-h\"><h2 id=\"lang-{l}-h\">{name}</h2>",
            l = esc(lang),
            name = esc(&language_name(lang))
        );
        if let Some(title) = p.title.get(lang) {
            let _ = write!(body, "<p class=\"ltitle\">{}</p>", esc(title));
        }
        for (label, text) in [
            (t.summary, &p.summary),
            (t.body, &p.body),
            (t.rationale, &p.rationale),
            (t.approach, &p.approach),
            (t.results_section, &p.results),
            (t.transferability, &p.transferability),
        ] {
            if let Some(text) = text.get(lang) {
                let _ = write!(
                    body,
                    "<h3 lang=\"{}\">{}</h3>{}",
                    ui.code(),
                    esc(label),
                    paragraphs(text)
                );
            }
        }
        body.push_str("</section>");
    }

    if v.versions.len() > 1 || v.retraction.is_some() {
        let _ = write!(
            body,
            "<section class=\"history\" aria-labelledby=\"history-h\"><h2 id=\"history-h\">{}</h2><ol>",
            esc(t.history)
        );
        for version in &v.versions {
            let mut marks = Vec::new();
            if version.current {
                marks.push(t.current);
            }
            if version.superseded_by.is_some() {
                marks.push(t.superseded);
            }
            if version.retracted_by.is_some() {
                marks.push(t.retracted);
            }
            let this = if version.id == v.id {
                " aria-current=\"page\""
            } else {
                ""
            };
            let _ = write!(
                body,
                "<li><a href=\"{}\"{this}><code>{}</code></a> · {} · {}</li>",
                esc(&ctx.link(&format!("/practice/{}", version.id), &[])),
                esc(&version.id.short()),
                when(ctx.ui, &date_of_ms(version.timestamp_ms)),
                esc(&marks.join(", "))
            );
        }
        body.push_str("</ol></section>");
    }
    body.push_str(&search_extras::related_section(ctx, related));
    body.push_str("</article>");
    layout(ctx, &title, &body)
}

/// The tag of `text` to show to a reader of `lang`: the same language, else English, else the
/// first held.
fn pick_tag(text: &LangText, lang: &str) -> Option<String> {
    text.keys()
        .find(|k| k.as_str() == lang || k.split('-').next() == Some(lang))
        .or_else(|| text.keys().find(|k| k.as_str() == "en"))
        .or_else(|| text.keys().next())
        .cloned()
}

fn pick_text(text: &LangText, lang: &str) -> Option<(String, String)> {
    let tag = pick_tag(text, lang)?;
    text.get(&tag).map(|t| (tag, t.clone()))
}

fn status_name(t: &Strings, state: &str) -> &'static str {
    match state {
        "suspended" => t.state_suspended,
        "revoked" => t.state_revoked,
        "rotated" => t.state_rotated,
        _ => t.state_active,
    }
}

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
            esc(status_name(t, c.status)),
            c.practices,
            c.reports,
            c.last_activity_ms.map(date_of_ms).unwrap_or_else(|| "–".into()),
        );
    }
    body.push_str("</tbody></table></div>");
    layout(ctx, t.cities_heading, &body)
}

fn report_status(t: &Strings, status: ReportStatus) -> &'static str {
    match status {
        ReportStatus::NotStarted => t.report_status_not_started,
        ReportStatus::Planned => t.report_status_planned,
        ReportStatus::InProgress => t.report_status_in_progress,
        ReportStatus::Done => t.report_status_done,
    }
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
            esc(report_status(t, c.status)),
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
        esc(status_name(t, c.status)),
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
    layout(ctx, &c.name, &body)
}

/// The publish form's values (as typed) and errors (form field → message).
#[derive(Debug, Default, Clone)]
pub struct FormState {
    pub values: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
    /// An error not tied to one field.
    pub general: Option<String>,
}

impl FormState {
    pub fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == name && v == value)
    }

    pub fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, m)| m.as_str())
    }
}

/// Why the form cannot be used here, if it cannot.
pub enum PublishAccess {
    Open { city: String, country: String },
    NotLoopback,
    NoKey(String),
}

fn form_labels(t: &Strings) -> [(&'static str, &'static str); 13] {
    [
        ("lang", t.text_language),
        ("title", t.title),
        ("summary", t.summary),
        ("commitments", t.commitments),
        ("period_start", t.period_start),
        ("period_end", t.period_end),
        ("body", t.body),
        ("rationale", t.rationale),
        ("approach", t.approach),
        ("results", t.results_section),
        ("transferability", t.transferability),
        ("links", t.links),
        ("contact_email", t.contact_email),
    ]
}

/// The publish page: the form for the local city, or why it is not available.
pub fn publish_page(ctx: &PageCtx, access: &PublishAccess, csrf: &str, form: &FormState) -> String {
    let t = ctx.t();
    let ui = ctx.ui;
    let mut body = format!("<h1>{}</h1>", esc(t.publish_heading));
    let (city, country) = match access {
        PublishAccess::Open { city, country } => (city, country),
        PublishAccess::NotLoopback => {
            let _ = write!(
                body,
                "<div class=\"notice\"><h2>{}</h2><p>{}</p></div>",
                esc(t.publish_unavailable),
                esc(t.publish_loopback_only)
            );
            return layout(ctx, t.publish_heading, &body);
        }
        PublishAccess::NoKey(why) => {
            let _ = write!(
                body,
                "<div class=\"notice\"><h2>{}</h2><p>{}</p><p>{}</p></div>",
                esc(t.publish_unavailable),
                esc(t.publish_no_key),
                esc(why)
            );
            return layout(ctx, t.publish_heading, &body);
        }
    };
    if !form.errors.is_empty() || form.general.is_some() {
        let _ = write!(
            body,
            "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" id=\"error-summary\"><h2>{}</h2><ul>",
            esc(t.form_has_errors)
        );
        let labels = form_labels(t);
        for (field, message) in &form.errors {
            let label = labels
                .iter()
                .find(|(f, _)| f == field)
                .map_or(field.as_str(), |(_, l)| l);
            let _ = write!(
                body,
                "<li><a href=\"#f-{}\">{}</a>: {}</li>",
                esc(field),
                esc(label),
                esc(message)
            );
        }
        if let Some(general) = &form.general {
            let _ = write!(body, "<li>{}</li>", esc(general));
        }
        body.push_str("</ul></div>");
    }
    let _ = write!(
        body,
        "<p>{}</p><p class=\"for\">{} <strong>{}</strong> ({})</p>",
        esc(t.publish_intro),
        esc(t.publish_for),
        esc(city),
        esc(country)
    );
    let _ = write!(
        body,
        "<form class=\"publish\" method=\"post\" action=\"/publish\" novalidate><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"ui\" value=\"{}\">",
        esc(csrf),
        ui.code()
    );

    let req = format!(" <span class=\"req\">({})</span>", esc(t.required));
    let opt = format!(" <span class=\"opt\">({})</span>", esc(t.optional));
    let error_html = |name: &str| -> (String, String) {
        match form.error(name) {
            Some(m) => (
                format!(
                    "<p class=\"field-error\" id=\"f-{name}-error\"><span aria-hidden=\"true\">⚠</span> {}</p>",
                    esc(m)
                ),
                format!(" aria-invalid=\"true\" aria-describedby=\"f-{name}-error\""),
            ),
            None => (String::new(), String::new()),
        }
    };
    let input = |name: &str,
                 label: &str,
                 marker: &str,
                 kind: &str,
                 hint: Option<&str>,
                 extra: &str| {
        let (error, aria) = error_html(name);
        let hint_html = hint
            .map(|h| format!("<p class=\"hint\" id=\"f-{name}-hint\">{}</p>", esc(h)))
            .unwrap_or_default();
        let aria = if hint.is_some() && aria.is_empty() {
            format!(" aria-describedby=\"f-{name}-hint\"")
        } else if hint.is_some() {
            aria.replace(
                "aria-describedby=\"",
                &format!("aria-describedby=\"f-{name}-hint "),
            )
        } else {
            aria
        };
        let invalid = if form.error(name).is_some() {
            " invalid"
        } else {
            ""
        };
        let control = if kind == "textarea" {
            format!(
                "<textarea id=\"f-{name}\" name=\"{name}\" rows=\"4\"{aria}{extra}>{}</textarea>",
                esc(form.value(name))
            )
        } else {
            format!(
                "<input type=\"{kind}\" id=\"f-{name}\" name=\"{name}\" value=\"{}\"{aria}{extra}>",
                esc(form.value(name))
            )
        };
        format!(
            "<div class=\"field{invalid}\"><label for=\"f-{name}\">{}{marker}</label>{hint_html}{error}{control}</div>",
            esc(label)
        )
    };

    // Language of the texts.
    let lang_value = match form.value("lang") {
        "" => ui.code(),
        v => v,
    };
    let (lang_error, lang_aria) = error_html("lang");
    let _ = write!(
        body,
        "<div class=\"field\"><label for=\"f-lang\">{}{req}</label>{lang_error}<select id=\"f-lang\" name=\"lang\"{lang_aria}>",
        esc(t.text_language)
    );
    let mut listed = false;
    for tag in FORM_LANGUAGES {
        let sel = if tag == lang_value {
            listed = true;
            " selected"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<option value=\"{tag}\"{sel}>{}</option>",
            esc(&language_name(tag))
        );
    }
    if !listed {
        let _ = write!(
            body,
            "<option value=\"{}\" selected>{}</option>",
            esc(lang_value),
            esc(lang_value)
        );
    }
    body.push_str("</select></div>");

    body.push_str(&input(
        "title",
        t.title,
        &req,
        "text",
        None,
        " maxlength=\"1024\"",
    ));
    body.push_str(&input("summary", t.summary, &req, "textarea", None, ""));

    // Commitments.
    let (c_error, _) = error_html("commitments");
    let invalid = if form.error("commitments").is_some() {
        " invalid"
    } else {
        ""
    };
    let described = if form.error("commitments").is_some() {
        " aria-describedby=\"f-commitments-error\""
    } else {
        ""
    };
    let _ = write!(
        body,
        "<fieldset class=\"field{invalid}\" id=\"f-commitments\" tabindex=\"-1\"{described}><legend>{}{req}</legend>{c_error}<div class=\"checks\">",
        esc(t.commitments)
    );
    for c in 1..=10u8 {
        let checked = if form.has("commitment", &c.to_string()) {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<div class=\"check\"><input type=\"checkbox\" id=\"f-c{c}\" name=\"commitment\" value=\"{c}\"{checked}><label for=\"f-c{c}\"><span class=\"cnum\" aria-hidden=\"true\">{c}</span> {}</label></div>",
            esc(ui.commitment(c))
        );
    }
    body.push_str("</div></fieldset>");

    let _ = write!(
        body,
        "<fieldset class=\"group\"><legend>{}</legend><div class=\"pair\">",
        esc(t.period)
    );
    body.push_str(&input(
        "period_start",
        t.period_start,
        &req,
        "text",
        Some(t.date_hint),
        " inputmode=\"numeric\" placeholder=\"2025-03\"",
    ));
    body.push_str(&input(
        "period_end",
        t.period_end,
        &opt,
        "text",
        Some(t.date_hint),
        " inputmode=\"numeric\"",
    ));
    body.push_str("</div></fieldset>");

    body.push_str(&input(
        "themes",
        t.themes,
        &opt,
        "text",
        Some(t.comma_hint),
        "",
    ));
    body.push_str(&input(
        "target_groups",
        t.target_groups,
        &opt,
        "text",
        Some(t.comma_hint),
        "",
    ));
    body.push_str(&input(
        "partners",
        t.partners,
        &opt,
        "textarea",
        Some(t.list_hint),
        "",
    ));
    body.push_str(&input(
        "links",
        t.links,
        &opt,
        "textarea",
        Some(t.list_hint),
        "",
    ));

    let more_open = [
        "body",
        "rationale",
        "approach",
        "results",
        "transferability",
    ]
    .iter()
    .any(|f| !form.value(f).is_empty() || form.error(f).is_some());
    let _ = write!(
        body,
        "<details class=\"more\"{}><summary>{}</summary>",
        if more_open { " open" } else { "" },
        esc(t.more_sections)
    );
    for (name, label) in [
        ("body", t.body),
        ("rationale", t.rationale),
        ("approach", t.approach),
        ("results", t.results_section),
        ("transferability", t.transferability),
    ] {
        body.push_str(&input(name, label, &opt, "textarea", None, ""));
    }
    body.push_str("</details>");

    let _ = write!(
        body,
        "<fieldset class=\"group\"><legend>{}</legend><div class=\"pair\">",
        esc(t.contact)
    );
    body.push_str(&input(
        "contact_name",
        t.contact_name,
        &opt,
        "text",
        None,
        " autocomplete=\"name\"",
    ));
    body.push_str(&input(
        "contact_email",
        t.contact_email,
        &opt,
        "email",
        None,
        " autocomplete=\"email\"",
    ));
    body.push_str("</div></fieldset>");

    let _ = write!(
        body,
        "<div class=\"actions\"><button type=\"submit\">{}</button></div></form>",
        esc(t.publish_button)
    );
    layout(ctx, t.publish_heading, &body)
}

/// A page for errors (404, bad parameters, failures).
pub fn error_page(ctx: &PageCtx, heading: &str, message: &str) -> String {
    let t = ctx.t();
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=\"{}\">{}</a></p>",
        esc(heading),
        esc(message),
        esc(&ctx.link("/", &[])),
        esc(t.back_to_search)
    );
    layout(ctx, heading, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(
            url_enc("Saint-Étienne & co"),
            "Saint-%C3%89tienne%20%26%20co"
        );
        assert_eq!(
            href("/", &[("q", "a b".into()), ("commitment", "3".into())]),
            "/?q=a%20b&commitment=3"
        );
    }
}
