//! A result's snippet: a passage of the entry's text as plain text, with the byte ranges of the
//! words the query matched. Not HTML: whoever shows it marks the ranges up (the web page and the
//! JSON API's `snippet_html` with `<mark>`, the CLI with brackets) and escapes the rest.

use serde::Serialize;
use std::ops::Range;
use tantivy::snippet::collapse_overlapped_ranges;

/// What marks a snippet cut from a longer text, at the cut.
const ELLIPSIS: &str = "…";

/// A passage shown with a result, and where the query's words are in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// Plain text; "…" where it was cut from a longer text.
    #[serde(rename = "snippet_text")]
    pub text: String,
    /// Byte ranges of `text` (UTF-8) that the query matched: ascending, not overlapping, empty
    /// when no word of the text matched.
    pub highlights: Vec<Highlight>,
}

/// The bytes `start..end` of a snippet's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Highlight {
    /// First byte, inclusive (on a UTF-8 boundary).
    pub start: usize,
    /// Past the last byte, exclusive (on a UTF-8 boundary, `> start`).
    pub end: usize,
}

impl Snippet {
    /// From tantivy's snippet of `text`: its fragment with "…" where `text` goes on, and its
    /// highlighted ranges, merged where they overlap or touch.
    pub(crate) fn from_tantivy(snippet: &tantivy::snippet::Snippet, text: &str) -> Snippet {
        let range = snippet.fragment_range();
        let before = if range.start > 0 { ELLIPSIS } else { "" };
        let after = if range.end < text.len() { ELLIPSIS } else { "" };
        let highlights = collapse_overlapped_ranges(snippet.highlighted())
            .into_iter()
            .map(|Range { start, end }| Highlight {
                start: start + before.len(),
                end: end + before.len(),
            })
            .collect();
        Snippet {
            text: format!("{before}{}{after}", snippet.fragment()),
            highlights,
        }
    }

    /// The start of `text`, cut at a word boundary within `max_chars`, nothing marked.
    pub(crate) fn excerpt(text: &str, max_chars: usize) -> Snippet {
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
        let after = if cut.len() < text.len() { ELLIPSIS } else { "" };
        Snippet {
            text: format!("{cut}{after}"),
            highlights: Vec::new(),
        }
    }

    /// The text in order, in parts that are matched or not. A range that is out of order, out of
    /// the text or not on character boundaries is left unmarked.
    pub fn parts(&self) -> Vec<(&str, bool)> {
        let text = self.text.as_str();
        let mut parts = Vec::new();
        let mut at = 0;
        for &Highlight { start, end } in &self.highlights {
            let (Some(plain), Some(matched)) = (text.get(at..start), text.get(start..end)) else {
                continue;
            };
            if !plain.is_empty() {
                parts.push((plain, false));
            }
            if !matched.is_empty() {
                parts.push((matched, true));
            }
            at = end;
        }
        if let Some(rest) = text.get(at..).filter(|rest| !rest.is_empty()) {
            parts.push((rest, false));
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(text: &str, highlights: &[(usize, usize)]) -> Snippet {
        Snippet {
            text: text.to_string(),
            highlights: highlights
                .iter()
                .map(|&(start, end)| Highlight { start, end })
                .collect(),
        }
    }

    #[test]
    fn excerpts_cut_at_words_and_stay_text() {
        assert_eq!(Snippet::excerpt("a <b> & c", 100).text, "a <b> & c");
        assert_eq!(Snippet::excerpt("one two three four", 10).text, "one two…");
        assert_eq!(Snippet::excerpt("", 10), Snippet::default());
    }

    #[test]
    fn parts_follow_the_ranges() {
        let s = snippet("…the logement & co", &[(7, 15)]);
        assert_eq!(
            s.parts(),
            vec![("…the ", false), ("logement", true), (" & co", false)]
        );
        assert_eq!(snippet("ab", &[(0, 2)]).parts(), vec![("ab", true)]);
    }

    #[test]
    fn bad_ranges_are_not_marked() {
        // Inside "…" (3 bytes), past the end, backwards.
        let s = snippet("…ab", &[(1, 2), (3, 9), (4, 3)]);
        assert_eq!(s.parts(), vec![("…ab", false)]);
    }
}
