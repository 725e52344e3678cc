//! The multilingual thesaurus: concepts of the Ten-Point-Plan's field with their terms in the
//! coalition's eight languages (`docs/thesaurus.toml`, compiled in), extended by a city's own
//! `thesaurus.toml` in its data directory.
//!
//! A query's words are looked up here (longest run of words first, case and accents ignored,
//! then by stem in each language); a concept found expands the query into the concept's terms in
//! every language, see [`crate::query`].

use crate::schema::{self, BUCKETS};
use crate::SearchError;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use tantivy::tokenizer::TextAnalyzer;

const BUILTIN: &str = include_str!("../../../docs/thesaurus.toml");

/// The thesaurus's languages, in the order of their index buckets.
pub const LANGS: [&str; 8] = ["en", "fr", "de", "es", "it", "nl", "sv", "pt"];

/// The name of a city's extension file in its data directory.
pub const EXTENSION_FILE: &str = "thesaurus.toml";

/// Words shorter than this are matched by their exact (folded) form only, never by stem.
const MIN_STEM_CHARS: usize = 4;
/// Words at least this long are corrected to a thesaurus term one edit away.
pub const MIN_TYPO_CHARS: usize = 6;

/// One term of a concept.
#[derive(Debug, Clone)]
pub struct ConceptTerm {
    /// Index into [`LANGS`].
    pub lang: usize,
    /// The term as written in the thesaurus file (not folded).
    pub text: String,
    /// The term as its language's analyser indexes it (folded and stemmed), analysed once at
    /// load rather than for every query that expands it.
    pub analysed: Vec<String>,
}

/// A concept: one idea named by terms in several languages.
#[derive(Debug, Clone)]
pub struct Concept {
    /// The concept's key in the thesaurus file (`[concepts.<id>]`).
    pub id: String,
    /// Its terms, in every language that has one (several per language allowed).
    pub terms: Vec<ConceptTerm>,
}

/// A run of query words that names concepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Words covered, from the start given.
    pub len: usize,
    /// Concept indexes.
    pub concepts: Vec<usize>,
    /// Languages (indexes into [`LANGS`]) whose terms matched.
    pub langs: Vec<usize>,
}

/// The concepts with their lookup tables: the built-in thesaurus, optionally extended by a city's.
pub struct Thesaurus {
    concepts: Vec<Concept>,
    by_id: HashMap<String, usize>,
    /// Folded words joined by a space → (concept, language).
    folded: HashMap<String, Vec<(usize, usize)>>,
    /// Per language: stemmed words joined by a space → concepts.
    stemmed: Vec<HashMap<String, Vec<usize>>>,
    /// Single-word folded terms → (concept, language), for typo correction.
    words: Vec<(String, usize, usize)>,
    max_words: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    concepts: BTreeMap<String, BTreeMap<String, String>>,
}

/// Analysers for thesaurus lookups: folding only, and folding then stemming per language.
pub struct Analysers {
    /// Lowercasing and ASCII folding, no stemming.
    pub fold: TextAnalyzer,
    /// Per language of [`LANGS`] (same order): folding then that language's stemmer.
    pub stem: Vec<TextAnalyzer>,
}

impl Analysers {
    /// The analysers for every language of [`LANGS`].
    pub fn new() -> Analysers {
        let stem = LANGS
            .iter()
            .map(|code| {
                let stemmer = BUCKETS
                    .iter()
                    .find(|b| b.code == *code)
                    .and_then(|b| b.stemmer);
                schema::analyser(stemmer)
            })
            .collect();
        Analysers {
            fold: schema::analyser(None),
            stem,
        }
    }
}

impl Default for Analysers {
    fn default() -> Self {
        Analysers::new()
    }
}

/// The tokens `analyser` makes of `text`.
pub fn tokens(analyser: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyser.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = tantivy::tokenizer::TokenStream::next(&mut stream) {
        out.push(token.text.clone());
    }
    out
}

impl Thesaurus {
    /// The coalition's thesaurus as compiled in.
    pub fn builtin() -> Result<Thesaurus, SearchError> {
        let mut t = Thesaurus {
            concepts: Vec::new(),
            by_id: HashMap::new(),
            folded: HashMap::new(),
            stemmed: vec![HashMap::new(); LANGS.len()],
            words: Vec::new(),
            max_words: 1,
        };
        t.extend(BUILTIN, "docs/thesaurus.toml")?;
        Ok(t)
    }

