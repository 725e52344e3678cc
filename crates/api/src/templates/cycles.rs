//! The reporting pages: `/cycles` (open cycles with the days left, past ones with who filed on
//! time) and `/cycle/{id}` (the questions and, for the local city, the form that saves a draft
//! and publishes the report), in the interface language.

use super::{esc, layout, FormState, PageCtx};
use crate::cycles::STATUSES;
use crate::i18n::Strings;
use coalition_audit::{CycleAudit, CyclesAudit};
use coalition_record::cycle::Cycle;
use coalition_record::schema::LangText;
use std::fmt::Write;

fn pick(text: &LangText, lang: &str) -> String {
    text.get(lang)
        .or_else(|| text.get("en"))
        .or_else(|| text.values().next())
        .cloned()
        .unwrap_or_default()
}

/// "on time", "late by 3 days", "due in 1 day", "missing", in the interface language.
fn state_text(t: &Strings, state: &str, days_late: Option<i64>, days_left: Option<i64>) -> String {
    let days = |n: i64, one: &str, many: &str| {
        if n == 1 {
            one.to_string()
        } else {
            many.replace("{n}", &n.to_string())
        }
    };
    match (state, days_late, days_left) {
        ("late", Some(d), _) => days(d, t.rc_late_by_one, t.rc_late_by),
        ("due", _, Some(d)) => days(d, t.rc_due_in_one, t.rc_due_in),
        ("on_time", _, _) => t.rc_on_time.into(),
        ("late", _, _) => t.rc_late.into(),
        ("missing", _, _) => t.rc_missing.into(),
        ("due", _, _) => t.rc_due.into(),
        (other, _, _) => other.into(),
    }
}

/// The cycles the local city still has to answer, for its page and `/cycles`.
pub fn reminders(ctx: &PageCtx, audit: &CyclesAudit, city: &str) -> String {
    let t = ctx.t();
    let mut out = String::new();
    for c in &audit.cycles {
        let Some(mine) = c.cities.iter().find(|x| x.city == city) else {
            continue;
        };
        if mine.state != "due" && mine.state != "missing" {
            continue;
        }
        let what = match mine.state.as_str() {
            "missing" => t.rc_missing_now.to_string(),
            _ => state_text(t, "due", None, mine.days_left),
        };
        let _ = write!(
            out,
            "<li class=\"reminder {state}\"><a href=\"{href}\">{period}: {title}</a>: {what} ({deadline_word} {deadline})</li>",
            state = esc(&mine.state),
            href = esc(&ctx.link(&format!("/cycle/{}", c.id), &[])),
            period = esc(&c.period),
            title = esc(&c.title),
            what = esc(&what),
            deadline_word = esc(t.rc_deadline),
            deadline = esc(&ctx.ui.date(&c.deadline)),
        );
    }
    if out.is_empty() {
        return out;
    }
    format!(
        "<section class=\"reminders\" aria-labelledby=\"reminders-h\"><h2 id=\"reminders-h\">{}</h2><ul>{out}</ul></section>",
        esc(t.rc_to_file)
    )
}

pub fn cycles_page(ctx: &PageCtx, audit: &CyclesAudit, local_city: Option<&str>) -> String {
    let t = ctx.t();
    let mut body = format!("<h1>{}</h1>\n", esc(t.rc_heading));
    if let Some(city) = local_city {
        body.push_str(&reminders(ctx, audit, city));
    }
    if audit.cycles.is_empty() {
        let _ = write!(body, "<p>{}</p>", esc(t.rc_none));
        return layout(ctx, t.rc_heading, &body);
    }
    let _ = write!(
        body,
        "<table class=\"cycles\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(t.rc_period),
        esc(t.rc_cycle),
        esc(t.rc_deadline),
        esc(t.rc_on_time),
        esc(t.rc_late),
        esc(t.rc_missing),
        esc(t.rc_due)
    );
    for c in audit.cycles.iter().rev() {
        let _ = write!(
            body,
            "<tr data-cycle=\"{id}\"><td>{period}</td><td><a href=\"{href}\">{title}</a></td><td>{deadline}{amended}</td><td>{on}</td><td>{late}</td><td>{missing}</td><td>{due}</td></tr>",
            id = c.id,
            period = esc(&c.period),
            href = esc(&ctx.link(&format!("/cycle/{}", c.id), &[])),
            title = esc(&c.title),
            deadline = esc(&ctx.ui.date(&c.deadline)),
            amended = c
                .original_deadline
                .as_ref()
                .map(|d| format!(" ({})", esc(&t.rc_extended_from.replace("{d}", &ctx.ui.date(d)))))
                .unwrap_or_default(),
            on = c.on_time,
            late = c.late,
            missing = c.missing,
            due = c.due,
        );
    }
    let _ = write!(
        body,
        "</tbody></table>\n<p>{} <a href=\"/audit#cycles\">{}</a>. {} <a href=\"/api/v1/cycles/indicators.csv\">{}</a>, <a href=\"/api/v1/cycles/timeliness.csv\">{}</a>.</p>",
        esc(t.rc_followup),
        esc(t.rc_audit_link),
        esc(t.rc_numbers),
        esc(t.rc_indicators_csv),
        esc(t.rc_timeliness_csv)
    );
    layout(ctx, t.rc_heading, &body)
}

