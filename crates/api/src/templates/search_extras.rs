//! Page parts of ranked search: the line that says results were relaxed, the language a result
//! matched in, the city that translated it, and the related-practices section of a practice page.

use super::{esc, language_name, PageCtx};
use crate::i18n::Ui;
use coalition_search::Hit;
use std::fmt::Write as _;

/// Said when no practice matches all of the question's words.
pub fn relaxed_text(ui: Ui) -> &'static str {
    ui.t().relaxed_notice
}

pub fn relaxed_notice(ui: Ui) -> String {
    format!(
        "<p class=\"notice relaxed\" role=\"status\">{}</p>",
        esc(relaxed_text(ui))
    )
}

/// "Matched in Nederlands", for the meta line of a hit whose text matched.
pub fn matched_language(ui: Ui, hit: &Hit) -> Option<String> {
    let tag = hit.matched_lang.as_deref()?;
    let label = ui.t().matched_in;
    Some(format!(
        "<span class=\"matched-lang\">{} <span lang=\"{}\">{}</span></span>",
        esc(label),
        esc(tag),
        esc(&language_name(tag))
    ))
}

/// "Translated by Lindenfeld from Nederlands", when the hit shows another city's translation.
pub fn translated_by(ui: Ui, hit: &Hit) -> Option<String> {
    let by = hit.translated_by.as_ref()?;
    Some(format!(
        "<span class=\"translated-by\">{}</span>",
        esc(&crate::i18n::fill(
            ui.t().tr_by,
            &[("city", &by.city), ("from", &language_name(&by.from_lang))]
        ))
    ))
}

/// The practices most like this one, linked; nothing when there are none.
pub fn related_section(ctx: &PageCtx, related: &[Hit]) -> String {
    if related.is_empty() {
        return String::new();
    }
    let heading = ctx.ui.t().related_practices;
    let mut out = format!(
        "<section class=\"related\" aria-labelledby=\"related-h\"><h2 id=\"related-h\">{}</h2><ul>",
        esc(heading)
    );
    for h in related {
        let _ = write!(
            out,
            "<li><a href=\"{url}\" lang=\"{lang}\">{title}</a> <span class=\"meta\">{city}, {country} · <span lang=\"{lang}\">{language}</span></span></li>",
            url = esc(&ctx.link(&format!("/practice/{}", h.id), &[])),
            lang = esc(&h.lang),
            title = esc(&h.title),
            city = esc(&h.city),
            country = esc(&h.country),
            language = esc(&language_name(&h.lang)),
        );
    }
    out.push_str("</ul></section>");
    out
}
