//! "At least k of these n clauses", scored as the sum of the clauses that match.
//!
//! tantivy answers a boolean query with a minimum of should-clauses with a heap that moves every
//! clause one document at a time; for a question of three words or more over a large index,
//! whose clauses each match most documents, that heap was about a third of the query's time
//! (issue #13). [`MinMatchQuery`] does the same work in windows of [`WINDOW`] documents, the way
//! tantivy's own union does: each clause adds its matches in the window to a count and a score
//! per document, then the window is read in order. Same documents, same scores. When every
//! clause must match, the same counting beats tantivy's intersection (which seeks each clause
//! to the next candidate) as long as no clause is much sparser than the others.

use std::fmt;
use tantivy::query::{intersect_scorers, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Documents per window.
const WINDOW: usize = 4096;
/// When every clause must match and the sparsest has under 1/SPARSE_RATIO of all the clauses'
/// documents, the scorer leapfrogs instead of counting.
const SPARSE_RATIO: u64 = 8;

/// Documents matching at least `required` of `clauses`.
pub(crate) struct MinMatchQuery {
    clauses: Vec<Box<dyn Query>>,
    required: usize,
}

impl MinMatchQuery {
    /// At least `required` (1 or more) of `clauses`.
    pub(crate) fn new(clauses: Vec<Box<dyn Query>>, required: usize) -> MinMatchQuery {
        MinMatchQuery {
            clauses,
            required: required.max(1),
        }
    }
}

impl Clone for MinMatchQuery {
    fn clone(&self) -> Self {
        MinMatchQuery {
            clauses: self.clauses.iter().map(|c| c.box_clone()).collect(),
            required: self.required,
        }
    }
}

impl fmt::Debug for MinMatchQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MinMatchQuery")
            .field("required", &self.required)
            .field("clauses", &self.clauses)
            .finish()
    }
}

impl Query for MinMatchQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|c| c.weight(enable_scoring))
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(Box::new(MinMatchWeight {
            weights,
            required: self.required,
            scoring: enable_scoring.is_scoring_enabled(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct MinMatchWeight {
    weights: Vec<Box<dyn Weight>>,
    required: usize,
    scoring: bool,
}

impl Weight for MinMatchWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let clauses = self
            .weights
            .iter()
            .map(|w| w.scorer(reader, boost))
            .collect::<tantivy::Result<Vec<_>>>()?;
        // All of them, one much sparser than the rest: leapfrogging from it skips most of the
        // others' documents, cheaper than counting every one of them.
        let costs: Vec<u64> = clauses.iter().map(|c| c.cost()).collect();
        let sparsest = costs.iter().copied().min().unwrap_or(0);
        let total: u64 = costs.iter().sum();
        if self.required >= clauses.len() && sparsest.saturating_mul(SPARSE_RATIO) < total {
            return Ok(intersect_scorers(clauses, reader.num_docs()));
        }
        Ok(Box::new(MinMatchScorer::new(
            clauses,
            self.required,
            self.scoring,
        )))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} matches fewer than {} of the clauses",
                self.required
            )));
        }
        let mut explanation = Explanation::new(
            "at least the required number of clauses; sum of those matching",
            scorer.score(),
        );
        for weight in &self.weights {
            if let Ok(part) = weight.explain(reader, doc) {
                explanation.add_detail(part);
            }
        }
        Ok(explanation)
    }
}

/// The windowed count: `counts[i]` and `scores[i]` belong to document `window_start + i`, and
/// are zero again once the cursor has passed them.
struct MinMatchScorer {
    clauses: Vec<Box<dyn Scorer>>,
    required: usize,
    scoring: bool,
    counts: Box<[u16]>,
    scores: Box<[Score]>,
    window_start: DocId,
    cursor: usize,
    doc: DocId,
    score: Score,
}

impl MinMatchScorer {
    fn new(clauses: Vec<Box<dyn Scorer>>, required: usize, scoring: bool) -> MinMatchScorer {
        let mut scorer = MinMatchScorer {
            clauses,
            required,
            scoring,
            counts: vec![0; WINDOW].into_boxed_slice(),
            scores: vec![0.0; WINDOW].into_boxed_slice(),
            window_start: 0,
            cursor: WINDOW,
            doc: 0,
            score: 0.0,
        };
        // A scorer starts on its first document.
        scorer.advance();
        scorer
    }

    /// Counts the clauses' matches in the window starting at the first document any of them is
    /// on; false when all are done.
    fn refill(&mut self) -> bool {
        let Some(start) = self.clauses.iter().map(|c| c.doc()).min() else {
            return false;
        };
        if start == TERMINATED {
            return false;
        }
        let end = start.saturating_add(WINDOW as DocId);
        for clause in &mut self.clauses {
            let mut doc = clause.doc();
            while doc < end {
                let i = (doc - start) as usize;
                self.counts[i] = self.counts[i].saturating_add(1);
                if self.scoring {
                    self.scores[i] += clause.score();
                }
                doc = clause.advance();
            }
        }
        self.window_start = start;
        self.cursor = 0;
        true
    }

    /// Forgets the window's counts from the cursor to `to`.
    fn clear_to(&mut self, to: usize) {
        let from = self.cursor.min(to);
        self.counts[from..to].fill(0);
        self.scores[from..to].fill(0.0);
        self.cursor = to;
    }
}

