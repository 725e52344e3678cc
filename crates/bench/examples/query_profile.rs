//! Profiling aid for full-text queries (issue #13): builds the query scenario's index of
//! 100,000 practices once, on disk, then times the scenario's full-text questions (or those given
//! as arguments) against it, 20 rounds each, so that a change to crates/search can be measured,
//! or run under `perf record`, in seconds rather than the scenario's minute.
//!
//! `cargo run --release -p coalition-bench --example query_profile -- ["question" ...]`; the
//! index is kept in `$COALITION_PROFILE_DIR` (default: the temporary directory's
//! `coalition-query-profile`); delete it after a change to how documents are indexed.
use coalition_bench::data;
use coalition_bench::ingest::ingest_all;
use coalition_search::{SearchIndex, SearchQuery};
use coalition_tests::Coalition;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let dir = std::env::var_os("COALITION_PROFILE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("coalition-query-profile"));
    let index_dir = dir.join("index");
    if !index_dir.exists() {
        let coalition = Coalition::new(data::CITIES)?;
        let entries = data::entries(&coalition, 100_000, 5)?;
        let store_dir = tempfile::tempdir()?;
        let store = coalition.create_store(store_dir.path())?;
        ingest_all(&store, entries, 128)?;
        std::fs::create_dir_all(&index_dir)?;
        let index = SearchIndex::open_or_create(&index_dir)?;
        index.rebuild(&store, |_, _| {})?;
    }
    let index = SearchIndex::open_or_create(&index_dir)?;
    let texts: Vec<String> = std::env::args().skip(1).collect();
    let texts = if texts.is_empty() {
        [
            "housing",
            "police training",
            "anonymous recruitment employer",
            "\"hate crime\"",
            "festival",
            "roma mediation",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    } else {
        texts
    };
    for text in &texts {
        let q = SearchQuery {
            text: Some(text.clone()),
            ..SearchQuery::default()
        };
        index.search(&q)?;
        let mut samples = Vec::new();
        let mut total = 0;
        for _ in 0..20 {
            let t = Instant::now();
            let r = index.search(&q)?;
            samples.push(t.elapsed().as_secs_f64() * 1e3);
            total = r.total;
        }
        samples.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{text:?}: p50 {:.2} ms max {:.2} ms total {total}",
            samples[10], samples[19]
        );
    }
    Ok(())
}
