//! The practice page's language versions, for the signed-in local city's own practice in force:
//! links to add a language or edit one it has, and the form for the chosen language with each
//! text beside the same text in a language the practice already has.

use super::exchange::ExchangeForm;
use super::practice::paragraphs;
use super::*;
use crate::i18n::fill;
use crate::views::PracticeView;
use coalition_record::schema::primary_tag;

/// The practice texts the form edits, with their form field names, in the page's order.
pub const LANGUAGE_FIELDS: [&str; 7] = [
    "title",
    "summary",
    "body",
    "rationale",
    "approach",
    "results",
    "transferability",
];

/// A practice's texts, in the order of [`LANGUAGE_FIELDS`].
fn practice_texts(p: &coalition_record::Practice) -> [&LangText; 7] {
    [
        &p.title,
        &p.summary,
        &p.body,
        &p.rationale,
        &p.approach,
        &p.results,
        &p.transferability,
    ]
}

/// As [`practice_texts`], to change them (the language form's revision).
pub fn practice_texts_mut(p: &mut coalition_record::Practice) -> [&mut LangText; 7] {
    [
        &mut p.title,
        &mut p.summary,
        &mut p.body,
        &mut p.rationale,
        &mut p.approach,
        &mut p.results,
        &mut p.transferability,
    ]
}

fn field_label(t: &Strings, field: &str) -> &'static str {
    match field {
        "title" => t.title,
        "summary" => t.summary,
        "body" => t.body,
        "rationale" => t.rationale,
        "approach" => t.approach,
        "results" => t.results_section,
        _ => t.transferability,
    }
}

/// The text of `field` in the language whose primary subtag is `lang`'s, if the practice has it.
fn text_in(p: &coalition_record::Practice, field: &str, lang: &str) -> Option<(String, String)> {
    let at = LANGUAGE_FIELDS.iter().position(|f| *f == field)?;
    practice_texts(p)[at]
        .iter()
        .find(|(tag, _)| primary_tag(tag) == primary_tag(lang))
        .map(|(tag, text)| (tag.clone(), text.clone()))
}

/// The section, or nothing when the practice is not the local city's own, in force.
pub(super) fn language_section(
    ctx: &PageCtx,
    v: &PracticeView,
    form: Option<&ExchangeForm>,
) -> String {
    let Some(f) = form.filter(|f| f.local == v.author && v.is_current) else {
        return String::new();
    };
    let t = ctx.t();
    let p = &v.practice;
    let mut body = format!(
        "<section id=\"language-form\" aria-labelledby=\"lv-h\"><h2 id=\"lv-h\">{}</h2><p>{}</p><ul class=\"lv-links\">",
        esc(t.lv_heading),
        esc(t.lv_help)
    );
    let has = |code: &str| text_in(p, "title", code).is_some();
    let mut links: Vec<(String, bool)> = p.title.keys().map(|tag| (tag.clone(), true)).collect();
    links.extend(
        Ui::ALL
            .iter()
            .map(|ui| ui.code())
            .filter(|code| !has(code))
            .map(|code| (code.to_string(), false)),
    );
    for (tag, present) in &links {
        let label = fill(
            if *present { t.lv_edit } else { t.lv_add },
            &[("lang", &language_name(tag))],
        );
        let current = f.edit_lang.as_deref() == Some(tag.as_str());
        let _ = write!(
            body,
            "<li><a href=\"{}#language-form\"{}>{}</a></li>",
            esc(&ctx.link(
                &format!("/practice/{}", v.current_id),
                &[("edit_lang", tag.clone())]
            )),
            if current {
                " aria-current=\"true\""
            } else {
                ""
            },
            esc(&label)
        );
    }
    body.push_str("</ul>");
    if let Some(error) = &f.language_error {
        let _ = write!(
            body,
            "<p class=\"notice error\" role=\"alert\">{}</p>",
            esc(error)
        );
    }
    if let Some(lang) = f.edit_lang.as_deref() {
        // Beside each text: the same text in the page's language when the practice has it and it
        // is not the one edited, else in the practice's first other language.
        let reference = p
            .title
            .keys()
            .find(|tag| primary_tag(tag) == ctx.ui.code() && primary_tag(tag) != primary_tag(lang))
            .or_else(|| {
                p.title
                    .keys()
                    .find(|tag| primary_tag(tag) != primary_tag(lang))
            })
            .cloned();
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/exchange\" class=\"exchange-form\" id=\"language-edit\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"kind\" value=\"language\"><input type=\"hidden\" name=\"practice\" value=\"{}\"><input type=\"hidden\" name=\"ui\" value=\"{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">",
            esc(&f.csrf),
            v.current_id,
            ctx.ui.code(),
            esc(lang)
        );
        for field in LANGUAGE_FIELDS {
            let label = field_label(t, field);
            let required = matches!(field, "title" | "summary");
            body.push_str("<div class=\"lv-row\">");
            match reference
                .as_deref()
                .and_then(|r| text_in(p, field, r).or(Some((r.to_string(), String::new()))))
            {
                Some((tag, text)) => {
                    let _ = write!(
                        body,
                        "<div class=\"lv-ref\"><span class=\"lv-label\">{} ({})</span><div lang=\"{}\" dir=\"auto\">{}</div></div>",
                        esc(label),
                        esc(&language_name(&tag)),
                        esc(&tag),
                        paragraphs(&text)
                    );
                }
                None => body.push_str("<div></div>"),
            }
            let current = text_in(p, field, lang)
                .map(|(_, text)| text)
                .unwrap_or_default();
            let id = format!("lv-{field}");
            let control = if field == "title" {
                format!(
                    "<input type=\"text\" id=\"{id}\" name=\"{field}\" lang=\"{}\" value=\"{}\"{}>",
                    esc(lang),
                    esc(&current),
                    if required { " required" } else { "" }
                )
            } else {
                format!(
                    "<textarea id=\"{id}\" name=\"{field}\" lang=\"{}\" rows=\"{}\"{}>{}</textarea>",
                    esc(lang),
                    if field == "summary" { 3 } else { 5 },
                    if required { " required" } else { "" },
                    esc(&current)
                )
            };
            let _ = write!(
                body,
                "<div><label for=\"{id}\">{} ({}) <span class=\"{}\">({})</span></label>{control}</div></div>",
                esc(label),
                esc(&language_name(lang)),
                if required { "req" } else { "opt" },
                esc(if required { t.required } else { t.optional }),
            );
        }
        let _ = write!(
            body,
            "<button type=\"submit\">{}</button></form>",
            esc(t.lv_button)
        );
    }
    body.push_str("</section>");
    body
}
