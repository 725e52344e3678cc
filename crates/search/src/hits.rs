//! From an index document to a result: title and snippet in the reader's language when the
//! entry has it, else in the language the query matched, with the matched words' ranges.

use crate::schema::{bucket_of, primary, TAG_SEPARATOR};
use crate::{Hit, SearchIndex, Snippet, TranslatedBy, SNIPPET_CHARS};
use coalition_record::payload::pick_lang;
use coalition_record::LangText;
use std::collections::BTreeSet;
use tantivy::schema::Value;
use tantivy::snippet::SnippetGenerator;
use tantivy::TantivyDocument;

impl SearchIndex {
    pub(crate) fn hit(
        &self,
        doc: &TantivyDocument,
        score: f32,
        reader_lang: Option<&str>,
        generators: Option<&[Vec<SnippetGenerator>]>,
    ) -> Hit {
        let f = &self.fields;
        let text_of = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        };
        let tagged = |field| -> Vec<(String, String)> {
            doc.get_all(field)
                .filter_map(|v| v.as_str())
                .filter_map(|v| v.split_once(TAG_SEPARATOR))
                .map(|(tag, text)| (tag.to_string(), text.to_string()))
                .collect()
        };
        let titles: LangText = tagged(f.titles).into_iter().collect();
        let mut texts = tagged(f.texts);
        let reader_primary = reader_lang.map(primary);
        let is_reader = |tag: &str| Some(primary(tag)) == reader_primary;
        // The reader's language first, then the others in tag order.
        texts.sort_by_key(|(tag, _)| !is_reader(tag));
        let snippet = generators.and_then(|generators| {
            texts.iter().find_map(|(tag, text)| {
                // The summary's terms, else the other sections' (the stored text holds both).
                let snippet = generators.get(bucket_of(tag))?.iter().find_map(|g| {
                    let snippet = g.snippet(text);
                    (!snippet.highlighted().is_empty()).then_some(snippet)
                })?;
                Some((tag.clone(), Snippet::from_tantivy(&snippet, text)))
            })
        });
        let reader_tag = titles
            .keys()
            .chain(texts.iter().map(|(tag, _)| tag))
            .find(|tag| is_reader(tag))
            .cloned();
        let snippet_matched = snippet.is_some();
        let lang = match (&snippet, reader_tag) {
            (Some((tag, _)), _) => tag.clone(),
            (None, Some(tag)) => tag,
            (None, None) => default_tag(&titles, &texts),
        };
        let title = pick_lang(&titles, Some(&lang)).unwrap_or_default();
        let snippet = match snippet {
            Some((_, snippet)) => snippet,
            None => {
                let text = texts
                    .iter()
                    .find(|(tag, _)| *tag == lang)
                    .or_else(|| texts.first())
                    .map(|(_, text)| text.as_str())
                    .unwrap_or_default();
                Snippet::excerpt(text, SNIPPET_CHARS)
            }
        };
        let matched_lang = snippet_matched.then(|| lang.clone());
        let translated_by = doc
            .get_all(f.translated)
            .filter_map(|v| v.as_str())
            .filter_map(|v| {
                let mut parts = v.split(TAG_SEPARATOR);
                Some((parts.next()?, parts.next()?, parts.next()?))
            })
            .find(|(tag, _, _)| *tag == lang)
            .map(|(_, city, from)| TranslatedBy {
                city: city.to_string(),
                from_lang: from.to_string(),
            });
        Hit {
            id: text_of(f.id),
            matched_lang,
            score,
            title,
            snippet,
            lang,
            city: text_of(f.city),
            country: text_of(f.country),
            commitments: doc
                .get_all(f.commitment)
                .filter_map(|v| v.as_u64())
                .filter_map(|c| u8::try_from(c).ok())
                .collect(),
            year: doc
                .get_first(f.year)
                .and_then(|v| v.as_i64())
                .and_then(|y| i32::try_from(y).ok()),
            kind: text_of(f.kind),
            author: text_of(f.author),
            translated_by,
        }
    }
}

/// English when the entry has it, else its first language.
fn default_tag(titles: &LangText, texts: &[(String, String)]) -> String {
    let mut tags: BTreeSet<&String> = titles.keys().collect();
    tags.extend(texts.iter().map(|(tag, _)| tag));
    tags.iter()
        .find(|tag| primary(tag) == "en")
        .or_else(|| tags.iter().next())
        .map(|tag| tag.to_string())
        .unwrap_or_default()
}
