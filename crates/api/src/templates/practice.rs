//! The practice page: every language it has, its facts, the signature badge and its history.

use super::*;

pub(super) fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", esc(p).replace('\n', "<br>")))
        .collect()
}

pub(super) fn list(items: &[String]) -> String {
    let mut out = String::from("<ul>");
    for item in items {
        let _ = write!(out, "<li>{}</li>", esc(item));
    }
    out.push_str("</ul>");
    out
}

pub(super) fn signature_badge(t: &Strings, verified: bool, payload: &str) -> String {
    if verified && payload != "mismatch" {
        format!(
            "<p class=\"badge ok\"><span aria-hidden=\"true\">✔</span> {}</p>",
            esc(t.signature_verified)
        )
    } else {
        format!(
            "<p class=\"badge bad\" role=\"alert\"><span aria-hidden=\"true\">✖</span> {}</p>",
            esc(t.signature_failed)
        )
    }
}

pub(super) fn copyable(text: &str) -> String {
    format!("<code class=\"id\" data-copy>{}</code>", esc(text))
}

/// The practice page: every language it has, its facts, the signature badge and its history.
pub fn practice_page(
    ctx: &PageCtx,
    v: &PracticeView,
    just_published: bool,
    related: &[coalition_search::Hit],
    form: Option<&super::exchange::ExchangeForm>,
) -> String {
    let t = ctx.t();
    let ui = ctx.ui;
    let p = &v.practice;
    let title_lang = pick_tag(&p.title, ui.code());
    let title = title_lang
        .as_ref()
        .and_then(|tag| p.title.get(tag))
        .cloned()
        .unwrap_or_default();
    let mut body = String::new();
    let city_link = ctx.link(&format!("/city/{}", v.author), &[]);
    let _ = write!(
        body,
        "<article class=\"practice\"><p class=\"crumbs\"><a href=\"{}\">{}</a> › <a href=\"{}\">{}</a></p>",
        esc(&ctx.link("/", &[])),
        esc(t.nav_search),
        esc(&city_link),
        esc(v.member.as_deref().unwrap_or(&p.city)),
    );
    let _ = write!(
        body,
        "<h1 lang=\"{}\" dir=\"auto\">{}</h1>",
        esc(title_lang.as_deref().unwrap_or("und")),
        esc(&title)
    );
    if just_published {
        let _ = write!(
            body,
            "<p class=\"notice ok\" role=\"status\">{}</p>",
            esc(t.published_notice)
        );
    }
    if let Some(r) = &v.retraction {
        let _ = write!(
            body,
            "<p class=\"notice error\">{}{}</p>",
            esc(t.retracted_notice),
            r.reason
                .as_deref()
                .map(|reason| format!(": {}", esc(reason)))
                .unwrap_or_default()
        );
    }
    if !v.is_current {
        let _ = write!(
            body,
            "<p class=\"notice\">{} <a href=\"{}\">{}</a>.</p>",
            esc(t.superseded_notice),
            esc(&ctx.link(&format!("/practice/{}", v.current_id), &[])),
            esc(&v.current_id.short())
        );
    }
    if p.illustrative {
        let _ = write!(
            body,
            "<p class=\"notice\">{}</p>",
            esc(t.illustrative_notice)
        );
    }
    body.push_str("<div class=\"signature\">");
    body.push_str(&signature_badge(
        t,
        v.signature.verified,
        v.signature.payload,
    ));
    let _ = write!(
        body,
        "<dl class=\"sig\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl></div>",
        esc(t.author_key),
        copyable(&v.author.to_hex()),
        esc(t.entry_id),
        copyable(&v.id.to_hex()),
    );

    body.push_str("<dl class=\"facts\">");
    let mut fact = |label: &str, html: String| {
        let _ = write!(body, "<div><dt>{}</dt><dd>{html}</dd></div>", esc(label));
    };
    fact(
        t.city,
        format!("<a href=\"{}\">{}</a>", esc(&city_link), esc(&p.city)),
    );
    fact(t.country, esc(&p.country));
    fact(
        t.period,
        match &p.period.end {
            Some(end) => format!("{} – {}", when(ctx.ui, &p.period.start), when(ctx.ui, end)),
            None => format!("{} –", when(ctx.ui, &p.period.start)),
        },
    );
    fact(t.published, when(ctx.ui, &date_of_ms(v.timestamp_ms)));
    fact(t.commitments, commitment_badges(ui, &p.commitments));
    if !p.grounds.is_empty() {
        let labels: Vec<String> = p
            .grounds
            .iter()
            .map(|code| coalition_record::taxonomy::ground_label(code, ui.code()).to_string())
            .collect();
        fact(t.grounds, list(&labels));
    }
    if !p.themes.is_empty() {
        fact(t.themes, list(&p.themes));
    }
    if !p.target_groups.is_empty() {
        fact(t.target_groups, list(&p.target_groups));
    }
    if !p.partners.is_empty() {
        let partners = coalition_record::taxonomy::partners_with_types(
            &p.partners,
            &p.partner_types,
            ui.code(),
        );
        fact(t.partners, list(&partners));
    }
    if !p.links.is_empty() {
        let mut links = String::from("<ul>");
        for l in &p.links {
            let _ = write!(
                links,
                "<li><a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a></li>",
                esc(l),
                esc(l)
            );
        }
        links.push_str("</ul>");
        fact(t.links, links);
    }
    if let Some(c) = &p.contact {
        let mut parts = vec![esc(&c.name)];
        if let Some(role) = &c.role {
            parts.push(esc(role));
        }
        if let Some(email) = &c.email {
            parts.push(format!(
                "<a href=\"mailto:{}\">{}</a>",
                esc(email),
                esc(email)
            ));
        }
        if let Some(phone) = &c.phone {
            parts.push(esc(phone));
        }
        fact(t.contact, parts.join("<br>"));
    }
    fact(
        t.languages,
        v.languages
            .iter()
            .map(|l| {
                format!(
                    "<a href=\"#lang-{}\">{}</a>",
                    esc(l),
                    esc(&language_name(l))
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    body.push_str("</dl>");

    // One section per language, the reader's first.
    let mut langs = v.languages.clone();
    if let Some(first) = title_lang.as_ref() {
        if let Some(pos) = langs.iter().position(|l| l == first) {
            let l = langs.remove(pos);
            langs.insert(0, l);
        }
    }
    for lang in &langs {
        let _ = write!(
            body,
            "<section class=\"lang\" id=\"lang-{l}\" lang=\"{l}\" dir=\"auto\" aria-labelledby=\"lang-{l}-h\"><h2 id=\"lang-{l}-h\">{name}</h2>",
            l = esc(lang),
            name = esc(&language_name(lang))
        );
        if let Some(title) = p.title.get(lang) {
            let _ = write!(body, "<p class=\"ltitle\">{}</p>", esc(title));
        }
        for (label, text) in [
            (t.summary, &p.summary),
            (t.body, &p.body),
            (t.rationale, &p.rationale),
            (t.approach, &p.approach),
            (t.results_section, &p.results),
            (t.transferability, &p.transferability),
        ] {
            if let Some(text) = text.get(lang) {
                let _ = write!(
                    body,
                    "<h3 lang=\"{}\">{}</h3>{}",
                    ui.code(),
                    esc(label),
                    paragraphs(text)
                );
            }
        }
        body.push_str("</section>");
    }
    body.push_str(&translation_sections(ctx, v));
    body.push_str(&super::exchange::exchange_sections(ctx, v, form));
    body.push_str(&super::language_form::language_section(ctx, v, form));

    if v.versions.len() > 1 || v.retraction.is_some() {
        let _ = write!(
            body,
            "<section class=\"history\" aria-labelledby=\"history-h\"><h2 id=\"history-h\">{}</h2><ol>",
            esc(t.history)
        );
        for version in &v.versions {
            let mut marks = Vec::new();
            if version.current {
                marks.push(t.current);
            }
            if version.superseded_by.is_some() {
                marks.push(t.superseded);
            }
            if version.retracted_by.is_some() {
                marks.push(t.retracted);
            }
            let this = if version.id == v.id {
                " aria-current=\"page\""
            } else {
                ""
            };
            let _ = write!(
                body,
                "<li><a href=\"{}\"{this}><code>{}</code></a> · {} · {}</li>",
                esc(&ctx.link(&format!("/practice/{}", version.id), &[])),
                esc(&version.id.short()),
                when(ctx.ui, &date_of_ms(version.timestamp_ms)),
                esc(&marks.join(", "))
            );
        }
        body.push_str("</ol></section>");
    }
    body.push_str(&search_extras::related_section(ctx, related));
    body.push_str("</article>");
    layout(ctx, &title, &body)
}

/// The tag of `text` to show to a reader of `lang`: the same language, else English, else the
/// first held.
pub(super) fn pick_tag(text: &LangText, lang: &str) -> Option<String> {
    text.keys()
        .find(|k| k.as_str() == lang || k.split('-').next() == Some(lang))
        .or_else(|| text.keys().find(|k| k.as_str() == "en"))
        .or_else(|| text.keys().next())
        .cloned()
}

pub(super) fn pick_text(text: &LangText, lang: &str) -> Option<(String, String)> {
    let tag = pick_tag(text, lang)?;
    text.get(&tag).map(|t| (tag, t.clone()))
}

/// The translations other cities signed: each in its language, with its translating city, the
/// language it is from, whether the practice's city endorsed it and whether it is of an earlier
/// version.
fn translation_sections(ctx: &super::PageCtx, v: &crate::views::PracticeView) -> String {
    if v.translations.is_empty() {
        return String::new();
    }
    let (ui, t) = (ctx.ui, ctx.ui.t());
    let mut out = format!(
        "<section class=\"translations\" aria-labelledby=\"tr-h\"><h2 id=\"tr-h\">{}</h2>",
        esc(t.tr_heading)
    );
    for tr in &v.translations {
        let x = &tr.translation;
        let city = tr
            .translator_city
            .clone()
            .unwrap_or_else(|| tr.translator.short());
        let by = crate::i18n::fill(
            t.tr_by,
            &[("city", &city), ("from", &language_name(&x.from_lang))],
        );
        let mut marks = Vec::new();
        if tr.endorsed {
            marks.push(format!(
                "<span class=\"badge ok\">{}</span>",
                esc(t.tr_endorsed)
            ));
        }
        if !tr.of_current {
            marks.push(format!("<span class=\"badge\">{}</span>", esc(t.tr_older)));
        }
        let _ = write!(
            out,
            "<article class=\"translation\" id=\"tr-{id}\" lang=\"{l}\" dir=\"auto\"><h3>{name}</h3><p class=\"meta\" lang=\"{ui_lang}\">{by} {marks} <code title=\"{id_full}\">{id}</code></p><p class=\"ltitle\">{title}</p>",
            id = esc(&tr.id.short()),
            id_full = esc(&tr.id.to_hex()),
            l = esc(&x.lang),
            name = esc(&language_name(&x.lang)),
            ui_lang = ui.code(),
            by = esc(&by),
            marks = marks.join(" "),
            title = esc(&x.title),
        );
        for (label, text) in [
            (t.summary, &x.summary),
            (t.body, &x.body),
            (t.rationale, &x.rationale),
            (t.approach, &x.approach),
            (t.results_section, &x.results),
            (t.transferability, &x.transferability),
        ] {
            if !text.trim().is_empty() {
                let _ = write!(
                    out,
                    "<h4 lang=\"{}\">{}</h4>{}",
                    ui.code(),
                    esc(label),
                    paragraphs(text)
                );
            }
        }
        out.push_str("</article>");
    }
    out.push_str("</section>");
    out
}
