//! Scenario 5: SearchIndex query latency (filtered and full-text) against a full scan that
//! decodes every payload and filters in a loop.

use crate::data;
use crate::ingest::ingest_all;
use crate::report::{percentile, Row, Target};
use crate::Sizes;
use anyhow::{Context, Result};
use coalition_record::{Payload, Practice};
use coalition_search::{SearchIndex, SearchQuery};
use coalition_tests::Coalition;
use std::time::Instant;

fn q(f: impl FnOnce(&mut SearchQuery)) -> SearchQuery {
    let mut q = SearchQuery::default();
    f(&mut q);
    q
}

fn filtered_queries() -> Vec<SearchQuery> {
    vec![
        q(|q| q.commitments = vec![3]),
        q(|q| q.country = vec!["DE".into()]),
        q(|q| q.year = vec![2020]),
        q(|q| {
            q.commitments = vec![2, 5];
            q.country = vec!["FR".into()];
        }),
        q(|q| {
            q.kind = vec!["practice".into()];
            q.started = vec![2018];
            q.language = vec!["fr".into()];
        }),
        q(|q| q.city = vec!["City 3".into()]),
    ]
}

fn text_queries() -> Vec<SearchQuery> {
    vec![
        q(|q| q.text = Some("housing".into())),
        q(|q| q.text = Some("police training".into())),
        q(|q| q.text = Some("anonymous recruitment employer".into())),
        q(|q| q.text = Some("\"hate crime\"".into())),
        q(|q| {
            q.text = Some("festival".into());
            q.lang = Some("fr".into());
        }),
        q(|q| {
            q.text = Some("roma mediation".into());
            q.commitments = vec![4];
        }),
    ]
}

fn all_text(p: &Practice) -> String {
    let mut s = String::new();
    for t in [
        &p.title,
        &p.summary,
        &p.body,
        &p.rationale,
        &p.approach,
        &p.results,
        &p.transferability,
    ] {
        for v in t.values() {
            s.push_str(&v.to_lowercase());
            s.push(' ');
        }
    }
    s
}

/// The baseline: does this payload match the query? (Substring matching for words.)
fn scan_matches(payload: &Payload, q: &SearchQuery) -> bool {
    let Some(p) = payload.practice() else {
        return false;
    };
    // Values of one filter are alternatives; filters must all match.
    if !q.commitments.is_empty() && !q.commitments.iter().any(|c| p.commitments.contains(c)) {
        return false;
    }
    if !q.country.is_empty() && !q.country.iter().any(|c| p.country.eq_ignore_ascii_case(c)) {
        return false;
    }
    if !q.city.is_empty() && !q.city.iter().any(|c| p.city.eq_ignore_ascii_case(c)) {
        return false;
    }
    let start = payload.year();
    if !q.started.is_empty() && !q.started.iter().any(|y| Some(*y) == start) {
        return false;
    }
    let end: Option<i32> = p
        .period
        .end
        .as_deref()
        .and_then(|e| e.get(..4)?.parse().ok());
    let active = |y: i32| start.is_some_and(|s| s <= y) && end.is_none_or(|e| e >= y);
    if !q.year.is_empty() && !q.year.iter().any(|y| active(*y)) {
        return false;
    }
    if !q.language.is_empty()
        && !payload.languages().iter().any(|x| {
            q.language
                .iter()
                .any(|l| x.split('-').next() == Some(l.as_str()))
        })
    {
        return false;
    }
    if let Some(text) = &q.text {
        let hay = all_text(p);
        if let Some(phrase) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            return hay.contains(&phrase.to_lowercase());
        }
        return text
            .split_whitespace()
            .all(|w| hay.contains(&w.to_lowercase()));
    }
    true
}

fn time_index(
    index: &SearchIndex,
    queries: &[SearchQuery],
    repeats: usize,
) -> Result<(Vec<f64>, usize)> {
    let mut samples = Vec::new();
    let mut hits = 0;
    for _ in 0..repeats {
        for query in queries {
            let started = Instant::now();
            let r = index.search(query)?;
            samples.push(started.elapsed().as_secs_f64() * 1e3);
            hits += r.total;
        }
    }
    Ok((samples, hits / repeats.max(1)))
}

