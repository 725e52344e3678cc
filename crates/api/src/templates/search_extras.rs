//! Page parts of ranked search: the snippet with its matched words marked, the line that says
//! results were relaxed, the language a result matched in, the city that translated it, and the
//! related-practices section of a practice page.

use super::{language_name, PageCtx};
use crate::i18n::Ui;
use coalition_search::{Hit, Snippet};
use maud::{html, Markup};

/// A snippet as HTML: its text escaped, the words the query matched in `<mark>`. The page and the
/// JSON API's `snippet_html` both use it.
pub(crate) fn snippet_html(snippet: &Snippet) -> Markup {
    html! {
        @for (part, matched) in snippet.parts() {
            @if matched { mark { (part) } } @else { (part) }
        }
    }
}

/// Said when no practice matches all of the question's words.
pub(super) fn relaxed_text(ui: Ui) -> &'static str {
    ui.t().relaxed_notice
}

pub(super) fn relaxed_notice(ui: Ui) -> Markup {
    html! { p class="notice relaxed" role="status" { (relaxed_text(ui)) } }
}

/// "Matched in Nederlands", for the meta line of a hit whose text matched.
pub(super) fn matched_language(ui: Ui, hit: &Hit) -> Option<Markup> {
    let tag = hit.matched_lang.as_deref()?;
    Some(html! {
        span class="matched-lang" { (ui.t().matched_in) " " span lang=(tag) { (language_name(tag)) } }
    })
}

/// "Translated by Lindenfeld from Nederlands", when the hit shows another city's translation.
pub(super) fn translated_by(ui: Ui, hit: &Hit) -> Option<Markup> {
    let by = hit.translated_by.as_ref()?;
    let text = crate::i18n::fill(
        ui.t().tr_by,
        &[("city", &by.city), ("from", &language_name(&by.from_lang))],
    );
    Some(html! { span class="translated-by" { (text) } })
}

/// The practices most like this one, linked; nothing when there are none.
pub(super) fn related_section(ctx: &PageCtx, related: &[Hit]) -> Markup {
    if related.is_empty() {
        return html! {};
    }
    html! {
        section class="related" aria-labelledby="related-h" {
            h2 id="related-h" { (ctx.ui.t().related_practices) }
            ul {
                @for h in related {
                    li {
                        a href=(ctx.link(&format!("/practice/{}", h.id), &[])) lang=(h.lang) { (h.title) }
                        " "
                        span class="meta" {
                            (h.city) ", " (h.country) " · "
                            span lang=(h.lang) { (language_name(&h.lang)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_search::Highlight;

    #[test]
    fn snippets_mark_the_ranges_and_escape_the_rest() {
        let snippet = Snippet {
            text: "…klachten & <script>".into(),
            highlights: vec![Highlight { start: 3, end: 11 }],
        };
        assert_eq!(
            snippet_html(&snippet).into_string(),
            "…<mark>klachten</mark> &amp; &lt;script&gt;"
        );
    }
}
