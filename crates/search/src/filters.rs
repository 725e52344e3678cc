//! Query parts besides the words: filters (several values of one filter are alternatives,
//! different filters must all match), the ranked query around a plan, and the all-words query
//! kept as the quality benchmark's baseline.

use crate::document;
use crate::min_match::MinMatchQuery;
use crate::query::{Plan, Planner};
use crate::schema::primary;
use crate::{SearchIndex, SearchQuery};
use std::ops::Bound;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::Term;

/// How much a title counts against the body text (all-words baseline).
const TITLE_BOOST: f32 = 2.0;
/// How much the reader's own language counts against the others (all-words baseline).
const READER_LANGUAGE_BOOST: f32 = 1.5;

impl SearchIndex {
    /// Every word must match, no expansion: the search before ranked retrieval, kept as the
    /// quality benchmark's baseline ([`SearchMode::AllWords`]).
    pub(crate) fn all_words_query(
        &self,
        text: &str,
        reader_bucket: Option<usize>,
    ) -> Box<dyn Query> {
        let f = &self.fields;
        let mut fields: Vec<_> = f.title_by_bucket.clone();
        fields.extend(f.summary_by_bucket.iter().copied());
        fields.extend(f.text_by_bucket.iter().copied());
        fields.push(f.tags);
        let mut parser = QueryParser::for_index(&self.index, fields);
        parser.set_conjunction_by_default();
        for (i, ((title, summary), text)) in f
            .title_by_bucket
            .iter()
            .zip(&f.summary_by_bucket)
            .zip(&f.text_by_bucket)
            .enumerate()
        {
            let language = if Some(i) == reader_bucket {
                READER_LANGUAGE_BOOST
            } else {
                1.0
            };
            parser.set_field_boost(*title, TITLE_BOOST * language);
            if language != 1.0 {
                parser.set_field_boost(*summary, language);
                parser.set_field_boost(*text, language);
            }
        }
        let (query, errors) = parser.parse_query_lenient(text);
        if !errors.is_empty() {
            tracing::debug!(?errors, text, "parts of a search query were ignored");
        }
        query
    }

    /// Ranked retrieval: the plan's groups with a minimum-should-match, exclusions and filters.
    /// `required` groups must match. The proximity boosts are not in it: [`crate::rescore`]
    /// applies them to the top of the ranking.
    pub(crate) fn ranked_query(
        plan: &Plan,
        required: usize,
        filters: &[Box<dyn Query>],
    ) -> Box<dyn Query> {
        let groups: Vec<Box<dyn Query>> = plan.groups.iter().map(|g| g.box_clone()).collect();
        // Two groups or more: tantivy's own minimum is a heap stepped one document at a time,
        // and its intersection of groups that each match most documents seeks constantly;
        // MinMatchQuery counts in windows (crate::min_match).
        let groups: Box<dyn Query> = if required > 1 {
            Box::new(MinMatchQuery::new(groups, required))
        } else {
            Box::new(BooleanQuery::with_minimum_required_clauses(
                groups.into_iter().map(|g| (Occur::Should, g)).collect(),
                required,
            ))
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, groups)];
        clauses.extend(
            plan.excluded
                .iter()
                .map(|b| (Occur::MustNot, b.box_clone())),
        );
        clauses.extend(filters.iter().map(|f| (Occur::Must, f.box_clone())));
        Box::new(BooleanQuery::new(clauses))
    }

    /// Whether a document matches every group: the plan's groups, exclusions and filters, without
    /// the proximity boosts (they change no match, and cost position checks), for counting.
    pub(crate) fn all_match_query(plan: &Plan, filters: &[Box<dyn Query>]) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = plan
            .groups
            .iter()
            .map(|g| (Occur::Must, g.box_clone()))
            .collect();
        clauses.extend(
            plan.excluded
                .iter()
                .map(|b| (Occur::MustNot, b.box_clone())),
        );
        clauses.extend(filters.iter().map(|f| (Occur::Must, f.box_clone())));
        Box::new(BooleanQuery::new(clauses))
    }

    pub(crate) fn planner<'a>(
        &'a self,
        searcher: &'a tantivy::Searcher,
        reader_bucket: Option<usize>,
    ) -> Planner<'a> {
        Planner {
            fields: &self.fields,
            thesaurus: &self.thesaurus,
            tokenizers: self.index.tokenizers(),
            searcher,
            reader_bucket,
        }
    }

    /// One query per filter that has values, each the union of its values, scoring nothing.
    pub(crate) fn filters(&self, q: &SearchQuery) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let values = |list: &[String]| -> Vec<String> {
            list.iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .collect()
        };
        let term =
            |t: Term| -> Box<dyn Query> { Box::new(TermQuery::new(t, IndexRecordOption::Basic)) };
        let mut filters: Vec<Vec<Box<dyn Query>>> = vec![
            q.commitments
                .iter()
                .map(|c| term(Term::from_field_u64(f.commitment, u64::from(*c))))
                .collect(),
            values(&q.country)
                .iter()
                .map(|c| term(Term::from_field_text(f.country, &c.to_ascii_uppercase())))
                .collect(),
            values(&q.city)
                .iter()
                .map(|c| term(Term::from_field_text(f.city_key, &c.to_lowercase())))
                .collect(),
            values(&q.language)
                .iter()
                .map(|l| term(Term::from_field_text(f.language, &primary(l))))
                .collect(),
            values(&q.kind)
                .iter()
                .map(|k| term(Term::from_field_text(f.kind, &document::kind_filter(k))))
                .collect(),
            values(&q.ground)
                .iter()
                .map(|g| term(Term::from_field_text(f.ground, &g.to_ascii_lowercase())))
                .collect(),
            values(&q.partner_type)
                .iter()
                .map(|t| {
                    term(Term::from_field_text(
                        f.partner_type,
                        &t.to_ascii_lowercase(),
                    ))
                })
                .collect(),
            q.started
                .iter()
                .map(|y| term(Term::from_field_i64(f.year, i64::from(*y))))
                .collect(),
        ];
        // Active in year y: started in or before y, and ended in or after y (or not ended).
        let active = q
            .year
            .iter()
            .map(|y| -> Box<dyn Query> {
                let y = i64::from(*y);
                Box::new(BooleanQuery::intersection(vec![
                    Box::new(RangeQuery::new(
                        Bound::Unbounded,
                        Bound::Included(Term::from_field_i64(f.year, y)),
                    )),
                    Box::new(RangeQuery::new(
                        Bound::Included(Term::from_field_i64(f.year_end, y)),
                        Bound::Unbounded,
                    )),
                ]))
            })
            .collect();
        filters.push(active);
        filters
            .into_iter()
            .filter(|alternatives| !alternatives.is_empty())
            .map(|alternatives| -> Box<dyn Query> {
                Box::new(ConstScoreQuery::new(
                    Box::new(BooleanQuery::union(alternatives)),
                    0.0,
                ))
            })
            .collect()
    }
}
