//! From an index document to a result: title and snippet in the reader's language when the
//! entry has it, else in the language the query matched, with matched words marked.

use crate::schema::{bucket_of, primary, TAG_SEPARATOR};
use crate::{Hit, SearchIndex, TranslatedBy, SNIPPET_CHARS};
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
                let mut snippet = generators.get(bucket_of(tag))?.iter().find_map(|g| {
                    let snippet = g.snippet(text);
                    (!snippet.highlighted().is_empty()).then_some(snippet)
                })?;
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                let range = snippet.fragment_range();
                let mut html = snippet.to_html();
                if range.start > 0 {
                    html.insert(0, '…');
                }
                if range.end < text.len() {
                    html.push('…');
                }
                Some((tag.clone(), html))
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
        let snippet_html = match snippet {
            Some((_, html)) => html,
            None => {
                let text = texts
                    .iter()
                    .find(|(tag, _)| *tag == lang)
                    .or_else(|| texts.first())
                    .map(|(_, text)| text.as_str())
                    .unwrap_or_default();
                excerpt_html(text, SNIPPET_CHARS)
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
            snippet_html,
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

/// The start of `text`, cut at a word boundary within `max_chars`, HTML-escaped.
pub(crate) fn excerpt_html(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    let cut = match text.char_indices().nth(max_chars) {
        None => text,
        Some((end, _)) => {
            let head = &text[..end];
            match head.rfind(char::is_whitespace) {
                Some(space) if space > end / 2 => &head[..space],
                _ => head,
            }
        }
    };
    let mut html = escape_html(cut);
    if cut.len() < text.len() {
        html.push('…');
    }
    html
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_at_words_and_escape() {
        assert_eq!(excerpt_html("a <b> & c", 100), "a &lt;b&gt; &amp; c");
        assert_eq!(excerpt_html("one two three four", 10), "one two…");
        assert_eq!(excerpt_html("", 10), "");
    }
}
