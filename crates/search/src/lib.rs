//! Coalition full-text search: a tantivy index derived from the store.
//!
//! The index holds one document per searchable entry: the current version of each practice (a
//! practice, or its latest revision), and each activity update and report, while not retracted.
//! It is derived data: [`SearchIndex::rebuild`] recreates it from the store at any time, and
//! [`SearchIndex::apply`] keeps it up to date entry by entry as the store grows; both give the
//! same index. Every commit records the store position it has applied ([`Applied`]), so
//! [`SearchIndex::catch_up`] applies exactly what the index lacks after a crash or offline writes;
//! [`Indexer`] is the one owner that does so in a running node.
//!
//! Text is analysed per language (Snowball stemming for the languages tantivy knows, lowercasing
//! and ASCII folding for all), see [`schema`]. Queries rank with BM25 over every language at once,
//! each field analysed by its own analyser, with titles and the reader's language weighted up.
//! Filters (commitments, country, city, language, year, kind) narrow the result set, facet counts
//! are taken over the whole filtered set, and a query without words lists newest first.

#![warn(missing_docs, unreachable_pub)]

pub mod applied;
mod catch_up;
mod document;
mod error;
mod facets;
mod filters;
mod hits;
mod indexer;
mod min_match;
pub mod quality;
pub mod query;
mod related;
mod rescore;
pub mod schema;
mod snippet;
mod stopwords;
pub mod thesaurus;
mod types;

pub use applied::Applied;
pub use catch_up::CaughtUp;
pub use error::SearchError;
pub use indexer::{Indexer, IndexerStatus};
pub use snippet::{Highlight, Snippet};
pub use thesaurus::Thesaurus;
pub use types::{Facets, Hit, SearchMode, SearchQuery, SearchResults, TranslatedBy};

