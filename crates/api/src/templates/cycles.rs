//! The reporting pages: `/cycles` (open cycles with the days left, past ones with who filed on
//! time) and `/cycle/{id}` (the questions and, for the local city, the form that saves a draft
//! and publishes the report), in the interface language.

use super::{fill_markup, layout, FormState, PageCtx};
use crate::cycles::STATUSES;
use crate::i18n::Strings;
use coalition_audit::{CycleAudit, CyclesAudit};
use coalition_record::cycle::{Cycle, CycleCommitment};
use coalition_record::schema::LangText;
use maud::{html, Markup};

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
pub(crate) fn reminders(ctx: &PageCtx, audit: &CyclesAudit, city: &str) -> Markup {
    let t = ctx.t();
    let due: Vec<_> = audit
        .cycles
        .iter()
        .filter_map(|c| Some((c, c.cities.iter().find(|x| x.city == city)?)))
        .filter(|(_, mine)| mine.state == "due" || mine.state == "missing")
        .collect();
    if due.is_empty() {
        return html! {};
    }
    html! {
        section class="reminders" aria-labelledby="reminders-h" {
            h2 id="reminders-h" { (t.rc_to_file) }
            ul {
                @for (c, mine) in due {
                    @let what = match mine.state.as_str() {
                        "missing" => t.rc_missing_now.to_string(),
                        _ => state_text(t, "due", None, mine.days_left),
                    };
                    li class={ "reminder " (mine.state) } {
                        a href=(ctx.link(&format!("/cycle/{}", c.id), &[])) { (c.period) ": " (c.title) }
                        ": " (what) " (" (t.rc_deadline) " " (ctx.ui.date(&c.deadline)) ")"
                    }
                }
            }
        }
    }
}

pub(crate) fn cycles_page(ctx: &PageCtx, audit: &CyclesAudit, local_city: Option<&str>) -> String {
    let t = ctx.t();
    let body = html! {
        h1 { (t.rc_heading) }
        @if let Some(city) = local_city {
            (reminders(ctx, audit, city))
        }
        @if audit.cycles.is_empty() {
            p { (t.rc_none) }
        } @else {
            (cycles_table(ctx, audit))
            p {
                (t.rc_followup) " " a href="/audit#cycles" { (t.rc_audit_link) } ". "
                (t.rc_numbers) " " a href="/api/v1/cycles/indicators.csv" { (t.rc_indicators_csv) } ", "
                a href="/api/v1/cycles/timeliness.csv" { (t.rc_timeliness_csv) } "."
            }
        }
    };
    layout(ctx, t.rc_heading, body)
}

/// Every cycle, newest first, with how many cities filed on time, late, not at all, or still may.
fn cycles_table(ctx: &PageCtx, audit: &CyclesAudit) -> Markup {
    let t = ctx.t();
    html! {
        table class="cycles" {
            thead {
                tr {
                    th { (t.rc_period) } th { (t.rc_cycle) } th { (t.rc_deadline) } th { (t.rc_on_time) }
                    th { (t.rc_late) } th { (t.rc_missing) } th { (t.rc_due) }
                }
            }
            tbody {
                @for c in audit.cycles.iter().rev() {
                    tr data-cycle=(c.id.to_string()) {
                        td { (c.period) }
                        td { a href=(ctx.link(&format!("/cycle/{}", c.id), &[])) { (c.title) } }
                        td {
                            (ctx.ui.date(&c.deadline))
                            @if let Some(d) = &c.original_deadline {
                                " (" (t.rc_extended_from.replace("{d}", &ctx.ui.date(d))) ")"
                            }
                        }
                        td { (c.on_time) } td { (c.late) } td { (c.missing) } td { (c.due) }
                    }
                }
            }
        }
    }
}

/// What the form shows besides the fields.
pub(crate) enum CycleForm<'a> {
    /// Not the local city's node, or not signed in: the questions only, and why.
    Closed(&'a str),
    Open {
        csrf: &'a str,
        form: &'a FormState,
        notice: Option<&'a str>,
    },
}

pub(crate) fn cycle_page(
    ctx: &PageCtx,
    cycle: &Cycle,
    audit: Option<&CycleAudit>,
    form: CycleForm<'_>,
) -> String {
    let t_ = ctx.t();
    let lang = ctx.ui.code();
    let t = &cycle.terms;
    let terms = fill_markup(
        t_.rc_opens,
        &[
            ("o", html! { (ctx.ui.date(&t.opens)) }),
            (
                "d",
                html! { strong id="deadline" { (ctx.ui.date(&t.deadline)) } },
            ),
        ],
    );
    let (csrf, state, notice, closed) = match form {
        CycleForm::Closed(why) => ("", None, None, Some(why)),
        CycleForm::Open { csrf, form, notice } => (csrf, Some(form), notice, None),
    };
    let body = html! {
        h1 { (t.period) ": " (pick(&t.title, lang)) }
        p class="cycle-terms" {
            (terms)
            @if cycle.amended() { " (" (t_.rc_amended) ")" }
            ". " code { (cycle.id.short()) }
        }
        @if let Some(a) = audit {
            p {
                (t_.rc_on_time) ": " (a.on_time) " · " (t_.rc_late) ": " (a.late) " · "
                (t_.rc_missing) ": " (a.missing) " · " (t_.rc_due) ": " (a.due)
            }
        }
        @if let Some(why) = closed {
            p class="note" { (why) }
        }
        @if let Some(n) = notice {
            p class="notice" role="status" { (n) }
        }
        @if let Some(general) = state.and_then(|f| f.general.as_deref()) {
            p class="error" role="alert" id="form-error" { (general) }
        }
        @if let Some(state) = state {
            form method="post" action={ "/cycle/" (cycle.id.to_string()) } class="cycle-form" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="ui" value=(lang);
                label for="narrative" { (t_.rc_overall) }
                textarea id="narrative" name="narrative" rows="3" { (state.value("narrative")) }
                @for asked in &t.commitments {
                    (commitment_fields(ctx, asked, state))
                }
                // "Save draft" skips the browser's required-field check: a draft may be incomplete.
                p class="actions" {
                    button type="submit" name="action" value="draft" formnovalidate { (t_.rc_save_draft) }
                    " "
                    button type="submit" name="action" value="publish" { (t_.rc_publish) }
                }
                p class="note" { (t_.rc_draft_note) }
            }
        } @else {
            @for asked in &t.commitments {
                (commitment_questions(ctx, asked))
            }
        }
        @if let Some(a) = audit {
            (cycle_cities(t_, a))
        }
    };
    layout(ctx, &format!("{} {}", t_.rc_heading, t.period), body)
}

