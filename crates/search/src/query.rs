//! From a question to a tantivy query.
//!
//! The question is split into word groups: a run of words that names a thesaurus concept
//! ("hate crimes", "Vergabe von Wohnungen"), a quoted phrase, or a single word; stop words
//! outside concepts are dropped and `-word` excludes. Each group matches in every language
//! bucket's title, summary and other sections (weighted in that order) and in the tags; a
//! concept group also matches the concept's terms in all eight languages, with a lower weight
//! than the words typed. A word found nowhere in the index is corrected to a thesaurus term one
//! edit away, or else matched with edit distance 1. Adjacent words close together in a text
//! boost it. [`crate::SearchIndex::search`] then asks for a minimum of the groups to match.

use crate::schema::{analyser_name, bucket_of, Fields, BUCKETS};
use crate::stopwords::is_stop_word;
use crate::thesaurus::{tokens, Analysers, Thesaurus, LANGS, MIN_TYPO_CHARS};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, EmptyQuery, FuzzyTermQuery, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};
use tantivy::{Searcher, Term};

/// Field weights: title > summary > other sections > themes, target groups, partners.
const TITLE_WEIGHT: f32 = 3.0;
const SUMMARY_WEIGHT: f32 = 2.0;
const TEXT_WEIGHT: f32 = 1.0;
const TAGS_WEIGHT: f32 = 0.5;
/// A concept's terms count this much against the words typed.
const EXPANSION_WEIGHT: f32 = 0.3;
/// A concept of one word of a term of several words counts this much (each such concept apart).
const PART_WEIGHT: f32 = 0.2;
/// Among a concept's terms, each further one matching adds this share of its score.
const EXPANSION_TIE: f32 = 0.2;
/// A word matched within edit distance 1 counts this much.
const FUZZY_WEIGHT: f32 = 0.5;
/// Two adjacent words of the question found close together.
const PROXIMITY_WEIGHT: f32 = 1.0;
/// Words between two adjacent question words that still count as close.
const PROXIMITY_SLOP: u32 = 3;
/// The reader's own language counts this much more.
const READER_LANGUAGE_BOOST: f32 = 1.2;

/// One unit of the question that the minimum-should-match counts.
enum Group {
    /// Folded words, and whether they must be adjacent (a quoted phrase).
    Words { words: Vec<String>, exact: bool },
    /// Folded words naming thesaurus concepts; `parts` are the concepts of single words of a
    /// term of several words that the term's own concepts do not already hold.
    Concepts {
        words: Vec<String>,
        concepts: Vec<usize>,
        parts: Vec<usize>,
    },
}

/// The planned query.
pub struct Plan {
    /// One query per group; a result must match a minimum of them.
    pub groups: Vec<Box<dyn Query>>,
    /// Proximity boosts, optional: each a phrase (or term) query on one field, whose score a
    /// document matching it adds.
    pub boosts: Vec<Box<dyn Query>>,
    /// `-word` exclusions.
    pub excluded: Vec<Box<dyn Query>>,
}

/// Builds plans against one searcher (to skip terms the index does not hold).
pub struct Planner<'a> {
    /// The index's fields.
    pub fields: &'a Fields,
    /// Concepts to expand query words into.
    pub thesaurus: &'a Thesaurus,
    /// The index's tokenizers, with the analysers registered ([`crate::schema::register_analysers`]).
    pub tokenizers: &'a TokenizerManager,
    /// The searcher whose segments decide which terms exist.
    pub searcher: &'a Searcher,
    /// Bucket of the reader's language.
    pub reader_bucket: Option<usize>,
}

/// A part of the raw question.
enum Part {
    Free(String),
    Phrase(String),
    Exclude(String),
}

fn split_parts(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut free = String::new();
    let push_words = |segment: &str, parts: &mut Vec<Part>, free: &mut String| {
        for word in segment.split_whitespace() {
            match word.strip_prefix('-') {
                Some(rest) if !rest.is_empty() => parts.push(Part::Exclude(rest.to_string())),
                _ => {
                    free.push(' ');
                    free.push_str(word);
                }
            }
        }
    };
    let mut rest = text;
    while let Some(open) = rest.find('"') {
        push_words(&rest[..open], &mut parts, &mut free);
        let after = &rest[open + 1..];
        match after.find('"') {
            Some(close) => {
                if !free.trim().is_empty() {
                    parts.push(Part::Free(std::mem::take(&mut free)));
                }
                parts.push(Part::Phrase(after[..close].to_string()));
                rest = &after[close + 1..];
            }
            None => {
                rest = after;
                break;
            }
        }
    }
    push_words(rest, &mut parts, &mut free);
    if !free.trim().is_empty() {
        parts.push(Part::Free(free));
    }
    parts
}

