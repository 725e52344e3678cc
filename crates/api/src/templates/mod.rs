//! HTML of the web page, built with maud's `html!`: every piece of text and every attribute
//! value is escaped by maud, the one HTML escaper of this crate. Nothing else is written into a
//! page unescaped; the search snippet is text with highlight ranges, marked up here.
//!
//! Layout: a skip link, a header with the site name, the main navigation and the interface
//! language switch, one `<main>`, a footer with the node's state. Styles and script are served
//! from the binary (`/assets/app.css`, `/assets/app.js`); nothing is loaded from elsewhere.

use crate::i18n::{Strings, Ui};
use crate::time::date_of_ms;
use crate::views::{CityDetail, CityView, PracticeView, ReportItem};
use coalition_record::LangText;
use coalition_search::{SearchQuery, SearchResults};
use maud::{html, Markup, DOCTYPE};
use std::fmt::Write as _;

mod cities;
mod cycles;
mod exchange;
mod language_form;
mod practice;
mod publish;
mod search;
mod search_extras;

pub(crate) use cities::{cities_page, city_page};
pub(crate) use cycles::{cycle_page, cycles_page, feedback_section, reminders, CycleForm};
pub(crate) use exchange::{exchange_page, ExchangeForm};
pub(crate) use language_form::{practice_texts_mut, LANGUAGE_FIELDS};
pub(crate) use practice::practice_page;
pub(crate) use publish::{publish_page, FormState, PublishAccess};
pub(crate) use search::search_page;
pub(crate) use search_extras::snippet_html;

/// Percent-encodes a query-string or path component.
pub(crate) fn url_enc(text: &str) -> String {
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
pub(crate) fn href(path: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", url_enc(k), url_enc(v)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// A date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) as the reader's language writes it, machine-readable
/// in `datetime`.
pub(crate) fn when(ui: Ui, iso: &str) -> Markup {
    html! { time datetime=(iso) { (ui.date(iso)) } }
}

/// The name of a language in itself, for the common tags; the tag otherwise.
pub(crate) fn language_name(tag: &str) -> String {
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
pub(crate) const FORM_LANGUAGES: [&str; 12] = [
    "en", "fr", "de", "es", "it", "nl", "pt", "pl", "sv", "ca", "el", "ar",
];

/// What every page shows around its content.
pub(crate) struct PageCtx {
    pub ui: Ui,
    /// The page's path and its query without `ui`, for the language switch.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub coalition: String,
    pub nav: Nav,
    pub footer: Footer,
    /// The signed-in browser's CSRF token: the page then starts with the sign-out button.
    pub signout: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Search,
    Cities,
    Exchange,
    Reporting,
    Publish,
    None,
}

pub(crate) struct Footer {
    pub city: Option<String>,
    pub entries: u64,
    pub peers: usize,
    pub sync_state: crate::SyncState,
    pub network_id: String,
}

impl PageCtx {
    fn t(&self) -> &'static Strings {
        self.ui.t()
    }

    /// A link within the site that keeps the interface language.
    pub(crate) fn link(&self, path: &str, pairs: &[(&str, String)]) -> String {
        let mut all: Vec<(&str, String)> = pairs.to_vec();
        if self.ui != Ui::En {
            all.push(("ui", self.ui.code().to_string()));
        }
        href(path, &all)
    }

    /// This page, with its query, in the interface language `ui`.
    fn in_language(&self, ui: Ui) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("ui", ui.code().to_string()));
        href(&self.path, &pairs)
    }
}

/// The page around `body`: head, skip link, header with navigation and language switch, `<main>`
/// (with the sign-out button first when the browser is signed in) and the footer.
pub(crate) fn layout(ctx: &PageCtx, title: &str, body: Markup) -> String {
    let t = ctx.t();
    html! {
        (DOCTYPE)
        html lang=(ctx.ui.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (ctx.coalition) }
                link rel="icon" href="data:,";
                link rel="stylesheet" href="/assets/app.css";
                script src="/assets/app.js" defer {}
            }
            body {
                a class="skip" href="#main" { (t.skip_to_content) }
                (site_header(ctx))
                main id="main" tabindex="-1" {
                    @if let Some(csrf) = &ctx.signout {
                        form class="signout" method="post" action="/signout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { (t.sign_out) }
                        }
                    }
                    (body)
                }
                (site_footer(ctx))
            }
        }
    }
    .into_string()
}

