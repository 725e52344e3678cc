//! The publish page: the form for the local city with its values and errors, or why it is not available.

use super::*;

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
                esc(&ctx.ui.field_error(message))
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
                    esc(&ctx.ui.field_error(m))
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

    // Grounds of discrimination (docs/grounds.toml), in the interface language.
    let (g_error, _) = error_html("grounds");
    let _ = write!(
        body,
        "<fieldset class=\"field\" id=\"f-grounds\" tabindex=\"-1\"><legend>{}{opt}</legend>{g_error}<div class=\"checks\">",
        esc(t.grounds)
    );
    for g in coalition_record::taxonomy::GROUNDS.iter() {
        let checked = if form.has("ground", g.code) {
            " checked"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<div class=\"check\"><input type=\"checkbox\" id=\"f-g-{code}\" name=\"ground\" value=\"{code}\"{checked}><label for=\"f-g-{code}\">{}</label></div>",
            esc(g.label(ui.code())),
            code = g.code,
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
