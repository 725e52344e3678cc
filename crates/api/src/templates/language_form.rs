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
pub(crate) const LANGUAGE_FIELDS: [&str; 7] = [
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
pub(crate) fn practice_texts_mut(p: &mut coalition_record::Practice) -> [&mut LangText; 7] {
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
) -> Markup {
    let Some(f) = form.filter(|f| f.local == v.author && v.is_current) else {
        return html! {};
    };
    let t = ctx.t();
    html! {
        section id="language-form" aria-labelledby="lv-h" {
            h2 id="lv-h" { (t.lv_heading) }
            p { (t.lv_help) }
            (language_links(ctx, v, f))
            @if let Some(error) = &f.language_error {
                p class="notice error" role="alert" { (error) }
            }
            @if let Some(lang) = f.edit_lang.as_deref() {
                (language_edit(ctx, v, f, lang))
            }
        }
    }
}

/// A link to edit each language the practice has and to add each interface language it lacks.
fn language_links(ctx: &PageCtx, v: &PracticeView, f: &ExchangeForm) -> Markup {
    let t = ctx.t();
    let p = &v.practice;
    let has = |code: &str| text_in(p, "title", code).is_some();
    let mut links: Vec<(String, bool)> = p.title.keys().map(|tag| (tag.clone(), true)).collect();
    links.extend(
        Ui::ALL
            .iter()
            .map(|ui| ui.code())
            .filter(|code| !has(code))
            .map(|code| (code.to_string(), false)),
    );
    html! {
        ul class="lv-links" {
            @for (tag, present) in &links {
                @let label = fill(
                    if *present { t.lv_edit } else { t.lv_add },
                    &[("lang", &language_name(tag))],
                );
                @let href = ctx.link(
                    &format!("/practice/{}", v.current_id),
                    &[("edit_lang", tag.clone())],
                );
                li {
                    a href={ (href) "#language-form" }
                        aria-current=[(f.edit_lang.as_deref() == Some(tag.as_str())).then_some("true")] {
                        (label)
                    }
                }
            }
        }
    }
}

/// The form for language `lang`: each text beside the same text in a reference language.
fn language_edit(ctx: &PageCtx, v: &PracticeView, f: &ExchangeForm, lang: &str) -> Markup {
    let t = ctx.t();
    let p = &v.practice;
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
    html! {
        form method="post" action="/exchange" class="exchange-form" id="language-edit" {
            input type="hidden" name="csrf" value=(f.csrf);
            input type="hidden" name="kind" value="language";
            input type="hidden" name="practice" value=(v.current_id.to_string());
            input type="hidden" name="ui" value=(ctx.ui.code());
            input type="hidden" name="lang" value=(lang);
            @for field in LANGUAGE_FIELDS {
                div class="lv-row" {
                    @match reference
                        .as_deref()
                        .and_then(|r| text_in(p, field, r).or(Some((r.to_string(), String::new()))))
                    {
                        Some((tag, text)) => {
                            div class="lv-ref" {
                                span class="lv-label" { (field_label(t, field)) " (" (language_name(&tag)) ")" }
                                div lang=(tag) dir="auto" { (paragraphs(&text)) }
                            }
                        }
                        None => { div {} }
                    }
                    (language_field(ctx, p, field, lang))
                }
            }
            button type="submit" { (t.lv_button) }
        }
    }
}

/// The field for one text in the language edited, with the practice's text in it when it has one.
fn language_field(
    ctx: &PageCtx,
    p: &coalition_record::Practice,
    field: &str,
    lang: &str,
) -> Markup {
    let t = ctx.t();
    let required = matches!(field, "title" | "summary");
    let current = text_in(p, field, lang)
        .map(|(_, text)| text)
        .unwrap_or_default();
    let id = format!("lv-{field}");
    html! {
        div {
            label for=(id) {
                (field_label(t, field)) " (" (language_name(lang)) ") "
                span class=(if required { "req" } else { "opt" }) {
                    "(" (if required { t.required } else { t.optional }) ")"
                }
            }
            @if field == "title" {
                input type="text" id=(id) name=(field) lang=(lang) value=(current) required[required];
            } @else {
                textarea id=(id) name=(field) lang=(lang) rows=(if field == "summary" { 3 } else { 5 })
                    required[required] { (current) }
            }
        }
    }
}