    /// The built-in thesaurus extended by `dir/thesaurus.toml` when that file exists.
    pub fn with_extension(dir: &Path) -> Result<Thesaurus, SearchError> {
        let mut t = Thesaurus::builtin()?;
        let path = dir.join(EXTENSION_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                t.extend(&text, &path.display().to_string())?;
                tracing::info!(file = %path.display(), concepts = t.len(), "thesaurus extended");
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(SearchError::Data {
                    file: path.display().to_string(),
                    detail: e.to_string(),
                })
            }
        }
        Ok(t)
    }

    /// Adds the concepts of a thesaurus file: a new id adds a concept, a known id adds terms.
    pub fn extend(&mut self, text: &str, file: &str) -> Result<(), SearchError> {
        let error = |detail: String| SearchError::Data {
            file: file.to_string(),
            detail,
        };
        let parsed: File = toml::from_str(text).map_err(|e| error(e.to_string()))?;
        let mut analysers = Analysers::new();
        for (id, by_lang) in parsed.concepts {
            let index = match self.by_id.get(&id) {
                Some(&i) => i,
                None => {
                    self.concepts.push(Concept {
                        id: id.clone(),
                        terms: Vec::new(),
                    });
                    self.by_id.insert(id.clone(), self.concepts.len() - 1);
                    self.concepts.len() - 1
                }
            };
            for (lang, terms) in by_lang {
                let Some(l) = LANGS.iter().position(|c| *c == lang) else {
                    return Err(error(format!(
                        "concept {id}: language '{lang}' is not one of {}",
                        LANGS.join(", ")
                    )));
                };
                for term in terms.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    self.add_term(&mut analysers, index, l, term);
                }
            }
        }
        Ok(())
    }

    fn add_term(&mut self, analysers: &mut Analysers, concept: usize, lang: usize, term: &str) {
        let folded = tokens(&mut analysers.fold, term);
        if folded.is_empty() {
            return;
        }
        self.max_words = self.max_words.max(folded.len());
        let key = folded.join(" ");
        let entry = self.folded.entry(key.clone()).or_default();
        if !entry.contains(&(concept, lang)) {
            entry.push((concept, lang));
        }
        if folded.len() == 1 {
            self.words.push((key, concept, lang));
        }
        let analysed = tokens(&mut analysers.stem[lang], term);
        let entry = self.stemmed[lang].entry(analysed.join(" ")).or_default();
        if !entry.contains(&concept) {
            entry.push(concept);
        }
        self.concepts[concept].terms.push(ConceptTerm {
            lang,
            text: term.to_string(),
            analysed,
        });
    }

    /// Number of concepts.
    pub fn len(&self) -> usize {
        self.concepts.len()
    }

    /// True when it holds no concept.
    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty()
    }

    /// The concept at `index` (as in [`Match::concepts`]); None when out of range.
    pub fn concept(&self, index: usize) -> Option<&Concept> {
        self.concepts.get(index)
    }

    /// Words in the longest term (at least 1): the longest run a lookup need try.
    pub fn max_words(&self) -> usize {
        self.max_words
    }

    /// The longest run of words from `start` that names concepts. `folded` are the query's
    /// folded words, `stems[lang][i]` word i stemmed for that language. Terms of `prefer`
    /// (the reader's language) win over the same words in other languages.
    pub fn longest_match(
        &self,
        folded: &[String],
        stems: &[Vec<String>],
        start: usize,
        prefer: Option<usize>,
    ) -> Option<Match> {
        let longest = self.max_words.min(folded.len().saturating_sub(start));
        for len in (1..=longest).rev() {
            let words = &folded[start..start + len];
            if let Some(found) = self.folded.get(&words.join(" ")) {
                let preferred: Vec<_> = found
                    .iter()
                    .filter(|(_, l)| Some(*l) == prefer)
                    .copied()
                    .collect();
                let chosen = if preferred.is_empty() {
                    found.clone()
                } else {
                    preferred
                };
                return Some(collect(len, chosen));
            }
            if words.iter().any(|w| w.chars().count() < MIN_STEM_CHARS) && len == 1 {
                continue;
            }
            let mut found = Vec::new();
            let order = prefer
                .into_iter()
                .chain((0..LANGS.len()).filter(|l| Some(*l) != prefer));
            for lang in order {
                let Some(stemmed) = stems.get(lang).and_then(|s| s.get(start..start + len)) else {
                    continue;
                };
                if let Some(concepts) = self.stemmed[lang].get(&stemmed.join(" ")) {
                    found.extend(concepts.iter().map(|c| (*c, lang)));
                    if Some(lang) == prefer {
                        break;
                    }
                }
            }
            if !found.is_empty() {
                return Some(collect(len, found));
            }
        }
        None
    }

    /// A single-word term one edit (insertion, deletion, substitution, transposition) from
    /// `word`, which must be at least [`MIN_TYPO_CHARS`] long: (concept, language, term).
    pub fn correct(&self, word: &str) -> Option<(usize, usize, &str)> {
        if word.chars().count() < MIN_TYPO_CHARS {
            return None;
        }
        self.words
            .iter()
            .find(|(term, _, _)| within_one_edit(word, term))
            .map(|(term, c, l)| (*c, *l, term.as_str()))
    }
}