use coalition_record::{EntryId, Payload};
use coalition_store::Store;
use schema::{bucket_of, names, Fields};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;
use tantivy::collector::{Count, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::query::{AllQuery, BooleanQuery, Occur, Query};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{
    DocAddress, Executor, Index, IndexBuilder, IndexReader, IndexWriter, Order, ReloadPolicy,
    TantivyDocument, TantivyError, Term,
};

/// Most threads one query's segments are searched on.
const MAX_SEARCH_THREADS: usize = 4;

/// The thread pool that searches one query's segments in parallel, one per process and shared
/// by every index in it (a benchmark process holds hundreds of nodes' indexes). A query over a
/// large index visits every matching document of every segment (the facet counts need them
/// all), so on two cores this about halves its latency; queries still run one per caller
/// thread. Falls back to the caller's thread on a single core or when no thread can be spawned.
fn search_executor() -> Executor {
    static EXECUTOR: OnceLock<Executor> = OnceLock::new();
    EXECUTOR
        .get_or_init(|| {
            let threads = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(MAX_SEARCH_THREADS);
            if threads <= 1 {
                return Executor::single_thread();
            }
            Executor::multi_thread(threads, "search-").unwrap_or_else(|e| {
                tracing::warn!(error = %e, "no search threads; searching segments one by one");
                Executor::single_thread()
            })
        })
        .clone()
}

/// Whether any live document matches `query`: stops at the first one (whether results are
/// relaxed needs no count of all the documents matching every word group).
fn any_match(searcher: &tantivy::Searcher, query: &dyn Query) -> Result<bool, SearchError> {
    let weight = query.weight(tantivy::query::EnableScoring::disabled_from_searcher(
        searcher,
    ))?;
    for segment in searcher.segment_readers() {
        let mut scorer = weight.scorer(segment, 1.0)?;
        let alive = segment.alive_bitset();
        let mut doc = scorer.doc();
        while doc != tantivy::TERMINATED {
            if alive.is_none_or(|bits| bits.is_alive(doc)) {
                return Ok(true);
            }
            doc = scorer.advance();
        }
    }
    Ok(false)
}

/// The page a query asks for: its offset and number of hits.
fn page(q: &SearchQuery, searcher: &tantivy::Searcher) -> (usize, usize) {
    let limit = match q.limit {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    // tantivy keeps offset + limit candidates: past the last document there is nothing to
    // keep, and a huge offset must not become a huge allocation.
    let offset = q
        .offset
        .min(usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX));
    (offset, limit)
}

/// Hits per page when a query asks for none.
pub const DEFAULT_LIMIT: usize = 20;
/// Most hits one query returns.
pub const MAX_LIMIT: usize = 1000;
/// Longest snippet, in characters.
pub(crate) const SNIPPET_CHARS: usize = 200;
/// The index writer's memory budget (tantivy splits it between its indexing threads).
const WRITER_MEMORY: usize = 64 * 1024 * 1024;
/// Entries read from the store per batch during a rebuild.
const REBUILD_BATCH: usize = 512;

/// One page of ranked (score, document) pairs, the total matching, and the facet counts.
type Page = (Vec<(f32, DocAddress)>, usize, Facets);

/// The full-text index. Searches run concurrently; updates take the writer lock in turn.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    created: bool,
    thesaurus: Arc<Thesaurus>,
    /// The store position of the last commit (None: unknown, a rebuild is due).
    applied: Mutex<Option<Applied>>,
    /// Each segment's facet values, read once (the facet pass runs over every match).
    facet_rows: facets::FacetCache,
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
    ///
    /// The thesaurus is the built-in one extended by `thesaurus.toml` in the data directory
    /// (the parent of `dir`) when that file exists.
    pub fn open_or_create(dir: &Path) -> Result<SearchIndex, SearchError> {
        let thesaurus = match dir.parent() {
            Some(data_dir) => Thesaurus::with_extension(data_dir)?,
            None => Thesaurus::builtin()?,
        };
        Self::open_with_thesaurus(dir, Arc::new(thesaurus))
    }

    /// [`SearchIndex::open_or_create`] with a given thesaurus.
    pub fn open_with_thesaurus(
        dir: &Path,
        thesaurus: Arc<Thesaurus>,
    ) -> Result<SearchIndex, SearchError> {
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
        Self::with_index(index, fields, created, thesaurus)
    }

    /// An index in memory, for tests and benchmarks.
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema::build();
        let index = IndexBuilder::new()
            .schema(schema)
            .tokenizers(analysers())
            .create_in_ram()?;
        Self::with_index(index, fields, true, Arc::new(Thesaurus::builtin()?))
    }

    fn with_index(
        mut index: Index,
        fields: Fields,
        created: bool,
        thesaurus: Arc<Thesaurus>,
    ) -> Result<SearchIndex, SearchError> {
        // Before the reader: its searchers search with the index's executor.
        index.set_executor(search_executor());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer(WRITER_MEMORY)?;
        // An index from before positions were recorded, or an unreadable one: rebuilt on catch-up.
        let applied = match index.load_metas()?.payload {
            Some(text) => Applied::decode(&text)
                .map_err(|e| tracing::warn!(error = %e, "the search index's position is unreadable; it will be rebuilt"))
                .ok(),
            None => None,
        };
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            created,
            thesaurus,
            applied: Mutex::new(applied),
            facet_rows: facets::FacetCache::default(),
        })
    }

    /// The store position the index has applied (None: unknown, [`SearchIndex::catch_up`]
    /// rebuilds it).
    pub fn applied(&self) -> Option<Applied> {
        self.applied
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Commits the writer's changes with `position` as the commit's payload (the current one when
    /// None), so documents and position are durable together.
    fn commit(
        &self,
        writer: &mut IndexWriter,
        position: Option<Applied>,
    ) -> Result<(), SearchError> {
        let mut applied = self.applied.lock().unwrap_or_else(|p| p.into_inner());
        let position = position.or_else(|| applied.clone());
        let mut prepared = writer.prepare_commit()?;
        if let Some(p) = &position {
            prepared.set_payload(&p.encode());
        }
        prepared.commit()?;
        *applied = position;
        Ok(())
    }

    /// Rewrites every segment holding deleted documents without them, and removes the files
    /// no longer used: after an erasure, the erased text is in none of the index's files.
    /// Returns how many segments were rewritten.
    pub fn purge_deleted(&self) -> Result<usize, SearchError> {
        let mut writer = self.lock_writer();
        let segments: Vec<_> = self
            .index
            .searchable_segment_metas()?
            .into_iter()
            .filter(|m| m.has_deletes())
            .map(|m| m.id())
            .collect();
        if !segments.is_empty() {
            writer.merge(&segments).wait()?;
        }
        writer.garbage_collect_files().wait()?;
        drop(writer);
        self.reader.reload()?;
        Ok(segments.len())
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

    /// The index document of `stored`, with the translations of a practice's versions.
    pub(crate) fn document(
        &self,
        store: &Store,
        roster: &coalition_record::Roster,
        stored: &coalition_store::StoredEntry,
    ) -> Result<Option<tantivy::TantivyDocument>, SearchError> {
        let translations = match stored.payload().and_then(Payload::practice) {
            Some(_) => store
                .translations_of(&store.practice_versions(&stored.id(), stored.payload())?)?
                .into_iter()
                .map(|(_, t)| (t.translator, t.translation))
                .collect(),
            None => Vec::new(),
        };
        Ok(document::build(&self.fields, roster, stored, &translations))
    }

    /// The version of the practice in force that `version` is part of (itself when current).
    pub(crate) fn current_version(store: &Store, version: EntryId) -> Result<EntryId, SearchError> {
        let mut at = version;
        for _ in 0..64 {
            match store.entry(&at)?.and_then(|e| e.status.superseded_by) {
                Some(next) => at = next,
                None => break,
            }
        }
        Ok(at)
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
        let frontier = store.frontier();
        let total = frontier.values().map(|(seq, _)| *seq).sum();
        // At least this frontier is applied (entries stored meanwhile may be too: applying one
        // again on catch-up gives the same documents).
        let position = Applied {
            roster_version: roster.version,
            heads: frontier.clone().into_iter().collect(),
        };
        let mut authors: Vec<_> = frontier.into_iter().collect();
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
                    if let Some(Payload::Erasure(e)) = stored.payload() {
                        // Deletes apply to documents added before them: the erased target goes.
                        writer.delete_term(self.id_term(&e.target));
                    }
                    if let Some(doc) = self.document(store, &roster, stored)? {
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
        self.commit(writer, Some(position))?;
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
            match stored.payload() {
                Some(Payload::PracticeRevision(r)) => {
                    touched.insert(r.supersedes);
                }
                Some(Payload::Retraction(r)) => {
                    touched.insert(r.target);
                }
                Some(Payload::Erasure(e)) => {
                    erased.insert(e.target);
                }
                // The store drops the target's payload if the order carries the threshold:
                // read again, it is then no document.
                Some(Payload::ErasureOrder(o)) => {
                    touched.insert(o.order.target);
                }
                // The practice it translates is found in one more language.
                Some(Payload::Translation(t)) => {
                    touched.insert(Self::current_version(store, t.source)?);
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
                    if let Some(doc) = self.document(store, &roster, &stored)? {
                        writer.add_document(doc)?;
                    }
                }
            }
            for id in &erased {
                writer.delete_term(self.id_term(id));
            }
            // These ids are applied, but not necessarily everything before them: the recorded
            // position stays as it was.
            self.commit(&mut writer, None)?;
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

    /// Runs a query: ranked by BM25 when it has words, newest first otherwise.
    ///
    /// A result must match a minimum of the question's word groups that grows with its length
    /// ([`query::minimum_should_match`]). When no entry matches all of them, the results are
    /// those matching some (at least one when the minimum finds nothing) and say `relaxed`.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        self.facet_rows.keep_only(&searcher);
        let text = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let reader_lang = q.lang.as_deref().map(str::trim).filter(|l| !l.is_empty());
        let reader_bucket = reader_lang.map(bucket_of);
        let filters = self.filters(q);
        let only_filters = |filters: &[Box<dyn Query>]| -> Box<dyn Query> {
            if filters.is_empty() {
                Box::new(AllQuery)
            } else {
                Box::new(BooleanQuery::new(
                    filters
                        .iter()
                        .map(|f| (Occur::Must, f.box_clone()))
                        .collect(),
                ))
            }
        };
        let collect = |query: &dyn Query| self.collect(&searcher, query, q, text.is_some());
        let (offset, limit) = page(q, &searcher);
        // Ranked: the top of the window by the words alone, then rescored with the proximity
        // boosts (crate::rescore).
        let collect_ranked = |query: &dyn Query, plan: &query::Plan| -> Result<Page, SearchError> {
            let window = (offset + limit).max(rescore::WINDOW);
            let (ranked, total, facets) =
                self.scored_page(&searcher, query, TopDocs::with_limit(window))?;
            let ranked = rescore::rescore(&searcher, &plan.boosts, ranked)?;
            let page = ranked.into_iter().skip(offset).take(limit).collect();
            Ok((page, total, facets))
        };
        let (query, (ranked, total, facets), relaxed) = match (text, q.mode) {
            (None, _) => {
                let query = only_filters(&filters);
                let found = collect(&*query)?;
                (query, found, false)
            }
            (Some(text), SearchMode::AllWords) => {
                let mut clauses = vec![(Occur::Must, self.all_words_query(text, reader_bucket))];
                clauses.extend(filters.iter().map(|f| (Occur::Must, f.box_clone())));
                let query: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
                let found = collect(&*query)?;
                (query, found, false)
            }
            (Some(text), SearchMode::Ranked) => {
                let plan = self.planner(&searcher, reader_bucket).plan(text);
                let n = plan.groups.len();
                let required = query::minimum_should_match(n);
                let query = Self::ranked_query(&plan, required, &filters);
                let found = collect_ranked(&*query, &plan)?;
                let all_match = if required == n {
                    found.1 > 0
                } else {
                    any_match(&searcher, &*Self::all_match_query(&plan, &filters))?
                };
                if all_match || n <= 1 {
                    (query, found, false)
                } else if found.1 > 0 {
                    (query, found, true)
                } else {
                    let query = Self::ranked_query(&plan, 1, &filters);
                    let found = collect_ranked(&*query, &plan)?;
                    let relaxed = found.1 > 0;
                    (query, found, relaxed)
                }
            }
        };
        let generators = match text {
            Some(_) => Some(self.snippet_generators(&searcher, &*query)?),
            None => None,
        };
        // Reading the stored documents and finding their snippets (which analyses each one's
        // whole text) runs on the search threads too: a page of long practices costs
        // milliseconds.
        let hits = self.index.search_executor().map(
            |(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(self.hit(&doc, score, reader_lang, generators.as_deref()))
            },
            ranked.into_iter(),
        )?;
        Ok(SearchResults {
            total,
            hits,
            facets,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
            relaxed,
        })
    }

    /// One page of `query`'s results (by score when `scored`, else newest first), their total and
    /// facet counts.
    fn collect(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        q: &SearchQuery,
        scored: bool,
    ) -> Result<Page, SearchError> {
        let (offset, limit) = page(q, searcher);
        let top = TopDocs::with_limit(limit).and_offset(offset);
        if scored {
            return self.scored_page(searcher, query, top);
        }
        let (docs, total, facets) = searcher.search(
            query,
            &(
                top.order_by_fast_field::<i64>(names::TIMESTAMP, Order::Desc),
                Count,
                facets::FacetCollector {
                    cache: &self.facet_rows,
                },
            ),
        )?;
        let docs = docs
            .into_iter()
            .map(|(_, address)| (0.0, address))
            .collect();
        Ok((docs, total, facets))
    }

    /// `top` of `query`'s results by score, their total and facet counts, in one pass.
    fn scored_page(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        top: TopDocs,
    ) -> Result<Page, SearchError> {
        Ok(searcher.search(
            query,
            &(
                top.order_by_score(),
                Count,
                facets::FacetCollector {
                    cache: &self.facet_rows,
                },
            ),
        )?)
    }

    fn snippet_generators(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
    ) -> Result<Vec<Vec<SnippetGenerator>>, SearchError> {
        let f = &self.fields;
        f.summary_by_bucket
            .iter()
            .zip(&f.text_by_bucket)
            .map(|(summary, text)| {
                [*summary, *text]
                    .into_iter()
                    .map(|field| {
                        let mut generator = SnippetGenerator::create(searcher, query, field)?;
                        generator.set_max_num_chars(SNIPPET_CHARS);
                        Ok(generator)
                    })
                    .collect()
            })
            .collect()
    }
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
