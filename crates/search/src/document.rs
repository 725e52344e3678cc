//! From a stored entry to an index document: which entries are searchable, and what of them is
//! indexed and stored.
//!
//! Searchable are the *current* versions of practices (a practice or its latest revision) and
//! activity updates and reports, while they are neither retracted nor superseded and their
//! payload is held (an erased payload leaves nothing to search).

use crate::schema::{bucket_of, primary, Fields, BUCKETS, OPEN_END, TAG_SEPARATOR};
use coalition_record::{LangText, Payload, Roster};
use coalition_store::StoredEntry;
use std::collections::BTreeMap;
use tantivy::TantivyDocument;

/// Kind names as indexed: a revision is indexed as the practice it now is.
pub(crate) const KIND_PRACTICE: &str = "practice";
pub(crate) const KIND_UPDATE: &str = "update";
pub(crate) const KIND_REPORT: &str = "report";

/// Normalises a kind filter as people and the API write it.
pub(crate) fn kind_filter(kind: &str) -> String {
    match kind.trim().to_ascii_lowercase().as_str() {
        "practice_revision" | "revision" | "practices" => KIND_PRACTICE.into(),
        "activity_update" | "updates" => KIND_UPDATE.into(),
        "activity_report" | "reports" => KIND_REPORT.into(),
        other => other.to_string(),
    }
}

/// Per language tag: title, summary and the other sections of one entry.
#[derive(Default)]
struct Texts {
    titles: BTreeMap<String, String>,
    summaries: BTreeMap<String, String>,
    bodies: BTreeMap<String, Vec<String>>,
}

impl Texts {
    fn title(&mut self, text: &LangText) {
        for (tag, t) in text {
            if !t.trim().is_empty() {
                self.titles.insert(tag.clone(), t.clone());
            }
        }
    }

    fn summary(&mut self, text: &LangText) {
        for (tag, t) in text {
            if !t.trim().is_empty() {
                self.summaries.insert(tag.clone(), t.clone());
            }
        }
    }

    fn body(&mut self, text: &LangText) {
        for (tag, t) in text {
            if !t.trim().is_empty() {
                self.bodies.entry(tag.clone()).or_default().push(t.clone());
            }
        }
    }
}