fn collect(len: usize, pairs: Vec<(usize, usize)>) -> Match {
    let mut concepts: Vec<usize> = pairs.iter().map(|(c, _)| *c).collect();
    concepts.sort_unstable();
    concepts.dedup();
    let mut langs: Vec<usize> = pairs.iter().map(|(_, l)| *l).collect();
    langs.sort_unstable();
    langs.dedup();
    Match {
        len,
        concepts,
        langs,
    }
}

/// True when `a` and `b` differ by at most one edit (a transposition counts as one).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() {
        (&a, &b)
    } else {
        (&b, &a)
    };
    match long.len() - short.len() {
        0 => {
            let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match diffs.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        1 => {
            let first = (0..short.len())
                .find(|&i| short[i] != long[i])
                .unwrap_or(short.len());
            short[first..] == long[first + 1..]
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(t: &Thesaurus, text: &str, prefer: Option<&str>) -> Vec<String> {
        let mut a = Analysers::new();
        let folded = tokens(&mut a.fold, text);
        let stems: Vec<Vec<String>> = a
            .stem
            .iter_mut()
            .map(|s| folded.iter().map(|w| tokens(s, w).join(" ")).collect())
            .collect();
        let prefer = prefer.and_then(|p| LANGS.iter().position(|l| *l == p));
        let mut out = Vec::new();
        let mut i = 0;
        while i < folded.len() {
            match t.longest_match(&folded, &stems, i, prefer) {
                Some(m) => {
                    for c in &m.concepts {
                        out.push(t.concept(*c).map(|c| c.id.clone()).unwrap_or_default());
                    }
                    i += m.len;
                }
                None => i += 1,
            }
        }
        out
    }

    #[test]
    fn builtin_has_150_concepts_in_eight_languages() {
        let t = Thesaurus::builtin().expect("thesaurus");
        assert!(t.len() >= 150, "{} concepts", t.len());
        let complete = t
            .concepts
            .iter()
            .filter(|c| (0..LANGS.len()).all(|l| c.terms.iter().any(|t| t.lang == l)))
            .count();
        assert_eq!(
            complete,
            t.len(),
            "every concept has terms in all eight languages"
        );
    }

    #[test]
    fn multiword_terms_win_and_accents_and_case_do_not_matter() {
        let t = Thesaurus::builtin().expect("thesaurus");
        assert_eq!(
            matches(&t, "Délits de Haine", Some("fr")),
            vec!["hate_crime"]
        );
        assert_eq!(matches(&t, "delits de haine", None), vec!["hate_crime"]);
        assert_eq!(
            matches(&t, "app to report hate crimes", Some("en")),
            vec!["app", "reporting", "hate_crime"]
        );
        assert_eq!(matches(&t, "hatbrott", Some("en")), vec!["hate_crime"]);
    }

    #[test]
    fn the_readers_language_wins_over_a_false_friend() {
        let t = Thesaurus::builtin().expect("thesaurus");
        // Swedish "offer" is a victim; in English it is not a thesaurus word at all.
        assert_eq!(matches(&t, "offer", Some("sv")), vec!["victim"]);
    }

    #[test]
    fn typos_one_edit_away_are_corrected() {
        let t = Thesaurus::builtin().expect("thesaurus");
        let (c, _, term) = t.correct("discrimnation").expect("corrected");
        assert_eq!(term, "discrimination");
        assert_eq!(t.concept(c).map(|c| c.id.as_str()), Some("discrimination"));
        assert!(t.correct("xyzxyzxyz").is_none());
        assert!(within_one_edit("housign", "housing"));
        assert!(!within_one_edit("hosuign", "housing"));
    }

    #[test]
    fn an_extension_adds_concepts_and_refuses_unknown_languages() {
        let mut t = Thesaurus::builtin().expect("thesaurus");
        let before = t.len();
        t.extend(
            "[concepts]\nfootball_fans = { en = \"fan zone\", nl = \"fanzone\" }\n",
            "test",
        )
        .expect("extended");
        assert_eq!(t.len(), before + 1);
        assert_eq!(matches(&t, "fan zone", None), vec!["football_fans"]);
        let err = t
            .extend("[concepts]\nx = { xx = \"y\" }\n", "city.toml")
            .expect_err("unknown language");
        assert!(err.to_string().contains("'xx' is not one of"), "{err}");
    }
}
