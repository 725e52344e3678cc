//! Scenario search-quality: the judged set (crates/search/judged) indexed from a real store and
//! every question asked, ranked retrieval against the all-words search it replaced, in the same
//! run. Figures: nDCG@10, recall@10 (same language, all languages), MRR, the share of answerable
//! questions with an empty first page, and no-answer questions left empty or marked relaxed.

use crate::report::{Row, Target};
use anyhow::Result;
use coalition_search::quality::{evaluate, JudgedSet, Quality};
use coalition_search::{SearchIndex, SearchMode};
use coalition_tests::{Coalition, CREATED_MS};

/// Acceptance targets of issue #13.
const NDCG_TARGET: f64 = 0.85;
const RECALL_ALL_TARGET: f64 = 0.85;

/// Scenario `search-quality`: the judged set's nDCG@10, recall@10, MRR and empty-page shares,
/// ranked retrieval against the all-words search, with issue #13's targets.
pub fn run() -> Result<Vec<Row>> {
    let set = JudgedSet::builtin()?;
    let coalition = Coalition::new(8)?;
    let dir = tempfile::tempdir()?;
    let store = coalition.create_store(dir.path())?;
    let keys: Vec<_> = coalition.cities.iter().collect();
    let ids = set.publish(&store, &keys, CREATED_MS)?;
    let index = SearchIndex::in_memory()?;
    index.rebuild(&store, |_, _| {})?;
    let ranked = evaluate(&index, &set, &ids, SearchMode::Ranked)?;
    let before = evaluate(&index, &set, &ids, SearchMode::AllWords)?;
    eprintln!("  nDCG@10  recall@10  question  [missed]");
    for q in &ranked.per_question {
        let recall = q
            .recall10_all
            .map_or_else(|| "  -  ".to_string(), |r| format!("{r:.2}"));
        let relaxed = if q.relaxed { " (relaxed)" } else { "" };
        eprintln!(
            "  {:.2}     {recall}      {}{relaxed}  {:?}",
            q.ndcg10, q.text, q.missed
        );
    }
    Ok(rows(&ranked, &before, set.practices.len()))
}

fn rows(now: &Quality, before: &Quality, practices: usize) -> Vec<Row> {
    let base = "all words (before)";
    let note = format!(
        "{practices} practices, {} questions ({} answerable)",
        now.questions, now.answerable
    );
    vec![
        Row::new("search-quality", "nDCG@10", "", now.ndcg10)
            .baseline(base, before.ndcg10)
            .target(Target::ValueAtLeast(NDCG_TARGET))
            .note(note),
        Row::new(
            "search-quality",
            "recall@10 same language",
            "",
            now.recall10_same,
        )
        .baseline(base, before.recall10_same),
        Row::new(
            "search-quality",
            "recall@10 all languages",
            "",
            now.recall10_all,
        )
        .baseline(base, before.recall10_all)
        .target(Target::ValueAtLeast(RECALL_ALL_TARGET)),
        Row::new("search-quality", "MRR", "", now.mrr).baseline(base, before.mrr),
        Row::new(
            "search-quality",
            "answerable with empty first page",
            "share",
            now.empty_first_page,
        )
        .baseline(base, before.empty_first_page)
        .target(Target::ValueAtMost(0.0)),
        Row::new(
            "search-quality",
            "no-answer empty or relaxed",
            "questions",
            now.no_answer_ok as f64,
        )
        .baseline(base, before.no_answer_ok as f64)
        .target(Target::ValueEquals(now.no_answer as f64))
        .note(format!("of {}", now.no_answer)),
    ]
}