/// The index document for `stored`, or None when it is not searchable (inactive, erased, or a
/// kind that is not searched: retractions, erasures). A practice's document holds the
/// translations other cities signed of it (any of its versions): each adds its texts in its
/// language, where the practice has none, so a search in that language finds the practice.
pub(crate) fn build(
    fields: &Fields,
    roster: &Roster,
    stored: &StoredEntry,
    translations: &[(
        coalition_record::PublicKey,
        coalition_record::translation::Translation,
    )],
) -> Option<TantivyDocument> {
    if stored.status.retracted_by.is_some() || stored.status.superseded_by.is_some() {
        return None;
    }
    let payload = stored.payload()?;
    let header = &stored.entry.header;
    let member = roster.cities.get(&header.author);
    let roster_city = member.map(|m| m.name.clone()).unwrap_or_default();
    let roster_country = member.map(|m| m.country.clone()).unwrap_or_default();
    // The roster names the author: a payload's own city or country is shown only for an author
    // the roster does not know (a signed entry may carry another member's name).
    let or_roster = |value: &str, roster_value: &str| {
        if member.is_some() || value.trim().is_empty() {
            roster_value.to_string()
        } else {
            value.trim().to_string()
        }
    };
    let mut texts = Texts::default();
    let mut tags: Vec<String> = Vec::new();
    // (language, translating city, translated from) of each language a translation added.
    let mut translated: Vec<(String, String, String)> = Vec::new();
    let (kind, city, country) = match payload {
        Payload::Practice(_) | Payload::PracticeRevision(_) => {
            let p = payload.practice()?;
            texts.title(&p.title);
            texts.summary(&p.summary);
            for section in [
                &p.body,
                &p.rationale,
                &p.approach,
                &p.results,
                &p.transferability,
            ] {
                texts.body(section);
            }
            for (translator, t) in translations {
                let primary_of = |tag: &str| coalition_record::schema::primary_tag(tag);
                if p.title.keys().any(|k| primary_of(k) == primary_of(&t.lang))
                    || translated
                        .iter()
                        .any(|(lang, _, _)| primary_of(lang) == primary_of(&t.lang))
                {
                    continue;
                }
                // Who translated it, so a result shown in this language says so.
                let by = roster
                    .cities
                    .get(translator)
                    .map_or_else(|| translator.short(), |m| m.name.clone());
                translated.push((t.lang.clone(), by, t.from_lang.clone()));
                let [title, summary, sections @ ..] = t.as_lang_texts();
                texts.title(&title);
                texts.summary(&summary);
                for section in &sections {
                    texts.body(section);
                }
            }
            tags.extend(p.themes.iter().cloned());
            tags.extend(p.target_groups.iter().cloned());
            tags.extend(p.partners.iter().cloned());
            (
                KIND_PRACTICE,
                or_roster(&p.city, &roster_city),
                or_roster(&p.country, &roster_country),
            )
        }
        Payload::ActivityUpdate(u) => {
            texts.title(&u.title);
            texts.body(&u.text);
            (KIND_UPDATE, roster_city.clone(), roster_country.clone())
        }
        Payload::ActivityReport(r) => {
            let city = or_roster(&r.city, &roster_city);
            let title = format!("Activity report {} ({city})", r.period);
            texts.titles.insert(String::new(), title);
            texts.body(&r.narrative);
            for c in &r.commitments {
                texts.body(&c.narrative);
            }
            (KIND_REPORT, city, or_roster(&r.country, &roster_country))
        }
        // Retractions and erasures act on other entries; kinds of newer versions are not read.
        _ => return None,
    };
    let country = country.to_ascii_uppercase();
    tags.push(city.clone());
    tags.push(country.clone());

    let mut doc = TantivyDocument::new();
    doc.add_text(fields.id, stored.id().to_hex());
    doc.add_text(fields.author, header.author.to_hex());
    doc.add_text(fields.kind, kind);
    for c in payload.commitments() {
        doc.add_u64(fields.commitment, u64::from(c));
    }
    if !country.is_empty() {
        doc.add_text(fields.country, &country);
    }
    if !city.is_empty() {
        doc.add_text(fields.city, &city);
        doc.add_text(fields.city_key, city.to_lowercase());
    }
    let mut languages: Vec<String> = payload.languages().iter().map(|t| primary(t)).collect();
    languages.sort();
    languages.dedup();
    for language in &languages {
        doc.add_text(fields.language, language);
    }
    for ground in payload.grounds().into_iter().flatten() {
        doc.add_text(fields.ground, ground);
    }
    if let Some(p) = payload.practice() {
        let mut types: Vec<&String> = p.partner_types.iter().filter(|t| !t.is_empty()).collect();
        types.sort();
        types.dedup();
        for partner_type in types {
            doc.add_text(fields.partner_type, partner_type);
        }
    }
    if let Some(year) = payload.year() {
        doc.add_i64(fields.year, i64::from(year));
        doc.add_i64(
            fields.year_end,
            end_year(payload).unwrap_or(i64::from(year)),
        );
    }
    doc.add_i64(fields.timestamp, header.timestamp_ms);
    for (lang, by, from) in &translated {
        doc.add_text(
            fields.translated,
            format!("{lang}{TAG_SEPARATOR}{by}{TAG_SEPARATOR}{from}"),
        );
    }
    for (tag, title) in &texts.titles {
        doc.add_text(fields.titles, format!("{tag}{TAG_SEPARATOR}{title}"));
        doc.add_text(fields.title_by_bucket[bucket_of(tag)], title);
    }
    for (tag, summary) in &texts.summaries {
        doc.add_text(fields.summary_by_bucket[bucket_of(tag)], summary);
    }
    let mut tags_with_text: Vec<&String> = texts.summaries.keys().collect();
    tags_with_text.extend(texts.bodies.keys());
    tags_with_text.sort();
    tags_with_text.dedup();
    for tag in tags_with_text {
        let body = texts.bodies.get(tag).map(|parts| parts.join("\n\n"));
        if let Some(body) = &body {
            doc.add_text(fields.text_by_bucket[bucket_of(tag)], body);
        }
        // Stored for snippets: the summary first, then the other sections.
        let stored = match (texts.summaries.get(tag), body) {
            (Some(summary), Some(body)) => format!("{summary}\n\n{body}"),
            (Some(summary), None) => summary.clone(),
            (None, Some(body)) => body,
            (None, None) => continue,
        };
        doc.add_text(fields.texts, format!("{tag}{TAG_SEPARATOR}{stored}"));
    }
    for tag in tags.iter().filter(|t| !t.trim().is_empty()) {
        doc.add_text(fields.tags, tag);
    }
    debug_assert_eq!(fields.text_by_bucket.len(), BUCKETS.len());
    Some(doc)
}

/// The last year a practice is active: its period's end year, [`OPEN_END`] when it has none.
/// Updates and reports are active in their own year only (None: the start year).
fn end_year(payload: &Payload) -> Option<i64> {
    let p = payload.practice()?;
    match p.period.end.as_deref().map(str::trim) {
        None | Some("") => Some(OPEN_END),
        Some(end) => end.get(..4).and_then(|y| y.parse().ok()),
    }
}