fn time_scan(blobs: &[Vec<u8>], queries: &[SearchQuery]) -> Result<(Vec<f64>, usize)> {
    let mut samples = Vec::new();
    let mut hits = 0;
    for query in queries {
        let started = Instant::now();
        let mut matched = Vec::new();
        for (i, b) in blobs.iter().enumerate() {
            let payload = Payload::decode(b)?;
            if scan_matches(&payload, query) {
                matched.push(i);
            }
        }
        samples.push(started.elapsed().as_secs_f64() * 1e3);
        hits += matched.len();
    }
    Ok((samples, hits))
}

/// Scenario `query`: p50 and p99 latency (ms) of filtered and full-text queries on an index of
/// `sizes.query` entries against a full scan, and the index rebuild time.
pub fn run(sizes: &Sizes) -> Result<Vec<Row>> {
    let coalition = Coalition::new(data::CITIES)?;
    let entries = data::entries(&coalition, sizes.query, 5)?;
    let n = entries.len();
    let blobs: Vec<Vec<u8>> = entries
        .iter()
        .map(|w| {
            w.payload
                .as_ref()
                .map(|b| b.bytes.clone())
                .context("payload")
        })
        .collect::<Result<_>>()?;
    let dir = tempfile::tempdir()?;
    let store = coalition.create_store(dir.path())?;
    ingest_all(&store, entries, sizes.batch)?;
    let index = SearchIndex::in_memory()?;
    let started = Instant::now();
    let docs = index.rebuild(&store, |_, _| {})?;
    let build_secs = started.elapsed().as_secs_f64();
    anyhow::ensure!(docs as usize == n, "indexed {docs} of {n}");

    let filtered = filtered_queries();
    let text = text_queries();
    // Warm-up.
    time_index(&index, &filtered, 1)?;
    time_index(&index, &text, 1)?;
    let (mut f, f_hits) = time_index(&index, &filtered, sizes.query_repeats)?;
    let (mut t, t_hits) = time_index(&index, &text, sizes.query_repeats)?;
    // Per query (samples are rounds of all queries in order), to find a slow one.
    for (i, query) in text.iter().enumerate() {
        let mut own: Vec<f64> = t.iter().skip(i).step_by(text.len()).copied().collect();
        eprintln!(
            "  full-text {:?}: p50 {:.2} ms, max {:.2} ms",
            query.text.as_deref().unwrap_or_default(),
            percentile(&mut own, 50.0),
            percentile(&mut own, 100.0)
        );
    }
    let (mut fs, fs_hits) = time_scan(&blobs, &filtered)?;
    let (mut ts, ts_hits) = time_scan(&blobs, &text)?;

    let note = format!("n={n}");
    Ok(vec![
        Row::new("query", "filtered p50", "ms", percentile(&mut f, 50.0))
            .baseline("full scan p50", percentile(&mut fs, 50.0))
            .note(format!(
                "{note}, {} queries x{}",
                filtered.len(),
                sizes.query_repeats
            )),
        Row::new("query", "filtered p99", "ms", percentile(&mut f, 99.0))
            .baseline("full scan p99", percentile(&mut fs, 99.0))
            .target(Target::ValueAtMost(5.0))
            .note(format!("hits/round index {f_hits}, scan {fs_hits}")),
        Row::new("query", "full-text p50", "ms", percentile(&mut t, 50.0))
            .baseline("full scan p50", percentile(&mut ts, 50.0))
            .note(format!("{} queries x{}", text.len(), sizes.query_repeats)),
        Row::new("query", "full-text p99", "ms", percentile(&mut t, 99.0))
            .baseline("full scan p99", percentile(&mut ts, 99.0))
            .target(Target::ValueAtMost(20.0))
            .note(format!(
                "hits/round index {t_hits}, scan (substring) {ts_hits}"
            )),
        Row::new("query", "index rebuild from store", "s", build_secs).note(format!("{docs} docs")),
    ])
}