impl DocSet for MinMatchScorer {
    fn advance(&mut self) -> DocId {
        loop {
            while self.cursor < WINDOW {
                let i = self.cursor;
                self.cursor += 1;
                let count = std::mem::take(&mut self.counts[i]);
                let score = std::mem::take(&mut self.scores[i]);
                if usize::from(count) >= self.required {
                    self.doc = self.window_start + i as DocId;
                    self.score = score;
                    return self.doc;
                }
            }
            if !self.refill() {
                self.doc = TERMINATED;
                return TERMINATED;
            }
        }
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let offset = target.saturating_sub(self.window_start) as usize;
        if offset < WINDOW {
            self.clear_to(offset);
            return self.advance();
        }
        self.clear_to(WINDOW);
        for clause in &mut self.clauses {
            if clause.doc() < target {
                clause.seek(target);
            }
        }
        self.advance()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.clauses
            .iter()
            .map(|c| c.size_hint())
            .max()
            .unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.clauses.iter().map(|c| c.cost()).sum()
    }
}

impl Scorer for MinMatchScorer {
    fn score(&mut self) -> Score {
        self.score
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{doc, Index};

    /// An index of documents made of words w0..w5, each present by a fixed pattern, spread over
    /// more than one window, in two segments.
    fn index() -> (Index, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index
            .writer_with_num_threads(1, 20_000_000)
            .expect("writer");
        for n in 0u32..10_000 {
            let words: Vec<String> = (0..6u32)
                .filter(|w| (n * 7 + w * 13) % (w + 2) == 0 || n % 97 == *w)
                .map(|w| format!("w{w}"))
                .collect();
            writer
                .add_document(doc!(body => words.join(" ")))
                .expect("add");
            if n == 2_000 {
                writer.commit().expect("commit");
            }
        }
        writer.commit().expect("commit");
        (index, body)
    }

    fn clauses(body: tantivy::schema::Field, words: &[u32]) -> Vec<Box<dyn Query>> {
        words
            .iter()
            .map(|w| {
                Box::new(TermQuery::new(
                    Term::from_field_text(body, &format!("w{w}")),
                    IndexRecordOption::WithFreqs,
                )) as Box<dyn Query>
            })
            .collect()
    }

    #[test]
    fn finds_and_scores_what_the_boolean_minimum_finds() {
        let (index, body) = index();
        let searcher = index.reader().expect("reader").searcher();
        for (words, required) in [
            (&[0, 1, 2][..], 2),
            (&[0, 1, 2, 3, 4], 3),
            (&[1, 3, 5], 2),
            (&[0, 1], 2),
            (&[0, 1, 2], 3),
        ] {
            let ours = MinMatchQuery::new(clauses(body, words), required);
            let theirs = BooleanQuery::with_minimum_required_clauses(
                clauses(body, words)
                    .into_iter()
                    .map(|c| (Occur::Should, c))
                    .collect(),
                required,
            );
            let top = TopDocs::with_limit(20_000).order_by_score();
            let mut a = searcher.search(&ours, &top).expect("search");
            let mut b = searcher.search(&theirs, &top).expect("search");
            assert!(!a.is_empty(), "{words:?} matches something");
            a.sort_by_key(|(_, address)| *address);
            b.sort_by_key(|(_, address)| *address);
            assert_eq!(a.len(), b.len(), "{words:?}, at least {required}");
            for ((sa, da), (sb, db)) in a.iter().zip(&b) {
                assert_eq!(da, db);
                assert!((sa - sb).abs() < 1e-4, "{da:?}: {sa} against {sb}");
            }
            assert_eq!(ours.count(&searcher).expect("count"), b.len());
        }
    }

    #[test]
    fn seeks_within_and_past_a_window() {
        let (index, body) = index();
        let searcher = index.reader().expect("reader").searcher();
        // The larger segment, of 7,999 documents: targets within the first window and past it.
        let segment = searcher
            .segment_readers()
            .iter()
            .max_by_key(|s| s.max_doc())
            .expect("a segment");
        assert!(segment.max_doc() > 2 * WINDOW as u32 - 1000);
        let query = MinMatchQuery::new(clauses(body, &[0, 1, 2]), 2);
        let weight = query
            .weight(EnableScoring::disabled_from_searcher(&searcher))
            .expect("weight");
        // Every match, by advancing.
        let mut all = Vec::new();
        let mut scorer = weight.scorer(segment, 1.0).expect("scorer");
        while scorer.doc() != TERMINATED {
            all.push(scorer.doc());
            scorer.advance();
        }
        assert!(all.len() > 100);
        // Seeking to any target lands on the first match at or after it.
        for target in [0, 5, 17, 300, 2_000, 4_095, 4_096, 4_500, 6_000, 7_998] {
            let mut scorer = weight.scorer(segment, 1.0).expect("scorer");
            let expected = all
                .iter()
                .copied()
                .find(|d| *d >= target)
                .unwrap_or(TERMINATED);
            assert_eq!(scorer.seek(target), expected, "seek {target}");
            // And continues in order from there.
            let next = all
                .iter()
                .copied()
                .find(|d| *d > expected)
                .unwrap_or(TERMINATED);
            assert_eq!(scorer.advance(), next);
        }
        let mut scorer = weight.scorer(segment, 1.0).expect("scorer");
        assert_eq!(scorer.seek(1_000_000), TERMINATED);
    }
}
