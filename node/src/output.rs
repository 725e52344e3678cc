//! How entries look to people (text) and to programs (JSON).

use coalition_record::payload::pick_lang;
use coalition_record::{Payload, PayloadKind, Roster};
use coalition_store::StoredEntry;

pub(crate) fn city_name(roster: &Roster, entry: &StoredEntry) -> String {
    roster
        .cities
        .get(&entry.entry.header.author)
        .map(|m| m.name.clone())
        .unwrap_or_else(|| format!("unknown city {}", entry.entry.header.author.short()))
}

pub(crate) fn kind_name(code: u16) -> &'static str {
    PayloadKind::of_code(code).name()
}

pub(crate) fn format_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let rem = secs.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        coalition_record::calendar::date_of_ms(ms),
        rem / 3600,
        (rem % 3600) / 60
    )
}

/// Milliseconds since the epoch at 00:00 UTC of a `YYYY-MM-DD` date (`None` for a day that
/// does not exist).
pub(crate) use coalition_record::calendar::day_start_ms as date_to_ms;

/// One line for listings: seq, short id, date, kind, commitments and title.
pub(crate) fn entry_line(roster: &Roster, e: &StoredEntry, lang: Option<&str>) -> String {
    let h = &e.entry.header;
    let title = e
        .payload()
        .map(|p| p.title(lang))
        .unwrap_or_else(|| "(payload erased)".into());
    let commitments = e
        .payload()
        .map(|p| p.commitments())
        .unwrap_or_default()
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut flags = String::new();
    if e.status.retracted_by.is_some() {
        flags.push_str(" [retracted]");
    }
    if e.status.superseded_by.is_some() {
        flags.push_str(" [superseded]");
    }
    format!(
        "{}  {:<16} #{:<4} {}  {:<10} [{}] {}{}",
        e.id().short(),
        truncate(&city_name(roster, e), 16),
        h.seq,
        &format_time(h.timestamp_ms)[..10],
        kind_name(h.kind),
        commitments,
        truncate(&title, 90),
        flags
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// The full text view of one entry.
pub(crate) fn entry_text(roster: &Roster, e: &StoredEntry, lang: Option<&str>) -> String {
    let h = &e.entry.header;
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<12} {v}\n"));
    line("id", e.id().to_hex());
    line("city", format!("{} ({})", city_name(roster, e), h.author));
    line("seq", h.seq.to_string());
    line("published", format_time(h.timestamp_ms));
    line("kind", kind_name(h.kind).to_string());
    line(
        "signature",
        "verified (ed25519, checked when stored; `coalition verify` re-checks)".into(),
    );
    if let Some(by) = e.status.retracted_by {
        line("status", format!("RETRACTED by {by}"));
    }
    if let Some(by) = e.status.superseded_by {
        line("status", format!("superseded by {by}"));
    }
    match e.payload() {
        None => line("payload", "erased".into()),
        Some(payload) => describe_payload(&mut out, payload, lang),
    }
    out
}

fn describe_payload(out: &mut String, payload: &Payload, lang: Option<&str>) {
    let text = |t: &coalition_record::LangText| pick_lang(t, lang).unwrap_or_default();
    let langs = |t: &coalition_record::LangText| t.keys().cloned().collect::<Vec<_>>().join(", ");
    let commitments = |ids: &[u8]| {
        ids.iter()
            .filter_map(|i| coalition_record::taxonomy::commitment(*i))
            .map(|c| format!("{}. {}", c.id, c.title))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut add = |k: &str, v: String| {
        if !v.trim().is_empty() {
            out.push_str(&format!("{k:<12} {v}\n"));
        }
    };
    match payload {
        Payload::Practice(_) | Payload::PracticeRevision(_) => {
            let Some(p) = payload.practice() else { return };
            if let Payload::PracticeRevision(r) = payload {
                add("revises", r.supersedes.to_hex());
            }
            add("title", text(&p.title));
            add("languages", langs(&p.title));
            add("place", format!("{}, {}", p.city, p.country));
            add(
                "period",
                format!(
                    "{} – {}",
                    p.period.start,
                    p.period.end.clone().unwrap_or_else(|| "ongoing".into())
                ),
            );
            add("commitments", commitments(&p.commitments));
            let lang_code = lang.unwrap_or("en");
            add(
                "grounds",
                p.grounds
                    .iter()
                    .map(|c| coalition_record::taxonomy::ground_label(c, lang_code))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            add("themes", p.themes.join(", "));
            add("target", p.target_groups.join(", "));
            add(
                "partners",
                coalition_record::taxonomy::partners_with_types(
                    &p.partners,
                    &p.partner_types,
                    lang_code,
                )
                .join(", "),
            );
            add("summary", text(&p.summary));
            add("rationale", text(&p.rationale));
            add("approach", text(&p.approach));
            add("results", text(&p.results));
            add("transfer", text(&p.transferability));
            add("links", p.links.join(" "));
            if p.illustrative {
                add("note", "illustrative sample data".into());
            }
        }
        Payload::ActivityUpdate(u) => {
            add("date", u.date.clone());
            add("category", format!("{:?}", u.category).to_lowercase());
            add("title", text(&u.title));
            add("commitments", commitments(&u.commitments));
            add("text", text(&u.text));
            add("links", u.links.join(" "));
        }
        Payload::ActivityReport(r) => {
            add("period", r.period.clone());
            add("place", format!("{}, {}", r.city, r.country));
            add("narrative", text(&r.narrative));
            for c in &r.commitments {
                let title =
                    coalition_record::taxonomy::commitment(c.commitment).map_or("", |t| t.title);
                add(
                    &format!("commitment {}", c.commitment),
                    format!("{} — {}", c.status.as_str(), title),
                );
                add("", text(&c.narrative));
                for ind in &c.indicators {
                    add("", format!("{}: {} {}", ind.name, ind.value, ind.unit));
                }
            }
        }
        Payload::Retraction(r) => {
            add("retracts", r.target.to_hex());
            add("reason", r.reason.clone());
        }
        Payload::Erasure(e) => add("erases", e.target.to_hex()),
        // A kind of a newer version says so (and to upgrade); other kinds show their title.
        _ => add("payload", payload.title(lang)),
    }
}
