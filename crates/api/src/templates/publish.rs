//! The publish page: the form for the local city with its values and errors, or why it is not available.

use super::*;

/// The publish form's values (as typed) and errors (form field → message).
#[derive(Debug, Default, Clone)]
pub(crate) struct FormState {
    pub values: Vec<(String, String)>,
    pub errors: Vec<(String, String)>,
    /// An error not tied to one field.
    pub general: Option<String>,
}

impl FormState {
    pub(crate) fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub(crate) fn has(&self, name: &str, value: &str) -> bool {
        self.values.iter().any(|(k, v)| k == name && v == value)
    }

    pub(crate) fn error(&self, name: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, m)| m.as_str())
    }
}

/// Why the form cannot be used here, if it cannot.
pub(crate) enum PublishAccess {
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
pub(crate) fn publish_page(
    ctx: &PageCtx,
    access: &PublishAccess,
    csrf: &str,
    form: &FormState,
) -> String {
    let t = ctx.t();
    let body = html! {
        h1 { (t.publish_heading) }
        @match access {
            PublishAccess::NotLoopback => {
                div class="notice" { h2 { (t.publish_unavailable) } p { (t.publish_loopback_only) } }
            }
            PublishAccess::NoKey(why) => {
                div class="notice" {
                    h2 { (t.publish_unavailable) } p { (t.publish_no_key) } p { (why) }
                }
            }
            PublishAccess::Open { city, country } => {
                (error_summary(ctx, form))
                p { (t.publish_intro) }
                p class="for" { (t.publish_for) " " strong { (city) } " (" (country) ")" }
                (publish_form(ctx, csrf, form))
            }
        }
    };
    layout(ctx, t.publish_heading, body)
}

/// The form's errors, each linked to its field; nothing when there are none.
fn error_summary(ctx: &PageCtx, form: &FormState) -> Markup {
    let t = ctx.t();
    if form.errors.is_empty() && form.general.is_none() {
        return html! {};
    }
    let labels = form_labels(t);
    html! {
        div class="error-summary" role="alert" tabindex="-1" id="error-summary" {
            h2 { (t.form_has_errors) }
            ul {
                @for (field, message) in &form.errors {
                    @let label = labels.iter().find(|(f, _)| f == field).map_or(field.as_str(), |(_, l)| l);
                    li { a href={ "#f-" (field) } { (label) } ": " (ctx.ui.field_error(message)) }
                }
                @if let Some(general) = &form.general {
                    li { (general) }
                }
            }
        }
    }
}

/// Attributes of a text field besides its name and value.
#[derive(Default, Clone, Copy)]
struct Extra {
    maxlength: Option<&'static str>,
    inputmode: Option<&'static str>,
    placeholder: Option<&'static str>,
    autocomplete: Option<&'static str>,
}

/// One field of the form: its label with "required" or "optional", its hint and error, and the
/// control with the value as typed.
struct Field<'a> {
    name: &'a str,
    label: &'a str,
    required: bool,
    /// "text", "email" or "textarea".
    kind: &'a str,
    hint: Option<&'a str>,
    extra: Extra,
}

impl<'a> Field<'a> {
    fn new(name: &'a str, label: &'a str, required: bool, kind: &'a str) -> Self {
        Field {
            name,
            label,
            required,
            kind,
            hint: None,
            extra: Extra::default(),
        }
    }

    fn hint(self, hint: &'a str) -> Self {
        Field {
            hint: Some(hint),
            ..self
        }
    }

    fn extra(self, extra: Extra) -> Self {
        Field { extra, ..self }
    }
}

/// " (required)" or " (optional)", after a label.
fn marker(t: &Strings, required: bool) -> Markup {
    html! {
        " "
        @if required {
            span class="req" { "(" (t.required) ")" }
        } @else {
            span class="opt" { "(" (t.optional) ")" }
        }
    }
}

/// A field's error message, with the warning sign.
fn field_error(ctx: &PageCtx, form: &FormState, name: &str) -> Markup {
    html! {
        @if let Some(m) = form.error(name) {
            p class="field-error" id={ "f-" (name) "-error" } {
                span aria-hidden="true" { "⚠" } " " (ctx.ui.field_error(m))
            }
        }
    }
}

fn field(ctx: &PageCtx, form: &FormState, f: Field<'_>) -> Markup {
    let name = f.name;
    let invalid = form.error(name).is_some();
    let hint_id = format!("f-{name}-hint");
    let error_id = format!("f-{name}-error");
    let described: Vec<&str> = [(f.hint.is_some(), &hint_id), (invalid, &error_id)]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, id)| id.as_str())
        .collect();
    let described = (!described.is_empty()).then(|| described.join(" "));
    let id = format!("f-{name}");
    let x = f.extra;
    html! {
        div class=(if invalid { "field invalid" } else { "field" }) {
            label for=(id) { (f.label) (marker(ctx.t(), f.required)) }
            @if let Some(hint) = f.hint {
                p class="hint" id=(hint_id) { (hint) }
            }
            (field_error(ctx, form, name))
            @if f.kind == "textarea" {
                textarea id=(id) name=(name) rows="4" aria-invalid=[invalid.then_some("true")]
                    aria-describedby=[described] { (form.value(name)) }
            } @else {
                input type=(f.kind) id=(id) name=(name) value=(form.value(name))
                    aria-invalid=[invalid.then_some("true")] aria-describedby=[described]
                    maxlength=[x.maxlength] inputmode=[x.inputmode] placeholder=[x.placeholder]
                    autocomplete=[x.autocomplete];
            }
        }
    }
}

