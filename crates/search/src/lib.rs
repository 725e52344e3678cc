//! Coalition full-text search: a tantivy index derived from the store.
//!
//! The index holds one document per searchable entry: the current version of each practice (a
//! practice, or its latest revision), and each activity update and report, while not retracted.
//! It is derived data: [`SearchIndex::rebuild`] recreates it from the store at any time, and
//! [`SearchIndex::apply`] keeps it up to date entry by entry as the store grows; both give the
//! same index.
//!
//! Text is analysed per language (Snowball stemming for the languages tantivy knows, lowercasing
//! and ASCII folding for all), see [`schema`]. Queries rank with BM25 over every language at once,
//! each field analysed by its own analyser, with titles and the reader's language weighted up.
//! Filters (commitments, country, city, language, year, kind) narrow the result set, facet counts
//! are taken over the whole filtered set, and a query without words lists newest first.

mod document;
mod error;
mod facets;
pub mod schema;

pub use error::SearchError;

use coalition_record::payload::pick_lang;
use coalition_record::{EntryId, LangText, Payload};
use coalition_store::Store;
use schema::{bucket_of, names, primary, Fields, TAG_SEPARATOR};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{
    DocAddress, Index, IndexBuilder, IndexReader, IndexWriter, Order, ReloadPolicy,
    TantivyDocument, TantivyError, Term,
};

/// Hits per page when a query asks for none.
pub const DEFAULT_LIMIT: usize = 20;
/// Most hits one query returns.
pub const MAX_LIMIT: usize = 1000;
/// Longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;
/// The index writer's memory budget (tantivy splits it between its indexing threads).
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// Entries read from the store per batch during a rebuild.
const REBUILD_BATCH: usize = 512;
/// How much a title counts against the body text.
const TITLE_BOOST: f32 = 2.0;
/// How much the reader's own language counts against the others.
const READER_LANGUAGE_BOOST: f32 = 1.5;

/// What to look for. Every field that is set must match; `commitments` must all be served.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchQuery {
    /// Words to search for (tantivy query syntax: `"a phrase"`, `-excluded`, `a OR b`); all
    /// words must match by default. None or blank: list newest first.
    pub text: Option<String>,
    /// The reader's language (BCP 47): its texts rank higher, and titles and snippets are shown
    /// in it when the entry has it.
    pub lang: Option<String>,
    /// Ten-Point-Plan commitments the entry must all serve.
    pub commitments: Vec<u8>,
    /// ISO 3166-1 alpha-2, any case.
    pub country: Option<String>,
    /// City name, any case.
    pub city: Option<String>,
    /// Only entries written (at least partly) in this language; matched on the primary subtag.
    pub language: Option<String>,
    pub year: Option<i32>,
    /// "practice", "update" or "report" ("revision" counts as "practice").
    pub kind: Option<String>,
    pub offset: usize,
    /// 0 means [`DEFAULT_LIMIT`]; at most [`MAX_LIMIT`].
    pub limit: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// Entries matching the query and filters, before offset and limit.
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    pub took_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    /// Entry id, hex.
    pub id: String,
    /// BM25 score; 0 when the query had no words.
    pub score: f32,
    pub title: String,
    /// HTML-escaped text with `<mark>…</mark>` around matched words; the start of the text when
    /// no word of it matched.
    pub snippet_html: String,
    /// Language tag of the title and snippet shown.
    pub lang: String,
    pub city: String,
    pub country: String,
    pub commitments: Vec<u8>,
    pub year: Option<i32>,
    /// "practice", "update" or "report".
    pub kind: String,
    /// The author's city key, hex.
    pub author: String,
}

/// Counts over the whole filtered result set. Commitments ascending, years newest first, the
/// others most frequent first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub commitment: Vec<(u8, u64)>,
    pub country: Vec<(String, u64)>,
    pub city: Vec<(String, u64)>,
    pub language: Vec<(String, u64)>,
    pub year: Vec<(i32, u64)>,
    pub kind: Vec<(String, u64)>,
}

/// The full-text index. Searches run concurrently; updates take the writer lock in turn.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    created: bool,
}

fn analysers() -> TokenizerManager {
    let tokenizers = TokenizerManager::default();
    schema::register_analysers(&tokenizers);
    tokenizers
}

fn directory_error(dir: &Path, detail: impl ToString) -> SearchError {
    SearchError::Directory {
        dir: dir.to_path_buf(),
        detail: detail.to_string(),
    }
}