impl Planner<'_> {
    fn analyser(&self, bucket: usize) -> Option<TextAnalyzer> {
        self.tokenizers.get(&analyser_name(BUCKETS.get(bucket)?))
    }

    fn language_boost(&self, bucket: usize) -> f32 {
        if Some(bucket) == self.reader_bucket {
            READER_LANGUAGE_BOOST
        } else {
            1.0
        }
    }

    /// Whether any segment holds `term`: stops at the first that does (`Searcher::doc_freq`
    /// would look the term up in every segment, which was most of planning's time).
    fn exists(&self, term: &Term) -> bool {
        self.searcher.segment_readers().iter().any(|segment| {
            segment
                .inverted_index(term.field())
                .ok()
                .and_then(|index| index.doc_freq(term).ok())
                .is_some_and(|n| n > 0)
        })
    }

    /// `words` (already folded) as a term or phrase query on `field`, analysed by `analyser`;
    /// None when a word of it is not in the index.
    fn on_field(
        &self,
        field: Field,
        analysed: &[String],
        slop: u32,
        weight: f32,
    ) -> Option<Box<dyn Query>> {
        let terms: Vec<Term> = analysed
            .iter()
            .map(|t| Term::from_field_text(field, t))
            .collect();
        if terms.is_empty() || !terms.iter().all(|t| self.exists(t)) {
            return None;
        }
        let query: Box<dyn Query> = if terms.len() == 1 {
            let term = terms.into_iter().next()?;
            Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
        } else {
            let mut phrase = PhraseQuery::new(terms);
            phrase.set_slop(slop);
            Box::new(phrase)
        };
        Some(Box::new(BoostQuery::new(query, weight)))
    }

    /// `text` in a bucket's title, summary and other sections.
    fn in_bucket(&self, bucket: usize, text: &str, slop: u32, weight: f32) -> Vec<Box<dyn Query>> {
        let Some(mut analyser) = self.analyser(bucket) else {
            return Vec::new();
        };
        self.analysed_in_bucket(bucket, &tokens(&mut analyser, text), slop, weight)
    }

    /// Words already analysed by `bucket`'s analyser in its title, summary and other sections.
    fn analysed_in_bucket(
        &self,
        bucket: usize,
        analysed: &[String],
        slop: u32,
        weight: f32,
    ) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        let boost = weight * self.language_boost(bucket);
        [
            (f.title_by_bucket[bucket], TITLE_WEIGHT),
            (f.summary_by_bucket[bucket], SUMMARY_WEIGHT),
            (f.text_by_bucket[bucket], TEXT_WEIGHT),
        ]
        .into_iter()
        .filter_map(|(field, w)| self.on_field(field, analysed, slop, w * boost))
        .collect()
    }

    /// The words as typed, in every bucket and the tags.
    fn typed(&self, words: &[String], slop: u32) -> Vec<Box<dyn Query>> {
        let text = words.join(" ");
        let mut clauses: Vec<Box<dyn Query>> = (0..BUCKETS.len())
            .flat_map(|b| self.in_bucket(b, &text, slop, 1.0))
            .collect();
        if let Some(tags) = self.on_field(self.fields.tags, words, slop, TAGS_WEIGHT) {
            clauses.push(tags);
        }
        clauses
    }

    /// Two adjacent question words close together in a title or summary, in every bucket. Not
    /// in the other sections: position checks on long texts full of common words are what made
    /// three-word questions slow (a phrase query per field over most documents), for little gain.
    fn near(&self, a: &str, b: &str) -> Vec<Box<dyn Query>> {
        let text = format!("{a} {b}");
        let f = self.fields;
        let mut clauses = Vec::new();
        for bucket in 0..BUCKETS.len() {
            let Some(mut analyser) = self.analyser(bucket) else {
                continue;
            };
            let analysed = tokens(&mut analyser, &text);
            let boost = self.language_boost(bucket);
            for (field, w) in [
                (f.title_by_bucket[bucket], TITLE_WEIGHT),
                (f.summary_by_bucket[bucket], SUMMARY_WEIGHT),
            ] {
                clauses.extend(self.on_field(field, &analysed, PROXIMITY_SLOP, w * boost));
            }
        }
        clauses
    }

    /// Every term of the concepts, each in its language's bucket, except the words typed.
    ///
    /// A term of several words is left out when one of its words is, in the same bucket, the
    /// word typed or a one-word term of these concepts ("police officers" beside "police"): every
    /// text it matches is then matched already, by the group's own clauses, so it would change
    /// no match and add only a tie-breaker's share of score, at the price of position checks
    /// over the long texts of most documents.
    fn expansions(&self, words: &[String], concepts: &[usize]) -> Vec<Box<dyn Query>> {
        let typed = words.join(" ");
        // Per bucket: the words typed as its analyser analyses them.
        let mut typed_by_bucket: HashMap<usize, Vec<String>> = HashMap::new();
        let mut seen = HashSet::new();
        let mut terms: Vec<(usize, &[String])> = Vec::new();
        for concept in concepts.iter().filter_map(|c| self.thesaurus.concept(*c)) {
            for term in &concept.terms {
                let bucket = bucket_of(LANGS[term.lang]);
                let typed = match typed_by_bucket.entry(bucket) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => {
                        let Some(mut analyser) = self.analyser(bucket) else {
                            continue;
                        };
                        slot.insert(tokens(&mut analyser, &typed))
                    }
                };
                // The thesaurus analysed the term with its language's analyser, its bucket's.
                let analysed = term.analysed.as_slice();
                if analysed.is_empty() || typed == analysed || !seen.insert((bucket, analysed)) {
                    continue;
                }
                terms.push((bucket, analysed));
            }
        }
        let single_words: HashSet<(usize, &str)> = terms
            .iter()
            .copied()
            .chain(
                typed_by_bucket
                    .iter()
                    .map(|(bucket, typed)| (*bucket, typed.as_slice())),
            )
            .filter_map(|(bucket, analysed)| match analysed {
                [word] => Some((bucket, word.as_str())),
                _ => None,
            })
            .collect();
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        for (bucket, analysed) in &terms {
            if analysed.len() > 1
                && analysed
                    .iter()
                    .any(|word| single_words.contains(&(*bucket, word.as_str())))
            {
                continue;
            }
            let fields = self.analysed_in_bucket(*bucket, analysed, 1, 1.0);
            if !fields.is_empty() {
                clauses.push(Box::new(BooleanQuery::union(fields)));
            }
        }
        clauses
    }

    /// A word found nowhere, matched within one edit in every language's fields.
    fn fuzzy(&self, word: &str) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        let mut clauses: Vec<Box<dyn Query>> = Vec::new();
        for bucket in 0..BUCKETS.len() {
            let Some(mut analyser) = self.analyser(bucket) else {
                continue;
            };
            let [stem] = tokens(&mut analyser, word).try_into().unwrap_or_default();
            if stem.is_empty() {
                continue;
            }
            for (field, w) in [
                (f.title_by_bucket[bucket], TITLE_WEIGHT),
                (f.summary_by_bucket[bucket], SUMMARY_WEIGHT),
                (f.text_by_bucket[bucket], TEXT_WEIGHT),
            ] {
                let term = Term::from_field_text(field, &stem);
                clauses.push(Box::new(BoostQuery::new(
                    Box::new(FuzzyTermQuery::new(term, 1, true)),
                    w * FUZZY_WEIGHT,
                )));
            }
        }
        clauses
    }

    fn groups(&self, text: &str, analysers: &mut Analysers) -> (Vec<Group>, Vec<String>) {
        let prefer = self
            .reader_bucket
            .and_then(|b| LANGS.iter().position(|l| *l == BUCKETS[b].code));
        let mut groups = Vec::new();
        let mut excluded = Vec::new();
        for part in split_parts(text) {
            match part {
                Part::Exclude(word) => excluded.extend(tokens(&mut analysers.fold, &word)),
                Part::Phrase(phrase) => {
                    let words = tokens(&mut analysers.fold, &phrase);
                    if !words.is_empty() {
                        groups.push(Group::Words { words, exact: true });
                    }
                }
                Part::Free(free) => {
                    let folded = tokens(&mut analysers.fold, &free);
                    let stems: Vec<Vec<String>> = analysers
                        .stem
                        .iter_mut()
                        .map(|s| folded.iter().map(|w| tokens(s, w).join(" ")).collect())
                        .collect();
                    let mut i = 0;
                    while i < folded.len() {
                        let stop = is_stop_word(&folded[i], None);
                        match self.thesaurus.longest_match(&folded, &stems, i, prefer) {
                            Some(m) if !(stop && m.len == 1) => {
                                // A term of several words also brings the concepts of its words
                                // ("Vergabe von Wohnungen": allocation, and housing), so a text
                                // in another language that says only part of it still counts.
                                let mut parts = Vec::new();
                                if m.len > 1 {
                                    for j in i..i + m.len {
                                        let word = std::slice::from_ref(&folded[j]);
                                        let stems: Vec<Vec<String>> =
                                            stems.iter().map(|s| s[j..=j].to_vec()).collect();
                                        if let Some(part) =
                                            self.thesaurus.longest_match(word, &stems, 0, prefer)
                                        {
                                            parts.extend(part.concepts);
                                        }
                                    }
                                    parts.sort_unstable();
                                    parts.dedup();
                                    parts.retain(|c| !m.concepts.contains(c));
                                }
                                groups.push(Group::Concepts {
                                    words: folded[i..i + m.len].to_vec(),
                                    concepts: m.concepts,
                                    parts,
                                });
                                i += m.len;
                            }
                            _ => {
                                if !stop {
                                    groups.push(Group::Words {
                                        words: vec![folded[i].clone()],
                                        exact: false,
                                    });
                                }
                                i += 1;
                            }
                        }
                    }
                    // A question of stop words only still searches for them.
                    if groups.is_empty() {
                        for word in folded {
                            groups.push(Group::Words {
                                words: vec![word],
                                exact: false,
                            });
                        }
                    }
                }
            }
        }
        (groups, excluded)
    }

    /// Plans `text`.
    pub fn plan(&self, text: &str) -> Plan {
        let mut analysers = Analysers::new();
        let (groups, excluded) = self.groups(text, &mut analysers);
        let mut plan = Plan {
            groups: Vec::with_capacity(groups.len()),
            boosts: Vec::new(),
            excluded: Vec::new(),
        };
        let mut singles: Vec<Option<String>> = Vec::new();
        for group in &groups {
            let mut clauses = match group {
                Group::Words { words, exact } => self.typed(words, if *exact { 0 } else { 1 }),
                Group::Concepts { words, .. } => self.typed(words, 1),
            };
            let expansions = match group {
                Group::Concepts {
                    words,
                    concepts,
                    parts,
                } => {
                    // Each concept of a word of the term counts on its own, less than the term:
                    // a text that says "arbeidsmarktdiscriminatie" answers "discrimination à
                    // l'embauche" better than one that says "discrimination" only, and one that
                    // says both "discrimination" and "recrutement" better still.
                    for part in parts {
                        let terms = self.expansions(words, std::slice::from_ref(part));
                        if !terms.is_empty() {
                            clauses.push(Box::new(BoostQuery::new(
                                Box::new(DisjunctionMaxQuery::with_tie_breaker(
                                    terms,
                                    EXPANSION_TIE,
                                )),
                                PART_WEIGHT,
                            )));
                        }
                    }
                    self.expansions(words, concepts)
                }
                Group::Words {
                    words,
                    exact: false,
                } if clauses.is_empty() => match words.as_slice() {
                    [word] if word.chars().count() >= MIN_TYPO_CHARS => {
                        match self.thesaurus.correct(word) {
                            Some((concept, _, term)) => {
                                let term = term.to_string();
                                clauses.extend(self.typed(std::slice::from_ref(&term), 1));
                                self.expansions(&[term], &[concept])
                            }
                            None => {
                                clauses.extend(self.fuzzy(word));
                                Vec::new()
                            }
                        }
                    }
                    _ => Vec::new(),
                },
                Group::Words { .. } => Vec::new(),
            };
            if !expansions.is_empty() {
                clauses.push(Box::new(BoostQuery::new(
                    Box::new(DisjunctionMaxQuery::with_tie_breaker(
                        expansions,
                        EXPANSION_TIE,
                    )),
                    EXPANSION_WEIGHT,
                )));
            }
            plan.groups.push(if clauses.is_empty() {
                Box::new(EmptyQuery)
            } else {
                Box::new(BooleanQuery::union(clauses))
            });
            singles.push(match group {
                Group::Words { words, .. } | Group::Concepts { words, .. } if words.len() == 1 => {
                    words.first().cloned()
                }
                _ => None,
            });
        }
        for pair in singles.windows(2) {
            if let [Some(a), Some(b)] = pair {
                // One boost per field and bucket: the rescoring checks each on its own.
                for clause in self.near(a, b) {
                    plan.boosts
                        .push(Box::new(BoostQuery::new(clause, PROXIMITY_WEIGHT)));
                }
            }
        }
        for word in excluded {
            let clauses = self.typed(&[word], 0);
            if !clauses.is_empty() {
                plan.excluded.push(Box::new(BooleanQuery::union(clauses)));
            }
        }
        plan
    }
}

/// How many of `n` groups a result must match: all of one or two, then a share that grows with
/// the question (3 → 2, 4 → 3, 5 → 3, 6 → 4, 8 → 5).
pub fn minimum_should_match(n: usize) -> usize {
    if n <= 2 {
        n
    } else {
        n - (n - 1) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_should_match_grows_with_the_question() {
        let m: Vec<usize> = (0..=8).map(minimum_should_match).collect();
        assert_eq!(m, vec![0, 1, 2, 2, 3, 3, 4, 4, 5]);
    }

    #[test]
    fn quotes_and_minus_split_the_question() {
        let parts = split_parts("roma \"hate crime\" -football housing");
        let kinds: Vec<String> = parts
            .iter()
            .map(|p| match p {
                Part::Free(t) => format!("free:{}", t.trim()),
                Part::Phrase(t) => format!("phrase:{t}"),
                Part::Exclude(t) => format!("not:{t}"),
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                "free:roma",
                "phrase:hate crime",
                "not:football",
                "free:housing"
            ]
        );
    }
}
