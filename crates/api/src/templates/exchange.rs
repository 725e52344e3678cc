//! The practice page's exchange sections: the cities that took the practice up, and the
//! questions asked about it with the authoring city's answers.

use super::practice::{paragraphs, pick_text};
use super::*;
use crate::views::PracticeView;
use coalition_record::PublicKey;

/// What a signed-in browser on the node's own machine may do on a practice page: the form's
/// CSRF token and the local city (which may ask, take up or, for its own practice, answer).
pub(crate) struct ExchangeForm {
    pub csrf: String,
    pub local: PublicKey,
    /// Why the last submission was refused, to show above the forms.
    pub error: Option<String>,
    /// The language version of its own practice the local city chose to add or edit.
    pub edit_lang: Option<String>,
    /// Why the last language version was refused, to show above that form.
    pub language_error: Option<String>,
}

/// The hidden fields every form posting to `/exchange` for practice `v` starts with.
fn form_fields(ctx: &PageCtx, v: &PracticeView, f: &ExchangeForm, kind: &str) -> Markup {
    html! {
        input type="hidden" name="csrf" value=(f.csrf);
        input type="hidden" name="kind" value=(kind);
        input type="hidden" name="practice" value=(v.current_id.to_string());
        input type="hidden" name="ui" value=(ctx.ui.code());
    }
}

/// A form posting to `/exchange` for practice `v`, with `fields` after the hidden ones.
fn exchange_form(
    ctx: &PageCtx,
    v: &PracticeView,
    f: &ExchangeForm,
    kind: &str,
    fields: Markup,
) -> Markup {
    html! {
        form method="post" action="/exchange" class="exchange-form" id={ (kind) "-form" } {
            (form_fields(ctx, v, f, kind))
            (fields)
        }
    }
}

/// A text in the reader's language (else another), in paragraphs; nothing when it has none.
fn text_of(lang: &str, text: &LangText) -> Markup {
    html! {
        @if let Some((tag, text)) = pick_text(text, lang) {
            div lang=(tag) dir="auto" { (paragraphs(&text)) }
        }
    }
}

/// Both sections, or nothing when no city took the practice up and nobody asked; with the
/// forms to ask, take up and answer when `form` allows.
pub(super) fn exchange_sections(
    ctx: &PageCtx,
    v: &PracticeView,
    form: Option<&ExchangeForm>,
) -> Markup {
    html! {
        (adoptions(ctx, v))
        (questions(ctx, v, form))
        @if let Some(f) = form {
            (forms(ctx, v, f))
        }
    }
}

fn adoptions(ctx: &PageCtx, v: &PracticeView) -> Markup {
    let exchange = &v.exchange;
    let t = ctx.t();
    let lang = ctx.ui.code();
    if exchange.adoptions.is_empty() {
        return html! {};
    }
    html! {
        section id="adoptions" aria-labelledby="adoptions-h" {
            h2 id="adoptions-h" { (t.taken_up) " (" (ctx.ui.number(exchange.adopting_cities() as u64)) ")" }
            ul {
                @for a in &exchange.adoptions {
                    li id={ "entry-" (a.id.to_string()) } {
                        a href=(ctx.link(&format!("/city/{}", a.author), &[])) { (a.city) }
                        " (" (if a.adapted { t.adapted } else { t.as_is }) ", "
                        (when(ctx.ui, &a.period.start)) " –"
                        @if let Some(end) = &a.period.end { " " (when(ctx.ui, end)) }
                        ")"
                        (text_of(lang, &a.changes))
                        (text_of(lang, &a.results))
                    }
                }
            }
        }
    }
}

fn questions(ctx: &PageCtx, v: &PracticeView, form: Option<&ExchangeForm>) -> Markup {
    let t = ctx.t();
    let lang = ctx.ui.code();
    if v.exchange.questions.is_empty() {
        return html! {};
    }
    // The authoring city, signed in, answers open questions.
    let answering = form.filter(|f| f.local == v.author);
    html! {
        section id="questions" aria-labelledby="questions-h" {
            h2 id="questions-h" { (t.questions_heading) }
            @for q in &v.exchange.questions {
                article class="question" id={ "entry-" (q.id.to_string()) } {
                    p class="who" { (q.city) }
                    (text_of(lang, &q.text))
                    @if q.answers.is_empty() {
                        p class="open" { em { (t.not_answered) } }
                        @if let Some(f) = answering {
                            (exchange_form(ctx, v, f, "answer", html! {
                                input type="hidden" name="question" value=(q.id.to_string());
                                label { (t.answer_label) textarea name="text" required rows="3" {} }
                                button type="submit" { (t.answer_button) }
                            }))
                        }
                    }
                    @for a in &q.answers {
                        div class="answer" id={ "entry-" (a.id.to_string()) } {
                            p class="who" { (a.city) }
                            (text_of(lang, &a.text))
                        }
                    }
                }
            }
        }
    }
}

