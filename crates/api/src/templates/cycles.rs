//! The reporting pages: `/cycles` (open cycles with the days left, past ones with who filed on
//! time) and `/cycle/{id}` (the questions and, for the local city, the form that saves a draft
//! and publishes the report).

use super::{esc, layout, FormState, PageCtx};
use crate::cycles::STATUSES;
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

fn state_text(state: &str, days_late: Option<i64>, days_left: Option<i64>) -> String {
    let days = |d: i64| format!("{d} day{}", if d == 1 { "" } else { "s" });
    match (state, days_late, days_left) {
        ("late", Some(d), _) => format!("late by {}", days(d)),
        ("due", _, Some(d)) => format!("due in {}", days(d)),
        ("on_time", _, _) => "on time".into(),
        (other, _, _) => other.into(),
    }
}

/// The cycles the local city still has to answer, for its page and `/cycles`.
pub fn reminders(ctx: &PageCtx, audit: &CyclesAudit, city: &str) -> String {
    let mut out = String::new();
    for c in &audit.cycles {
        let Some(mine) = c.cities.iter().find(|x| x.city == city) else {
            continue;
        };
        if mine.state != "due" && mine.state != "missing" {
            continue;
        }
        let _ = write!(
            out,
            "<li class=\"reminder {state}\"><a href=\"{href}\">{period}: {title}</a>: {what} (deadline {deadline})</li>",
            state = esc(&mine.state),
            href = esc(&ctx.link(&format!("/cycle/{}", c.id), &[])),
            period = esc(&c.period),
            title = esc(&c.title),
            what = esc(&match mine.state.as_str() {
                "missing" => "not filed, the deadline has passed: file it now (it will show as late)".to_string(),
                _ => format!("your report is {}", state_text("due", None, mine.days_left)),
            }),
            deadline = esc(&c.deadline),
        );
    }
    if out.is_empty() {
        return out;
    }
    format!("<section class=\"reminders\" aria-labelledby=\"reminders-h\"><h2 id=\"reminders-h\">Reports to file</h2><ul>{out}</ul></section>")
}