fn site_header(ctx: &PageCtx) -> Markup {
    let t = ctx.t();
    let nav_item = |nav: Nav, path: &str, label: &str| {
        html! {
            li { a href=(ctx.link(path, &[])) aria-current=[(ctx.nav == nav).then_some("page")] { (label) } }
        }
    };
    html! {
        header class="site" {
            div class="bar" {
                p class="brand" {
                    a href=(ctx.link("/", &[])) { (ctx.coalition) }
                    span class="tagline" { (t.site_tagline) }
                }
                nav aria-label=(t.nav_label) {
                    ul class="nav" {
                        (nav_item(Nav::Search, "/", t.nav_search))
                        (nav_item(Nav::Cities, "/cities", t.nav_cities))
                        (nav_item(Nav::Exchange, "/exchange", t.exchange_nav))
                        (nav_item(Nav::Reporting, "/cycles", t.reporting_nav))
                        (nav_item(Nav::Publish, "/publish", t.nav_publish))
                    }
                }
                nav aria-label=(t.language_label) {
                    ul class="langs" { (language_switch(ctx)) }
                }
            }
        }
    }
}

/// One link per interface language, to this page with the same query.
fn language_switch(ctx: &PageCtx) -> Markup {
    html! {
        @for ui in Ui::ALL {
            li {
                a href=(ctx.in_language(ui)) lang=(ui.code()) hreflang=(ui.code())
                    aria-current=[(ui == ctx.ui).then_some("true")] { (ui.native_name()) }
            }
        }
    }
}

fn site_footer(ctx: &PageCtx) -> Markup {
    let t = ctx.t();
    let f = &ctx.footer;
    let state = match f.sync_state {
        crate::SyncState::Synced => t.sync_synced,
        crate::SyncState::Syncing => t.sync_syncing,
        crate::SyncState::Degraded => t.sync_degraded,
        crate::SyncState::Offline => t.sync_offline,
    };
    html! {
        footer class="site" {
            p {
                (t.footer_node)
                @if let Some(city) = &f.city { " · " (city) }
                " · " (f.entries) " " (t.entries)
                " · " (f.peers) " " (t.peers)
                " · " (t.network) ": " (state)
                " · " code { (f.network_id) }
            }
        }
    }
}

pub(super) fn commitment_badges(ui: Ui, commitments: &[u8]) -> Markup {
    html! {
        ul class="commitments" {
            @for c in commitments {
                li { span class="cnum" aria-hidden="true" { (c) } " " (ui.commitment(*c)) }
            }
        }
    }
}

pub(super) fn kind_label(t: &Strings, kind: &str) -> &'static str {
    match kind {
        "report" => t.kind_report,
        "update" => t.kind_update,
        _ => t.kind_practice,
    }
}

/// A labelled `<select>` with an "any" option first; a selected value not among `options` is
/// still shown, selected.
pub(super) fn select(
    id: &str,
    name: &str,
    label: &str,
    any: &str,
    options: &[(String, String)],
    selected: Option<&str>,
) -> Markup {
    let listed = options
        .iter()
        .any(|(value, _)| Some(value.as_str()) == selected);
    html! {
        div class="field" {
            label for=(id) { (label) }
            select id=(id) name=(name) {
                option value="" { (any) }
                @for (value, text) in options {
                    option value=(value) selected[Some(value.as_str()) == selected] { (text) }
                }
                @if let (false, Some(value)) = (listed, selected) {
                    option value=(value) selected { (value) }
                }
            }
        }
    }
}

/// `template` as text, each `{name}` in it replaced by that name's markup (one pass, as
/// [`crate::i18n::fill`]; an unknown `{…}` stays as text).
pub(super) fn fill_markup(template: &str, parts: &[(&str, Markup)]) -> Markup {
    html! {
        @for piece in crate::i18n::fill_pieces(template, parts) {
            @match piece {
                crate::i18n::Piece::Text(text) => (text),
                crate::i18n::Piece::Value(markup) => (markup),
            }
        }
    }
}

pub(super) fn counted<T: ToString>(
    items: &[(T, u64)],
    name: impl Fn(&T) -> String,
) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(v, n)| (v.to_string(), format!("{} ({n})", name(v))))
        .collect()
}

/// A page for errors (404, bad parameters, failures).
pub(crate) fn error_page(ctx: &PageCtx, heading: &str, message: &str) -> String {
    let t = ctx.t();
    let body = html! {
        h1 { (heading) }
        p { (message) }
        p { a href=(ctx.link("/", &[])) { (t.back_to_search) } }
    };
    layout(ctx, heading, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let tricky = "<a href=\"x\">'&'</a>";
        let page = html! { p title=(tricky) { (tricky) } }.into_string();
        assert_eq!(
            page,
            "<p title=\"&lt;a href=&quot;x&quot;&gt;'&amp;'&lt;/a&gt;\">&lt;a href=&quot;x&quot;&gt;'&amp;'&lt;/a&gt;</p>"
        );
    }

    #[test]
    fn placeholders_take_markup_and_the_rest_is_escaped() {
        let filled = fill_markup(
            "from {o} to {d} & on",
            &[
                ("d", html! { strong { "3 <May>" } }),
                ("o", html! { "1 May" }),
            ],
        );
        assert_eq!(
            filled.into_string(),
            "from 1 May to <strong>3 &lt;May&gt;</strong> &amp; on"
        );
    }

    #[test]
    fn urls() {
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