/// The last submission's error; to ask and take up (another city's practice) or to erase (the
/// local city's own, in force, naming a contact person).
fn forms(ctx: &PageCtx, v: &PracticeView, f: &ExchangeForm) -> Markup {
    let t = ctx.t();
    let erasable = f.local == v.author && v.is_current && v.practice.contact.is_some();
    html! {
        @if let Some(error) = &f.error {
            p class="notice error" role="alert" { (error) }
        }
        @if f.local != v.author {
            section id="exchange-forms" {
                h2 { (t.exchange_forms_heading) }
                (exchange_form(ctx, v, f, "question", html! {
                    label { (t.question_label) textarea name="text" required rows="3" {} }
                    button type="submit" { (t.question_button) }
                }))
                (exchange_form(ctx, v, f, "adoption", html! {
                    p { label { input type="checkbox" name="adapted" value="1"; " " (t.adapted) } }
                    p { label { (t.period) " " input name="start" required placeholder="2025-09" size="10"; } }
                    p { label { (t.changes_label) textarea name="changes" rows="3" {} } }
                    button type="submit" { (t.adoption_button) }
                }))
            }
        }
        @if erasable {
            section id="erase-form" {
                h2 { (t.erase_heading) }
                p { (t.erase_help) }
                (exchange_form(ctx, v, f, "erase", html! {
                    label { (t.erase_reason) input name="reason" required maxlength="200"; }
                    button type="submit" { (t.erase_button) }
                }))
            }
        }
    }
}

/// The exchange page: cities on a circle, an arrow from the city whose practice was taken up to
/// the city that took it up (thicker for more), and the list of adoptions. Inline SVG: works
/// offline, prints, and the list below says the same for screen readers.
pub(crate) fn exchange_page(ctx: &PageCtx, graph: &crate::exchange::ExchangeGraph) -> String {
    let t = ctx.t();
    let body = html! {
        h1 { (t.exchange_heading) }
        @if graph.adoptions.is_empty() {
            p { (t.no_exchange) }
        } @else {
            figure class="exchange" {
                (exchange_svg(graph))
                figcaption id="exchange-caption" { (t.exchange_caption) }
            }
            ul class="adoptions" {
                @for a in &graph.adoptions {
                    li {
                        (a.from) " → " (a.to) ": "
                        a href=(ctx.link(&format!("/practice/{}", a.practice), &[])) {
                            (if a.practice_title.is_empty() { "…" } else { a.practice_title.as_str() })
                        }
                        " (" (if a.adapted { t.adapted } else { t.as_is }) ")"
                    }
                }
            }
        }
    };
    layout(ctx, t.exchange_heading, body)
}

/// The drawing's size and the radius of the circle the cities sit on, in SVG units.
const SIZE: f64 = 640.0;
const RADIUS: f64 = 230.0;

/// A coordinate as the drawing writes it: one decimal.
fn coord(v: f64) -> String {
    format!("{v:.1}")
}

/// The graph as SVG. Its elements are written with an end tag (`<line …></line>`): in HTML a
/// foreign element is closed only by one, or by `/>`.
fn exchange_svg(graph: &crate::exchange::ExchangeGraph) -> Markup {
    let n = graph.cities.len().max(1);
    let centre = SIZE / 2.0;
    let place = |name: &str| {
        let i = graph.cities.iter().position(|c| c == name).unwrap_or(0);
        let angle = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
        (centre + RADIUS * angle.cos(), centre + RADIUS * angle.sin())
    };
    html! {
        svg viewBox=(format!("0 0 {SIZE} {SIZE}")) width="100%" style="max-width:560px" role="img"
            aria-labelledby="exchange-caption" xmlns="http://www.w3.org/2000/svg" {
            defs {
                marker id="arrow" viewBox="0 0 10 10" refX="22" refY="5" markerWidth="6"
                    markerHeight="6" orient="auto-start-reverse" {
                    path d="M 0 0 L 10 5 L 0 10 z" fill="#1f5f8b" {}
                }
            }
            @for e in &graph.edges {
                @let ((x1, y1), (x2, y2)) = (place(&e.from), place(&e.to));
                line x1=(coord(x1)) y1=(coord(y1)) x2=(coord(x2)) y2=(coord(y2)) stroke="#1f5f8b"
                    stroke-width=(coord(1.5 + e.adoptions as f64)) marker-end="url(#arrow)" {
                    title { (e.from) " → " (e.to) ": " (e.adoptions) }
                }
            }
            @for city in &graph.cities {
                (city_label(city, place(city), centre))
            }
        }
    }
}

/// A city's dot and its name, placed clear of the dot on the outside of the circle.
fn city_label(city: &str, (x, y): (f64, f64), centre: f64) -> Markup {
    let anchor = if x < centre - 1.0 {
        "end"
    } else if x > centre + 1.0 {
        "start"
    } else {
        "middle"
    };
    let dx = match anchor {
        "end" => -12.0,
        "start" => 12.0,
        _ => 0.0,
    };
    // A label straight above or below its dot goes clear of it.
    let dy = match anchor {
        "middle" if y < centre => -14.0,
        "middle" => 22.0,
        _ => 0.0,
    };
    html! {
        circle cx=(coord(x)) cy=(coord(y)) r="8" fill="#f2c14e" stroke="#333" {}
        text x=(coord(x + dx)) y=(coord(y + 4.0 + dy)) text-anchor=(anchor) font-size="14" { (city) }
    }
}
