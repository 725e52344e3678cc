//! The practice page's exchange sections: the cities that took the practice up, and the
//! questions asked about it with the authoring city's answers.

use super::practice::{paragraphs, pick_text};
use super::*;
use crate::views::PracticeView;
use coalition_record::PublicKey;

/// What a signed-in browser on the node's own machine may do on a practice page: the form's
/// CSRF token and the local city (which may ask, take up or, for its own practice, answer).
pub struct ExchangeForm {
    pub csrf: String,
    pub local: PublicKey,
    /// Why the last submission was refused, to show above the forms.
    pub error: Option<String>,
    /// The language version of its own practice the local city chose to add or edit.
    pub edit_lang: Option<String>,
    /// Why the last language version was refused, to show above that form.
    pub language_error: Option<String>,
}

/// The start of a form posting to `/exchange` for practice `v`.
fn form_open(ctx: &PageCtx, v: &PracticeView, f: &ExchangeForm, kind: &str) -> String {
    format!(
        "<form method=\"post\" action=\"/exchange\" class=\"exchange-form\" id=\"{kind}-form\"><input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"kind\" value=\"{kind}\"><input type=\"hidden\" name=\"practice\" value=\"{}\"><input type=\"hidden\" name=\"ui\" value=\"{}\">",
        esc(&f.csrf),
        v.current_id,
        ctx.ui.code()
    )
}

/// Both sections, or nothing when no city took the practice up and nobody asked; with the
/// forms to ask, take up and answer when `form` allows.
pub(super) fn exchange_sections(
    ctx: &PageCtx,
    v: &PracticeView,
    form: Option<&ExchangeForm>,
) -> String {
    let exchange = &v.exchange;
    let t = ctx.t();
    let lang = ctx.ui.code();
    let mut body = String::new();
    let text_of = |text: &LangText| {
        pick_text(text, lang).map_or_else(String::new, |(tag, text)| {
            format!(
                "<div lang=\"{}\" dir=\"auto\">{}</div>",
                esc(&tag),
                paragraphs(&text)
            )
        })
    };
    if !exchange.adoptions.is_empty() {
        let _ = write!(
            body,
            "<section id=\"adoptions\" aria-labelledby=\"adoptions-h\"><h2 id=\"adoptions-h\">{} ({})</h2><ul>",
            esc(t.taken_up),
            ctx.ui.number(exchange.adopting_cities() as u64)
        );
        for a in &exchange.adoptions {
            let _ = write!(
                body,
                "<li id=\"entry-{}\"><a href=\"{}\">{}</a> ({}, {} –{}){}{}</li>",
                a.id,
                esc(&ctx.link(&format!("/city/{}", a.author), &[])),
                esc(&a.city),
                esc(if a.adapted { t.adapted } else { t.as_is }),
                when(ctx.ui, &a.period.start),
                a.period
                    .end
                    .as_ref()
                    .map_or(String::new(), |end| format!(" {}", when(ctx.ui, end))),
                text_of(&a.changes),
                text_of(&a.results)
            );
        }
        body.push_str("</ul></section>");
    }
    if !exchange.questions.is_empty() {
        let _ = write!(
            body,
            "<section id=\"questions\" aria-labelledby=\"questions-h\"><h2 id=\"questions-h\">{}</h2>",
            esc(t.questions_heading)
        );
        for q in &exchange.questions {
            let _ = write!(
                body,
                "<article class=\"question\" id=\"entry-{}\"><p class=\"who\">{}</p>{}",
                q.id,
                esc(&q.city),
                text_of(&q.text)
            );
            if q.answers.is_empty() {
                let _ = write!(
                    body,
                    "<p class=\"open\"><em>{}</em></p>",
                    esc(t.not_answered)
                );
                if let Some(f) = form.filter(|f| f.local == v.author) {
                    let _ = write!(
                        body,
                        "{}<input type=\"hidden\" name=\"question\" value=\"{}\"><label>{}<textarea name=\"text\" required rows=\"3\"></textarea></label><button type=\"submit\">{}</button></form>",
                        form_open(ctx, v, f, "answer"),
                        q.id,
                        esc(t.answer_label),
                        esc(t.answer_button)
                    );
                }
            }
            for a in &q.answers {
                let _ = write!(
                    body,
                    "<div class=\"answer\" id=\"entry-{}\"><p class=\"who\">{}</p>{}</div>",
                    a.id,
                    esc(&a.city),
                    text_of(&a.text)
                );
            }
            body.push_str("</article>");
        }
        body.push_str("</section>");
    }
    if let Some(f) = form {
        if let Some(error) = &f.error {
            let _ = write!(
                body,
                "<p class=\"notice error\" role=\"alert\">{}</p>",
                esc(error)
            );
        }
        if f.local != v.author {
            let _ = write!(
                body,
                "<section id=\"exchange-forms\"><h2>{}</h2>{}<label>{}<textarea name=\"text\" required rows=\"3\"></textarea></label><button type=\"submit\">{}</button></form>",
                esc(t.exchange_forms_heading),
                form_open(ctx, v, f, "question"),
                esc(t.question_label),
                esc(t.question_button)
            );
            let _ = write!(
                body,
                "{}<p><label><input type=\"checkbox\" name=\"adapted\" value=\"1\"> {}</label></p><p><label>{} <input name=\"start\" required placeholder=\"2025-09\" size=\"10\"></label></p><p><label>{}<textarea name=\"changes\" rows=\"3\"></textarea></label></p><button type=\"submit\">{}</button></form></section>",
                form_open(ctx, v, f, "adoption"),
                esc(t.adapted),
                esc(t.period),
                esc(t.changes_label),
                esc(t.adoption_button)
            );
        }
        // The local city's own practice in force, naming a contact person: erase it everywhere.
        if f.local == v.author && v.is_current && v.practice.contact.is_some() {
            let _ = write!(
                body,
                "<section id=\"erase-form\"><h2>{}</h2><p>{}</p>{}<label>{}<input name=\"reason\" required maxlength=\"200\"></label><button type=\"submit\">{}</button></form></section>",
                esc(t.erase_heading),
                esc(t.erase_help),
                form_open(ctx, v, f, "erase"),
                esc(t.erase_reason),
                esc(t.erase_button)
            );
        }
    }
    body
}

