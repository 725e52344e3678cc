//! The practice page's exchange sections: the cities that took the practice up, and the
//! questions asked about it with the authoring city's answers.

use super::practice::{paragraphs, pick_text};
use super::*;
use crate::exchange::Exchange;

/// Both sections, or nothing when no city took the practice up and nobody asked.
pub(super) fn exchange_sections(ctx: &PageCtx, exchange: &Exchange) -> String {
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
            "<section id=\"adoptions\" aria-labelledby=\"adoptions-h\"><h2 id=\"adoptions-h\">{}</h2><p class=\"count\">{} {}</p><ul>",
            esc(t.taken_up),
            ctx.ui.number(exchange.adopting_cities() as u64),
            esc(t.n_cities)
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
    body
}
