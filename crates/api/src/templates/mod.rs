//! HTML of the web page: plain functions that build strings, every piece of content passed
//! through [`esc`]. The only HTML not escaped here is the search snippet, which the search index
//! builds from escaped text and `<mark>` tags.
//!
//! Layout: a skip link, a header with the site name, the main navigation and the interface
//! language switch, one `<main>`, a footer with the node's state. Styles and script are served
//! from the binary (`/assets/app.css`, `/assets/app.js`); nothing is loaded from elsewhere.

use crate::i18n::{Strings, Ui};
use crate::time::date_of_ms;
use crate::views::{CityDetail, CityView, PracticeView, ReportItem};
use coalition_record::LangText;
use coalition_search::{SearchQuery, SearchResults};
use std::fmt::Write as _;

mod cities;
mod cycles;
mod exchange;
mod language_form;
mod practice;
mod publish;
mod search;
mod search_extras;

pub use cities::{cities_page, city_page};
pub use cycles::{cycle_page, cycles_page, feedback_section, reminders, CycleForm};
pub use exchange::{exchange_page, ExchangeForm};
pub use language_form::{practice_texts_mut, LANGUAGE_FIELDS};
pub use practice::practice_page;
pub use publish::{publish_page, FormState, PublishAccess};
pub use search::search_page;

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

/// A date (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`) as the reader's language writes it, machine-readable
/// in `datetime`.
pub fn when(ui: Ui, iso: &str) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        esc(iso),
        esc(&ui.date(iso))
    )
}

/// The name of a language in itself, for the common tags; the tag otherwise.
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
    Exchange,
    Reporting,
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
<nav aria-label="{nav_label}"><ul class="nav">{search}{cities}{exchange}{reporting}{publish}</ul></nav>
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
        exchange = nav_item(Nav::Exchange, "/exchange", t.exchange_nav),
        reporting = nav_item(Nav::Reporting, "/cycles", t.reporting_nav),
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

pub(super) fn commitment_badges(ui: Ui, commitments: &[u8]) -> String {
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

pub(super) fn kind_label(t: &Strings, kind: &str) -> &'static str {
    match kind {
        "report" => t.kind_report,
        "update" => t.kind_update,
        _ => t.kind_practice,
    }
}

pub(super) fn select(
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