/// The start of a commitment's fieldset: its legend and the questions asked.
fn commitment_legend(ctx: &PageCtx, asked: &CycleCommitment) -> Markup {
    let c = asked.commitment;
    let questions = pick(&asked.questions, ctx.ui.code());
    html! {
        legend { (ctx.t().rc_commitment.replace("{c}", &c.to_string())) ": " (ctx.ui.commitment(c)) }
        @if !questions.is_empty() {
            p class="questions" { (questions) }
        }
    }
}

/// " (unit)", or nothing for a plain count.
fn unit(u: &str) -> Markup {
    html! { @if !u.is_empty() { " (" (u) ")" } }
}

/// ", required", after a required field's label.
fn required_mark(t: &Strings, required: bool) -> Markup {
    html! { @if required { ", " (t.rc_required) } }
}

/// A commitment's questions and indicators, without a form.
fn commitment_questions(ctx: &PageCtx, asked: &CycleCommitment) -> Markup {
    let c = asked.commitment;
    html! {
        fieldset class="commitment" id={ "commitment-" (c) } {
            (commitment_legend(ctx, asked))
            ul {
                @for spec in &asked.indicators {
                    li { (spec.name) (unit(&spec.unit)) (required_mark(ctx.t(), spec.required)) }
                }
            }
        }
    }
}

/// A commitment's fields: status, narrative and indicators, with their values and errors.
fn commitment_fields(ctx: &PageCtx, asked: &CycleCommitment, state: &FormState) -> Markup {
    let t_ = ctx.t();
    let c = asked.commitment;
    let error = |name: &str| {
        html! {
            @if let Some(e) = state.error(name) {
                p class="field-error" id={ (name) "-error" } { (e) }
            }
        }
    };
    let status_name = format!("status_{c}");
    let chosen = state.value(&status_name);
    let narrative = format!("narrative_{c}");
    html! {
        fieldset class="commitment" id={ "commitment-" (c) } {
            (commitment_legend(ctx, asked))
            label for=(status_name) { (t_.rc_status) }
            select id=(status_name) name=(status_name) required {
                option value="" {}
                @for s in STATUSES {
                    option value=(s.as_str()) selected[chosen == s.as_str()] { (t_.report_status(s.as_str())) }
                }
            }
            (error(&status_name))
            label for=(narrative) { (t_.rc_narrative) (required_mark(t_, asked.narrative_required)) }
            textarea id=(narrative) name=(narrative) rows="4" required[asked.narrative_required] {
                (state.value(&narrative))
            }
            (error(&narrative))
            @for (j, spec) in asked.indicators.iter().enumerate() {
                @let name = format!("ind_{c}_{j}");
                label for=(name) { (spec.name) (unit(&spec.unit)) (required_mark(t_, spec.required)) }
                input type="text" id=(name) name=(name) inputmode="decimal" value=(state.value(&name))
                    required[spec.required];
                (error(&name))
            }
            (error(&format!("ind_{c}")))
        }
    }
}

/// Each city's state in the cycle.
fn cycle_cities(t_: &Strings, a: &CycleAudit) -> Markup {
    html! {
        h2 { (t_.rc_cities) }
        table {
            thead { tr { th { (t_.rc_city) } th { (t_.rc_state) } } }
            tbody {
                @for city in &a.cities {
                    tr data-city=(city.city) data-state=(city.state) {
                        td { (city.city) }
                        td { (state_text(t_, &city.state, city.days_late, city.days_left)) }
                    }
                }
            }
        }
    }
}

/// Feedback on the city's reports, for its page.
pub(crate) fn feedback_section(
    ctx: &PageCtx,
    feedback: &[(
        String,
        coalition_record::PublicKey,
        coalition_record::LangText,
        i64,
    )],
) -> Markup {
    if feedback.is_empty() {
        return html! {};
    }
    let t = ctx.t();
    html! {
        section class="feedback" aria-labelledby="feedback-h" {
            h2 id="feedback-h" { (t.rc_feedback) }
            ul {
                @for (period, signer, text, at) in feedback {
                    li {
                        strong { (period) } ": " (pick(text, ctx.ui.code())) " "
                        span class="signed" {
                            "(" (t.rc_signed_by) " " code { (signer.short()) } ", "
                            (ctx.ui.date(&coalition_record::calendar::date_of_ms(*at))) ")"
                        }
                    }
                }
            }
        }
    }
}
