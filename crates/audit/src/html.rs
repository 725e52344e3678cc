//! Shared pieces of the audit's HTML (the report page and the cycle charts), which is written
//! with `maud`: every text spliced into it is escaped by the macro, so there is no escaping here.

use coalition_i18n::{fill_pieces, Piece};
use maud::{html, Markup};

/// `ok` or `bad`: the class of a figure that is fine or calls for attention.
pub(crate) fn ok_or_bad(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "bad"
    }
}

/// A translated template whose placeholders stand for markup (a date in `<strong>`, an id in
/// `<code>`): the template's own text is escaped, each `{name}` is replaced by its markup, and
/// an unknown `{…}` stays as text, as [`coalition_i18n::fill`] does with plain values.
pub(crate) fn fill_markup(template: &str, values: &[(&str, Markup)]) -> Markup {
    html! {
        @for piece in fill_pieces(template, values) {
            @match piece {
                Piece::Text(text) => (text),
                Piece::Value(markup) => (markup),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_text_is_escaped_and_placeholders_take_markup() {
        let filled = fill_markup(
            "l'ouverture <{o}> & {d}, {unknown}",
            &[
                ("o", html! { "1 < 2" }),
                ("d", html! { strong { "31 mars" } }),
            ],
        );
        assert_eq!(
            filled.into_string(),
            "l'ouverture &lt;1 &lt; 2&gt; &amp; <strong>31 mars</strong>, {unknown}"
        );
    }
}