/// Removes the files of an index this build cannot use (another schema or index format).
fn clear_directory(dir: &Path) -> Result<(), SearchError> {
    let entries = std::fs::read_dir(dir).map_err(|e| directory_error(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| directory_error(dir, e))?.path();
        if path.is_file() {
            std::fs::remove_file(&path).map_err(|e| directory_error(dir, e))?;
        }
    }
    Ok(())
}

impl SearchIndex {
    /// Opens the index in `dir`, creating the directory and an empty index when there is none.
    /// An index written with another schema is dropped and recreated empty (the directory
    /// belongs to the index); [`SearchIndex::created`] then says a rebuild is due.
    pub fn open_or_create(dir: &Path) -> Result<SearchIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| directory_error(dir, e))?;
        let (schema, fields) = schema::build();
        let open = || -> Result<(Index, bool), SearchError> {
            let directory = MmapDirectory::open(dir).map_err(|e| directory_error(dir, e))?;
            let existed = Index::exists(&directory).map_err(TantivyError::from)?;
            let index = IndexBuilder::new()
                .schema(schema.clone())
                .tokenizers(analysers())
                .open_or_create(directory)?;
            Ok((index, !existed))
        };
        let (index, created) = match open() {
            Ok(opened) => opened,
            Err(SearchError::Index(e))
                if matches!(
                    *e,
                    TantivyError::SchemaError(_) | TantivyError::IncompatibleIndex(_)
                ) =>
            {
                tracing::warn!(
                    dir = %dir.display(),
                    reason = %e,
                    "search index is of another schema or format; recreating it empty"
                );
                clear_directory(dir)?;
                let (index, _) = open()?;
                (index, true)
            }
            Err(e) => return Err(e),
        };
        Self::with_index(index, fields, created)
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema::build();
        let index = IndexBuilder::new()
            .schema(schema)
            .tokenizers(analysers())
            .create_in_ram()?;
        Self::with_index(index, fields, true)
    }

    fn with_index(index: Index, fields: Fields, created: bool) -> Result<SearchIndex, SearchError> {
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer(WRITER_MEMORY)?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            created,
        })
    }

    /// True when opening made this index (there was none, or one of another schema was dropped):
    /// it is empty, and [`SearchIndex::rebuild`] fills it from the store.
    pub fn created(&self) -> bool {
        self.created
    }

    /// Searchable entries in the index.
    pub fn doc_count(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    fn lock_writer(&self) -> MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn id_term(&self, id: &EntryId) -> Term {
        Term::from_field_text(self.fields.id, &id.to_hex())
    }

    /// Drops everything and re-indexes every searchable entry in the store, calling
    /// `progress(entries read, entries in the store)` as it goes. Returns the documents indexed.
    pub fn rebuild(
        &self,
        store: &Store,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64, SearchError> {
        let started = Instant::now();
        let mut writer = self.lock_writer();
        let result = self.rebuild_into(&mut writer, store, &mut progress);
        if result.is_err() {
            if let Err(e) = writer.rollback() {
                tracing::warn!(error = %e, "rolling back a failed search index rebuild");
            }
        }
        drop(writer);
        self.reader.reload()?;
        if let Ok(indexed) = &result {
            tracing::info!(
                documents = indexed,
                ms = started.elapsed().as_millis() as u64,
                "search index rebuilt"
            );
        }
        result
    }

    fn rebuild_into(
        &self,
        writer: &mut IndexWriter,
        store: &Store,
        progress: &mut impl FnMut(u64, u64),
    ) -> Result<u64, SearchError> {
        writer.delete_all_documents()?;
        let roster = store.roster();
        let total = store.entry_count();
        let mut authors: Vec<_> = store.frontier().into_iter().collect();
        authors.sort_by_key(|(author, _)| *author);
        let (mut done, mut indexed) = (0u64, 0u64);
        progress(0, total);
        for (author, (head, _)) in authors {
            let mut from = 1;
            while from <= head {
                let batch = store.log(&author, from, REBUILD_BATCH)?;
                let Some(last) = batch.last() else { break };
                from = last.entry.header.seq + 1;
                for stored in &batch {
                    if let Some(Payload::Erasure(e)) = &stored.payload {
                        // Deletes apply to documents added before them: the erased target goes.
                        writer.delete_term(self.id_term(&e.target));
                    }
                    if let Some(doc) = document::build(&self.fields, &roster, stored) {
                        writer.add_document(doc)?;
                        indexed += 1;
                    }
                    done += 1;
                    if done % 1024 == 0 {
                        progress(done, total);
                    }
                }
            }
        }
        writer.commit()?;
        progress(done, total.max(done));
        Ok(indexed)
    }

    /// Brings the index up to date for these entry ids, new in the store: practices, updates and
    /// reports are indexed, a revision replaces the version it supersedes, a retraction or an
    /// erasure removes its target. Ids the store does not hold are dropped from the index.
    /// Commits and reloads the reader, so searches see the change on return.
    pub fn apply(&self, store: &Store, ids: &[EntryId]) -> Result<(), SearchError> {
        if ids.is_empty() {
            return Ok(());
        }
        // Every entry whose searchability the new ones may change: themselves and their targets.
        let mut touched = BTreeSet::new();
        let mut erased = BTreeSet::new();
        for id in ids {
            touched.insert(*id);
            let Some(stored) = store.entry(id)? else {
                continue;
            };
            match &stored.payload {
                Some(Payload::PracticeRevision(r)) => {
                    touched.insert(r.supersedes);
                }
                Some(Payload::Retraction(r)) => {
                    touched.insert(r.target);
                }
                Some(Payload::Erasure(e)) => {
                    erased.insert(e.target);
                }
                _ => {}
            }
        }
        let roster = store.roster();
        let mut writer = self.lock_writer();
        let result = (|| -> Result<(), SearchError> {
            for id in &touched {
                writer.delete_term(self.id_term(id));
                if erased.contains(id) {
                    continue;
                }
                if let Some(stored) = store.entry(id)? {
                    if let Some(doc) = document::build(&self.fields, &roster, &stored) {
                        writer.add_document(doc)?;
                    }
                }
            }
            for id in &erased {
                writer.delete_term(self.id_term(id));
            }
            writer.commit()?;
            Ok(())
        })();
        if result.is_err() {
            if let Err(e) = writer.rollback() {
                tracing::warn!(error = %e, "rolling back a failed search index update");
            }
        }
        drop(writer);
        self.reader.reload()?;
        result
    }

    fn text_query(&self, text: &str, reader_bucket: Option<usize>) -> Box<dyn Query> {
        let f = &self.fields;
        let mut fields: Vec<_> = f.title_by_bucket.clone();
        fields.extend(f.text_by_bucket.iter().copied());
        fields.push(f.tags);
        let mut parser = QueryParser::for_index(&self.index, fields);
        parser.set_conjunction_by_default();
        for (i, (title, text)) in f.title_by_bucket.iter().zip(&f.text_by_bucket).enumerate() {
            let language = if Some(i) == reader_bucket {
                READER_LANGUAGE_BOOST
            } else {
                1.0
            };
            parser.set_field_boost(*title, TITLE_BOOST * language);
            if language != 1.0 {
                parser.set_field_boost(*text, language);
            }
        }
        let (query, errors) = parser.parse_query_lenient(text);
        if !errors.is_empty() {
            tracing::debug!(?errors, text, "parts of a search query were ignored");
        }
        query
    }

    fn filters(&self, q: &SearchQuery) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let mut terms = Vec::new();
        for c in &q.commitments {
            terms.push(Term::from_field_u64(f.commitment, u64::from(*c)));
        }
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        if let Some(country) = text(&q.country) {
            terms.push(Term::from_field_text(
                f.country,
                &country.to_ascii_uppercase(),
            ));
        }
        if let Some(city) = text(&q.city) {
            terms.push(Term::from_field_text(f.city_key, &city.to_lowercase()));
        }
        if let Some(language) = text(&q.language) {
            terms.push(Term::from_field_text(f.language, &primary(&language)));
        }
        if let Some(year) = q.year {
            terms.push(Term::from_field_i64(f.year, i64::from(year)));
        }
        if let Some(kind) = text(&q.kind) {
            terms.push(Term::from_field_text(f.kind, &document::kind_filter(&kind)));
        }
        terms
            .into_iter()
            .map(|term| -> Box<dyn Query> {
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    0.0,
                ))
            })
            .collect()
    }

    /// Runs a query: ranked by BM25 when it has words, newest first otherwise.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let reader_lang = q.lang.as_deref().map(str::trim).filter(|l| !l.is_empty());
        let reader_bucket = reader_lang.map(bucket_of);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(text) = text {
            clauses.push((Occur::Must, self.text_query(text, reader_bucket)));
        }
        clauses.extend(self.filters(q).into_iter().map(|f| (Occur::Must, f)));
        let query: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        let limit = match q.limit {
            0 => DEFAULT_LIMIT,
            n => n.min(MAX_LIMIT),
        };
        // tantivy keeps offset + limit candidates: past the last document there is nothing to
        // keep, and a huge offset must not become a huge allocation.
        let offset = q
            .offset
            .min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let (ranked, total, facets): (Vec<(f32, DocAddress)>, usize, Facets) = if text.is_some() {
            searcher.search(
                &*query,
                &(top.order_by_score(), Count, facets::FacetCollector),
            )?
        } else {
            let (docs, total, facets) = searcher.search(
                &*query,
                &(
                    top.order_by_fast_field::<i64>(names::TIMESTAMP, Order::Desc),
                    Count,
                    facets::FacetCollector,
                ),
            )?;
            let docs = docs
                .into_iter()
                .map(|(_, address)| (0.0, address))
                .collect();
            (docs, total, facets)
        };
        let generators = match text {
            Some(_) => Some(self.snippet_generators(&searcher, &*query)?),
            None => None,
        };
        let mut hits = Vec::with_capacity(ranked.len());
        for (score, address) in ranked {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit(&doc, score, reader_lang, generators.as_deref()));
        }
        Ok(SearchResults {
            total,
            hits,
            facets,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    fn snippet_generators(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
    ) -> Result<Vec<SnippetGenerator>, SearchError> {
        self.fields
            .text_by_bucket
            .iter()
            .map(|field| {
                let mut generator = SnippetGenerator::create(searcher, query, *field)?;
                generator.set_max_num_chars(SNIPPET_CHARS);
                Ok(generator)
            })
            .collect()
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        score: f32,
        reader_lang: Option<&str>,
        generators: Option<&[SnippetGenerator]>,
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
                let mut snippet = generators.get(bucket_of(tag))?.snippet(text);
                if snippet.highlighted().is_empty() {
                    return None;
                }
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
        Hit {
            id: text_of(f.id),
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
fn excerpt_html(text: &str, max_chars: usize) -> String {
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
    use schema::BUCKETS;

    #[test]
    fn index_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SearchIndex>();
    }

    #[test]
    fn excerpts_cut_at_words_and_escape() {
        assert_eq!(excerpt_html("a <b> & c", 100), "a &lt;b&gt; &amp; c");
        assert_eq!(excerpt_html("one two three four", 10), "one two…");
        assert_eq!(excerpt_html("", 10), "");
    }

    #[test]
    fn an_index_of_another_schema_is_recreated_empty() {
        let dir = tempfile::tempdir().expect("temp dir");
        {
            let mut b = tantivy::schema::Schema::builder();
            let title = b.add_text_field("title", tantivy::schema::TEXT);
            let index = Index::create_in_dir(dir.path(), b.build()).expect("old index");
            let mut writer: IndexWriter = index.writer(15_000_000).expect("writer");
            let mut doc = TantivyDocument::new();
            doc.add_text(title, "old");
            writer.add_document(doc).expect("add");
            writer.commit().expect("commit");
        }
        let index = SearchIndex::open_or_create(dir.path()).expect("recreated");
        assert!(index.created());
        assert_eq!(index.doc_count(), 0);
        let results = index.search(&SearchQuery::default()).expect("search");
        assert_eq!(results.total, 0);
        drop(index);
        let reopened = SearchIndex::open_or_create(dir.path()).expect("reopened");
        assert!(!reopened.created());
    }

    #[test]
    fn huge_offsets_and_limits_are_safe() {
        let index = SearchIndex::in_memory().expect("index");
        let results = index
            .search(&SearchQuery {
                text: Some("anything".into()),
                offset: usize::MAX,
                limit: usize::MAX,
                ..SearchQuery::default()
            })
            .expect("search");
        assert_eq!(results.total, 0);
        assert!(results.hits.is_empty());
    }

    #[test]
    fn every_bucket_has_fields() {
        let (_, fields) = schema::build();
        assert_eq!(fields.text_by_bucket.len(), BUCKETS.len());
        assert_eq!(fields.title_by_bucket.len(), BUCKETS.len());
    }
}
