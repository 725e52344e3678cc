//! What a search asks ([`SearchQuery`]) and what it answers ([`SearchResults`]: ranked hits and
//! facet counts), as the API, the CLI and the web page see them.

use crate::snippet::Snippet;
use serde::{Deserialize, Serialize};

/// What to look for. Several values of one filter are alternatives (any may match); different
/// filters must all match. An empty filter does not filter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// The question, in any language (`"a phrase"` must match as written, `-word` excludes).
    /// Results match a minimum of its words that grows with its length, see
    /// [`crate::SearchIndex::search`]. None or blank: list newest first.
    pub text: Option<String>,
    /// The reader's language (BCP 47): its texts rank higher, and titles and snippets are shown
    /// in it when the entry has it.
    pub lang: Option<String>,
    /// Ten-Point-Plan commitments, any of which the entry serves.
    pub commitments: Vec<u8>,
    /// ISO 3166-1 alpha-2, any case.
    pub country: Vec<String>,
    /// City names, any case.
    pub city: Vec<String>,
    /// Entries written (at least partly) in one of these languages; matched on the primary subtag.
    pub language: Vec<String>,
    /// Entries active in one of these years: a practice's period overlaps it (a practice without
    /// an end is ongoing); an update's date or a report's period is in it.
    pub year: Vec<i32>,
    /// Entries that started in one of these years (a practice's period start, an update's date,
    /// a report's period).
    pub started: Vec<i32>,
    /// "practice", "update" or "report" ("revision" counts as "practice").
    pub kind: Vec<String>,
    /// Grounds of discrimination (codes of docs/grounds.toml) a practice addresses.
    pub ground: Vec<String>,
    /// Types of partner (codes of docs/partner-types.toml) a practice names.
    pub partner_type: Vec<String>,
    /// Hits to skip, in rank order (paging; default 0).
    pub offset: usize,
    /// 0 means [`crate::DEFAULT_LIMIT`]; at most [`crate::MAX_LIMIT`].
    pub limit: usize,
    /// How words are matched; not a request parameter (the benchmark compares the modes).
    #[serde(skip)]
    pub mode: SearchMode,
}

/// How a query's words are matched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SearchMode {
    /// Ranked retrieval: BM25 with a minimum-should-match, thesaurus expansion, typo tolerance.
    #[default]
    Ranked,
    /// Every word must match, no expansion: the behaviour before ranked retrieval, kept as the
    /// search-quality benchmark's baseline.
    AllWords,
}

/// One page of results, with the facet counts of the whole filtered set.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Entries matching the query and filters, before offset and limit.
    pub total: usize,
    /// The page: at most `limit` hits from `offset`, best first (newest first without words).
    pub hits: Vec<Hit>,
    /// Counts over every entry matching the query and filters, not only the page.
    pub facets: Facets,
    /// Wall-clock time of the search, milliseconds.
    pub took_ms: f64,
    /// True when no entry matches all of the query's words and the hits match only some.
    pub relaxed: bool,
}

/// One result: an entry's title, snippet and metadata.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Entry id, hex.
    pub id: String,
    /// BM25 score; 0 when the query had no words.
    pub score: f32,
    /// Title in `lang`, else in another language the entry has; empty when it has none.
    pub title: String,
    /// The passage shown, as text with the ranges of the matched words; the start of the text
    /// when no word of it matched. Serialized as `snippet_text` and `highlights`.
    #[serde(flatten)]
    pub snippet: Snippet,
    /// Language tag of the title and snippet shown.
    pub lang: String,
    /// Language tag of the text the query matched in (its words are marked in the snippet);
    /// None when only the title or tags matched, or the query had no words.
    pub matched_lang: Option<String>,
    /// City name as written by the author.
    pub city: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// Ten-Point-Plan commitments (1..=10), as indexed.
    pub commitments: Vec<u8>,
    /// Start year (as the `started` filter reads it); None when the entry gives none.
    pub year: Option<i32>,
    /// "practice", "update" or "report".
    pub kind: String,
    /// The author's city key, hex.
    pub author: String,
    /// Set when the title and snippet shown are another city's signed translation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translated_by: Option<TranslatedBy>,
}

/// The city that translated the text a hit shows, and the language it translated from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranslatedBy {
    /// The translating city's name.
    pub city: String,
    /// Language tag of the text it translated from.
    pub from_lang: String,
}

/// Counts over the whole filtered result set. Commitments ascending, years newest first, the
/// others most frequent first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    /// (commitment, entries).
    pub commitment: Vec<(u8, u64)>,
    /// (ISO 3166-1 alpha-2 code, entries).
    pub country: Vec<(String, u64)>,
    /// (city name as written, entries).
    pub city: Vec<(String, u64)>,
    /// (primary language subtag, entries); an entry in several languages counts in each.
    pub language: Vec<(String, u64)>,
    /// (start year, entries).
    pub year: Vec<(i32, u64)>,
    /// ("practice", "update" or "report", entries).
    pub kind: Vec<(String, u64)>,
    /// Grounds of discrimination (codes), practices only.
    pub ground: Vec<(String, u64)>,
    /// Types of partner (codes), practices only.
    pub partner_type: Vec<(String, u64)>,
}