/// What the form shows besides the fields.
pub enum CycleForm<'a> {
    /// Not the local city's node, or not signed in: the questions only, and why.
    Closed(&'a str),
    Open {
        csrf: &'a str,
        form: &'a FormState,
        notice: Option<&'a str>,
    },
}

pub fn cycle_page(
    ctx: &PageCtx,
    cycle: &Cycle,
    audit: Option<&CycleAudit>,
    form: CycleForm<'_>,
) -> String {
    let t_ = ctx.t();
    let lang = ctx.ui.code();
    let t = &cycle.terms;
    let terms = esc(t_.rc_opens)
        .replace("{o}", &esc(&ctx.ui.date(&t.opens)))
        .replace(
            "{d}",
            &format!(
                "<strong id=\"deadline\">{}</strong>",
                esc(&ctx.ui.date(&t.deadline))
            ),
        );
    let mut body = format!(
        "<h1>{period}: {title}</h1>\n<p class=\"cycle-terms\">{terms}{amended}. <code>{id}</code></p>",
        period = esc(&t.period),
        title = esc(&pick(&t.title, lang)),
        amended = if cycle.amended() {
            format!(" ({})", esc(t_.rc_amended))
        } else {
            String::new()
        },
        id = cycle.id.short(),
    );
    if let Some(a) = audit {
        let _ = write!(
            body,
            "<p>{}: {} · {}: {} · {}: {} · {}: {}</p>",
            esc(t_.rc_on_time),
            a.on_time,
            esc(t_.rc_late),
            a.late,
            esc(t_.rc_missing),
            a.missing,
            esc(t_.rc_due),
            a.due
        );
    }
    let (csrf, state, notice) = match form {
        CycleForm::Closed(why) => {
            let _ = write!(body, "<p class=\"note\">{}</p>", esc(why));
            ("", None, None)
        }
        CycleForm::Open { csrf, form, notice } => (csrf, Some(form), notice),
    };
    if let Some(n) = notice {
        let _ = write!(body, "<p class=\"notice\" role=\"status\">{}</p>", esc(n));
    }
    if let Some(general) = state.and_then(|f| f.general.as_deref()) {
        let _ = write!(
            body,
            "<p class=\"error\" role=\"alert\" id=\"form-error\">{}</p>",
            esc(general)
        );
    }
    let value = |name: &str| state.map(|f| f.value(name).to_string()).unwrap_or_default();
    let error = |name: &str| {
        state
            .and_then(|f| f.error(name))
            .map(|e| {
                format!(
                    "<p class=\"field-error\" id=\"{}-error\">{}</p>",
                    esc(name),
                    esc(e)
                )
            })
            .unwrap_or_default()
    };
    let required = format!(", {}", t_.rc_required);
    if state.is_some() {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/cycle/{}\" class=\"cycle-form\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"ui\" value=\"{}\">",
            cycle.id,
            esc(csrf),
            esc(lang)
        );
        let _ = write!(
            body,
            "<label for=\"narrative\">{}</label><textarea id=\"narrative\" name=\"narrative\" rows=\"3\">{}</textarea>",
            esc(t_.rc_overall),
            esc(&value("narrative"))
        );
    }
    for asked in &t.commitments {
        let c = asked.commitment;
        let _ = write!(
            body,
            "<fieldset class=\"commitment\" id=\"commitment-{c}\"><legend>{}: {}</legend>",
            esc(&t_.rc_commitment.replace("{c}", &c.to_string())),
            esc(ctx.ui.commitment(c))
        );
        let questions = pick(&asked.questions, lang);
        if !questions.is_empty() {
            let _ = write!(body, "<p class=\"questions\">{}</p>", esc(&questions));
        }
        let unit = |u: &str| {
            if u.is_empty() {
                String::new()
            } else {
                format!(" ({})", esc(u))
            }
        };
        if state.is_none() {
            body.push_str("<ul>");
            for spec in &asked.indicators {
                let _ = write!(
                    body,
                    "<li>{}{}{}</li>",
                    esc(&spec.name),
                    unit(&spec.unit),
                    if spec.required {
                        esc(&required)
                    } else {
                        String::new()
                    }
                );
            }
            body.push_str("</ul></fieldset>");
            continue;
        }
        let status_name = format!("status_{c}");
        let _ = write!(
            body,
            "<label for=\"{status_name}\">{}</label><select id=\"{status_name}\" name=\"{status_name}\" required><option value=\"\"></option>",
            esc(t_.rc_status)
        );
        let chosen = value(&status_name);
        for s in STATUSES {
            let _ = write!(
                body,
                "<option value=\"{code}\"{sel}>{label}</option>",
                code = s.as_str(),
                sel = if chosen == s.as_str() {
                    " selected"
                } else {
                    ""
                },
                label = esc(t_.report_status(s.as_str()))
            );
        }
        body.push_str("</select>");
        body.push_str(&error(&status_name));
        let narrative = format!("narrative_{c}");
        let _ = write!(
            body,
            "<label for=\"{narrative}\">{}{}</label><textarea id=\"{narrative}\" name=\"{narrative}\" rows=\"4\"{}>{}</textarea>{}",
            esc(t_.rc_narrative),
            if asked.narrative_required { esc(&required) } else { String::new() },
            if asked.narrative_required { " required" } else { "" },
            esc(&value(&narrative)),
            error(&narrative)
        );
        for (j, spec) in asked.indicators.iter().enumerate() {
            let name = format!("ind_{c}_{j}");
            let _ = write!(
                body,
                "<label for=\"{name}\">{}{}{}</label><input type=\"text\" id=\"{name}\" name=\"{name}\" inputmode=\"decimal\" value=\"{}\"{}>{}",
                esc(&spec.name),
                unit(&spec.unit),
                if spec.required { esc(&required) } else { String::new() },
                esc(&value(&name)),
                if spec.required { " required" } else { "" },
                error(&name)
            );
        }
        body.push_str(&error(&format!("ind_{c}")));
        body.push_str("</fieldset>");
    }
    if state.is_some() {
        // "Save draft" skips the browser's required-field check: a draft may be incomplete.
        let _ = write!(
            body,
            "<p class=\"actions\"><button type=\"submit\" name=\"action\" value=\"draft\" formnovalidate>{}</button> <button type=\"submit\" name=\"action\" value=\"publish\">{}</button></p><p class=\"note\">{}</p></form>",
            esc(t_.rc_save_draft),
            esc(t_.rc_publish),
            esc(t_.rc_draft_note)
        );
    }
    if let Some(a) = audit {
        let _ = write!(
            body,
            "<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(t_.rc_cities),
            esc(t_.rc_city),
            esc(t_.rc_state)
        );
        for city in &a.cities {
            let _ = write!(
                body,
                "<tr data-city=\"{}\" data-state=\"{}\"><td>{}</td><td>{}</td></tr>",
                esc(&city.city),
                esc(&city.state),
                esc(&city.city),
                esc(&state_text(t_, &city.state, city.days_late, city.days_left))
            );
        }
        body.push_str("</tbody></table>");
    }
    layout(ctx, &format!("{} {}", t_.rc_heading, t.period), &body)
}

/// Feedback on the city's reports, for its page.
pub fn feedback_section(
    ctx: &PageCtx,
    feedback: &[(
        String,
        coalition_record::PublicKey,
        coalition_record::LangText,
        i64,
    )],
) -> String {
    if feedback.is_empty() {
        return String::new();
    }
    let t = ctx.t();
    let mut out = format!(
        "<section class=\"feedback\" aria-labelledby=\"feedback-h\"><h2 id=\"feedback-h\">{}</h2><ul>",
        esc(t.rc_feedback)
    );
    for (period, signer, text, at) in feedback {
        let _ = write!(
            out,
            "<li><strong>{}</strong>: {} <span class=\"signed\">({} <code>{}</code>, {})</span></li>",
            esc(period),
            esc(&pick(text, ctx.ui.code())),
            esc(t.rc_signed_by),
            signer.short(),
            esc(&ctx.ui.date(&coalition_record::calendar::date_of_ms(*at)))
        );
    }
    out.push_str("</ul></section>");
    out
}