/// The form: language, title, summary, commitments, grounds, period, lists, more sections and
/// contact.
fn publish_form(ctx: &PageCtx, csrf: &str, form: &FormState) -> Markup {
    let t = ctx.t();
    let row = |f: Field<'_>| field(ctx, form, f);
    let more_open = [
        "body",
        "rationale",
        "approach",
        "results",
        "transferability",
    ]
    .iter()
    .any(|f| !form.value(f).is_empty() || form.error(f).is_some());
    html! {
        form class="publish" method="post" action="/publish" novalidate {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="ui" value=(ctx.ui.code());
            (language_select(ctx, form))
            (row(Field::new("title", t.title, true, "text").extra(Extra { maxlength: Some("1024"), ..Extra::default() })))
            (row(Field::new("summary", t.summary, true, "textarea")))
            (commitment_checks(ctx, form))
            (ground_checks(ctx, form))
            fieldset class="group" {
                legend { (t.period) }
                div class="pair" {
                    (row(Field::new("period_start", t.period_start, true, "text").hint(t.date_hint)
                        .extra(Extra { inputmode: Some("numeric"), placeholder: Some("2025-03"), ..Extra::default() })))
                    (row(Field::new("period_end", t.period_end, false, "text").hint(t.date_hint)
                        .extra(Extra { inputmode: Some("numeric"), ..Extra::default() })))
                }
            }
            (row(Field::new("themes", t.themes, false, "text").hint(t.comma_hint)))
            (row(Field::new("target_groups", t.target_groups, false, "text").hint(t.comma_hint)))
            (row(Field::new("partners", t.partners, false, "textarea").hint(t.list_hint)))
            (row(Field::new("links", t.links, false, "textarea").hint(t.list_hint)))
            details class="more" open[more_open] {
                summary { (t.more_sections) }
                @for (name, label) in [
                    ("body", t.body),
                    ("rationale", t.rationale),
                    ("approach", t.approach),
                    ("results", t.results_section),
                    ("transferability", t.transferability),
                ] {
                    (row(Field::new(name, label, false, "textarea")))
                }
            }
            fieldset class="group" {
                legend { (t.contact) }
                div class="pair" {
                    (row(Field::new("contact_name", t.contact_name, false, "text")
                        .extra(Extra { autocomplete: Some("name"), ..Extra::default() })))
                    (row(Field::new("contact_email", t.contact_email, false, "email")
                        .extra(Extra { autocomplete: Some("email"), ..Extra::default() })))
                }
            }
            div class="actions" { button type="submit" { (t.publish_button) } }
        }
    }
}

/// The language of the texts: the form's languages, and the value typed if it is another.
fn language_select(ctx: &PageCtx, form: &FormState) -> Markup {
    let lang_value = match form.value("lang") {
        "" => ctx.ui.code(),
        v => v,
    };
    let invalid = form.error("lang").is_some();
    html! {
        div class="field" {
            label for="f-lang" { (ctx.t().text_language) (marker(ctx.t(), true)) }
            (field_error(ctx, form, "lang"))
            select id="f-lang" name="lang" aria-invalid=[invalid.then_some("true")]
                aria-describedby=[invalid.then_some("f-lang-error")] {
                @for tag in FORM_LANGUAGES {
                    option value=(tag) selected[tag == lang_value] { (language_name(tag)) }
                }
                @if !FORM_LANGUAGES.contains(&lang_value) {
                    option value=(lang_value) selected { (lang_value) }
                }
            }
        }
    }
}

/// The ten commitments, checked as typed.
fn commitment_checks(ctx: &PageCtx, form: &FormState) -> Markup {
    let invalid = form.error("commitments").is_some();
    html! {
        fieldset class=(if invalid { "field invalid" } else { "field" }) id="f-commitments" tabindex="-1"
            aria-describedby=[invalid.then_some("f-commitments-error")] {
            legend { (ctx.t().commitments) (marker(ctx.t(), true)) }
            (field_error(ctx, form, "commitments"))
            div class="checks" {
                @for c in 1..=10u8 {
                    div class="check" {
                        input type="checkbox" id={ "f-c" (c) } name="commitment" value=(c)
                            checked[form.has("commitment", &c.to_string())];
                        label for={ "f-c" (c) } {
                            span class="cnum" aria-hidden="true" { (c) } " " (ctx.ui.commitment(c))
                        }
                    }
                }
            }
        }
    }
}

/// Grounds of discrimination (docs/grounds.toml), in the interface language.
fn ground_checks(ctx: &PageCtx, form: &FormState) -> Markup {
    html! {
        fieldset class="field" id="f-grounds" tabindex="-1" {
            legend { (ctx.t().grounds) (marker(ctx.t(), false)) }
            (field_error(ctx, form, "grounds"))
            div class="checks" {
                @for g in coalition_record::taxonomy::GROUNDS.iter() {
                    div class="check" {
                        input type="checkbox" id={ "f-g-" (g.code) } name="ground" value=(g.code)
                            checked[form.has("ground", g.code)];
                        label for={ "f-g-" (g.code) } { (g.label(ctx.ui.code())) }
                    }
                }
            }
        }
    }
}
