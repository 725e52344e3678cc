//! Related practices: the practices most like a given one in commitments, themes and text,
//! across languages. The practice's own title, tags and the start of its texts are planned as a
//! question (so thesaurus concepts carry it into the other languages), any word group may match,
//! and each shared commitment adds to the score.

use crate::document::KIND_PRACTICE;
use crate::schema::TAG_SEPARATOR;
use crate::{Hit, SearchError, SearchIndex, MAX_LIMIT};
use coalition_record::EntryId;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{TantivyDocument, Term};

/// Words taken from the start of each of the practice's texts.
const TEXT_WORDS: usize = 40;
/// Each commitment the two practices share adds this much.
const COMMITMENT_WEIGHT: f32 = 1.5;

impl SearchIndex {
    /// Up to `limit` practices most like entry `id`, best first, with titles in `lang` where
    /// they have it. None when `id` is not in the index.
    pub fn related(
        &self,
        id: &EntryId,
        lang: Option<&str>,
        limit: usize,
    ) -> Result<Option<Vec<Hit>>, SearchError> {
        let searcher = self.reader.searcher();
        let own = TermQuery::new(self.id_term(id), IndexRecordOption::Basic);
        let found = searcher.search(&own, &TopDocs::with_limit(1).order_by_score())?;
        let Some((_, address)) = found.first() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(*address)?;
        let f = &self.fields;
        let mut words = String::new();
        let texts = |field| {
            doc.get_all(field)
                .filter_map(|v| v.as_str())
                .map(|v| v.split_once(TAG_SEPARATOR).map_or(v, |(_, t)| t))
                .collect::<Vec<_>>()
        };
        for title in texts(f.titles) {
            words.push_str(title);
            words.push(' ');
        }
        for tag in doc.get_all(f.tags).filter_map(|v| v.as_str()) {
            words.push_str(tag);
            words.push(' ');
        }
        for text in texts(f.texts) {
            for word in text.split_whitespace().take(TEXT_WORDS) {
                words.push_str(word);
                words.push(' ');
            }
        }
        // Quotes and leading minus signs in the practice's own text are words here, not syntax.
        let words = words.replace(['"', '-'], " ");
        let reader_bucket = lang.map(crate::schema::bucket_of);
        let plan = self.planner(&searcher, reader_bucket).plan(&words);
        let mut alike: Vec<Box<dyn Query>> = plan.groups;
        for c in doc.get_all(f.commitment).filter_map(|v| v.as_u64()) {
            let term = Term::from_field_u64(f.commitment, c);
            alike.push(Box::new(BoostQuery::new(
                Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                COMMITMENT_WEIGHT,
            )));
        }
        let kind = TermQuery::new(
            Term::from_field_text(f.kind, KIND_PRACTICE),
            IndexRecordOption::Basic,
        );
        let query = BooleanQuery::new(vec![
            (Occur::Must, Box::new(BooleanQuery::union(alike))),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(kind), 0.0)),
            ),
            (Occur::MustNot, Box::new(own)),
        ]);
        let top = searcher.search(
            &query,
            &TopDocs::with_limit(limit.clamp(1, MAX_LIMIT)).order_by_score(),
        )?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit(&doc, score, lang, None));
        }
        Ok(Some(hits))
    }
}