pub fn cycles_page(ctx: &PageCtx, audit: &CyclesAudit, local_city: Option<&str>) -> String {
    let mut body = String::from("<h1>Reporting cycles</h1>\n");
    if let Some(city) = local_city {
        body.push_str(&reminders(ctx, audit, city));
    }
    if audit.cycles.is_empty() {
        body.push_str("<p>The Steering Committee has not opened a reporting cycle yet.</p>");
        return layout(ctx, "Reporting cycles", &body);
    }
    body.push_str("<table class=\"cycles\"><thead><tr><th>period</th><th>cycle</th><th>deadline</th><th>on time</th><th>late</th><th>missing</th><th>due</th></tr></thead><tbody>");
    for c in audit.cycles.iter().rev() {
        let _ = write!(
            body,
            "<tr data-cycle=\"{id}\"><td>{period}</td><td><a href=\"{href}\">{title}</a></td><td>{deadline}{amended}</td><td>{on}</td><td>{late}</td><td>{missing}</td><td>{due}</td></tr>",
            id = c.id,
            period = esc(&c.period),
            href = esc(&ctx.link(&format!("/cycle/{}", c.id), &[])),
            title = esc(&c.title),
            deadline = esc(&c.deadline),
            amended = c
                .original_deadline
                .as_ref()
                .map(|d| format!(" (extended from {})", esc(d)))
                .unwrap_or_default(),
            on = c.on_time,
            late = c.late,
            missing = c.missing,
            due = c.due,
        );
    }
    body.push_str("</tbody></table>\n<p>The committee's follow-up, with the charts: <a href=\"/audit#cycles\">audit</a>. The numbers: <a href=\"/api/v1/cycles/indicators.csv\">indicators (CSV)</a>, <a href=\"/api/v1/cycles/timeliness.csv\">timeliness (CSV)</a>.</p>");
    layout(ctx, "Reporting cycles", &body)
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
    let lang = ctx.ui.code();
    let t = &cycle.terms;
    let mut body = format!(
        "<h1>{period}: {title}</h1>\n<p class=\"cycle-terms\">Opens {opens}, deadline <strong id=\"deadline\">{deadline}</strong>{amended}. Cycle <code>{id}</code>.</p>",
        period = esc(&t.period),
        title = esc(&pick(&t.title, lang)),
        opens = esc(&t.opens),
        deadline = esc(&t.deadline),
        amended = if cycle.amended() {
            " (amended by the committee)"
        } else {
            ""
        },
        id = cycle.id.short(),
    );
    if let Some(a) = audit {
        let _ = write!(
            body,
            "<p>{} on time, {} late, {} missing, {} due.</p>",
            a.on_time, a.late, a.missing, a.due
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
            "<label for=\"narrative\">Overall narrative (optional)</label><textarea id=\"narrative\" name=\"narrative\" rows=\"3\">{}</textarea>",
            esc(&value("narrative"))
        );
    }
    for asked in &t.commitments {
        let c = asked.commitment;
        let _ = write!(
            body,
            "<fieldset class=\"commitment\" id=\"commitment-{c}\"><legend>Commitment {c}: {}</legend>",
            esc(ctx.ui.commitment(c))
        );
        let questions = pick(&asked.questions, lang);
        if !questions.is_empty() {
            let _ = write!(body, "<p class=\"questions\">{}</p>", esc(&questions));
        }
        if state.is_none() {
            body.push_str("<ul>");
            for spec in &asked.indicators {
                let _ = write!(
                    body,
                    "<li>{}{}{}</li>",
                    esc(&spec.name),
                    if spec.unit.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", esc(&spec.unit))
                    },
                    if spec.required { ", required" } else { "" }
                );
            }
            body.push_str("</ul></fieldset>");
            continue;
        }
        let status_name = format!("status_{c}");
        let _ = write!(
            body,
            "<label for=\"{status_name}\">Status</label><select id=\"{status_name}\" name=\"{status_name}\" required><option value=\"\"></option>"
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
                label = s.as_str().replace('_', " ")
            );
        }
        body.push_str("</select>");
        body.push_str(&error(&status_name));
        let narrative = format!("narrative_{c}");
        let _ = write!(
            body,
            "<label for=\"{narrative}\">Narrative{}</label><textarea id=\"{narrative}\" name=\"{narrative}\" rows=\"4\"{}>{}</textarea>{}",
            if asked.narrative_required { " (required)" } else { "" },
            if asked.narrative_required { " required" } else { "" },
            esc(&value(&narrative)),
            error(&narrative)
        );
        for (j, spec) in asked.indicators.iter().enumerate() {
            let name = format!("ind_{c}_{j}");
            let _ = write!(
                body,
                "<label for=\"{name}\">{}{}{}</label><input id=\"{name}\" name=\"{name}\" inputmode=\"decimal\" value=\"{}\"{}>{}",
                esc(&spec.name),
                if spec.unit.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", esc(&spec.unit))
                },
                if spec.required { ", required" } else { "" },
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
        body.push_str("<p class=\"actions\"><button type=\"submit\" name=\"action\" value=\"draft\" formnovalidate>Save draft</button> <button type=\"submit\" name=\"action\" value=\"publish\">Publish the report</button></p><p class=\"note\">A draft stays on this node only; publishing signs the report with the city's key and sends it to every member city.</p></form>");
    }
    if let Some(a) = audit {
        body.push_str(
            "<h2>Cities</h2><table><thead><tr><th>city</th><th>state</th></tr></thead><tbody>",
        );
        for city in &a.cities {
            let _ = write!(
                body,
                "<tr data-city=\"{}\" data-state=\"{}\"><td>{}</td><td>{}</td></tr>",
                esc(&city.city),
                esc(&city.state),
                esc(&city.city),
                esc(&state_text(&city.state, city.days_late, city.days_left))
            );
        }
        body.push_str("</tbody></table>");
    }
    layout(ctx, &format!("Reporting cycle {}", t.period), &body)
}

/// Feedback on the city's reports, for its page.
pub fn feedback_section(
    feedback: &[(
        String,
        coalition_record::PublicKey,
        coalition_record::LangText,
        i64,
    )],
    lang: &str,
) -> String {
    if feedback.is_empty() {
        return String::new();
    }
    let mut out = String::from("<section class=\"feedback\" aria-labelledby=\"feedback-h\"><h2 id=\"feedback-h\">Feedback on the reports</h2><ul>");
    for (period, signer, text, at) in feedback {
        let _ = write!(
            out,
            "<li><strong>{}</strong>: {} <span class=\"signed\">(signed by <code>{}</code>, {})</span></li>",
            esc(period),
            esc(&pick(text, lang)),
            signer.short(),
            coalition_record::calendar::date_of_ms(*at)
        );
    }
    out.push_str("</ul></section>");
    out
}