/// The exchange page: cities on a circle, an arrow from the city whose practice was taken up to
/// the city that took it up (thicker for more), and the list of adoptions. Inline SVG: works
/// offline, prints, and the list below says the same for screen readers.
pub fn exchange_page(ctx: &PageCtx, graph: &crate::exchange::ExchangeGraph) -> String {
    let t = ctx.t();
    let mut body = format!("<h1>{}</h1>", esc(t.exchange_heading));
    if graph.adoptions.is_empty() {
        let _ = write!(body, "<p>{}</p>", esc(t.no_exchange));
        return layout(ctx, t.exchange_heading, &body);
    }
    let n = graph.cities.len().max(1);
    let (size, radius) = (640.0_f64, 230.0_f64);
    let centre = size / 2.0;
    let place = |name: &str| {
        let i = graph.cities.iter().position(|c| c == name).unwrap_or(0);
        let angle = std::f64::consts::TAU * i as f64 / n as f64 - std::f64::consts::FRAC_PI_2;
        (centre + radius * angle.cos(), centre + radius * angle.sin())
    };
    let _ = write!(
        body,
        "<figure class=\"exchange\"><svg viewBox=\"0 0 {size} {size}\" width=\"100%\" style=\"max-width:560px\" role=\"img\" aria-labelledby=\"exchange-caption\" xmlns=\"http://www.w3.org/2000/svg\"><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"22\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#1f5f8b\"/></marker></defs>"
    );
    for e in &graph.edges {
        let ((x1, y1), (x2, y2)) = (place(&e.from), place(&e.to));
        let _ = write!(
            body,
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"#1f5f8b\" stroke-width=\"{:.1}\" marker-end=\"url(#arrow)\"><title>{} → {}: {}</title></line>",
            1.5 + e.adoptions as f64,
            esc(&e.from),
            esc(&e.to),
            e.adoptions
        );
    }
    for city in &graph.cities {
        let (x, y) = place(city);
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
        let _ = write!(
            body,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"8\" fill=\"#f2c14e\" stroke=\"#333\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\" font-size=\"14\">{}</text>",
            x + dx,
            y + 4.0 + dy,
            esc(city)
        );
    }
    let _ = write!(
        body,
        "</svg><figcaption id=\"exchange-caption\">{}</figcaption></figure><ul class=\"adoptions\">",
        esc(t.exchange_caption)
    );
    for a in &graph.adoptions {
        let _ = write!(
            body,
            "<li>{} → {}: <a href=\"{}\">{}</a> ({})</li>",
            esc(&a.from),
            esc(&a.to),
            esc(&ctx.link(&format!("/practice/{}", a.practice), &[])),
            esc(if a.practice_title.is_empty() {
                "…"
            } else {
                &a.practice_title
            }),
            esc(if a.adapted { t.adapted } else { t.as_is })
        );
    }
    body.push_str("</ul>");
    layout(ctx, t.exchange_heading, &body)
}
