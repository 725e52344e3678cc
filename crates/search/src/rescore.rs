//! Proximity boosts applied to the top of the ranking only.
//!
//! Checking where two question words stand in a title or summary needs their positions: over a
//! large index whose texts share common words, doing it for every matching document cost a
//! fifth of a full-text query (issue #13). The query therefore ranks by the words alone, and
//! the first [`WINDOW`] results (five pages of the default size) are rescored with the boosts
//! and reordered, the way search engines' rescoring windows work. A document further down gets
//! no boost; the order beyond the window is the words' own, so paging stays consistent.

use tantivy::query::{EnableScoring, Query, Scorer};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SeekDangerResult};

/// Results rescored with the boosts.
pub(crate) const WINDOW: usize = 100;

/// Adds the `boosts` that match to the scores of the first [`WINDOW`] of `ranked` (best first)
/// and reorders those.
///
/// Each boost is checked only at the window's documents: its scorer is created at the first of
/// them in a segment and moved with `seek_danger`, which for a phrase checks positions at that
/// document only (a plain `seek` would scan forward to the next document where the phrase
/// occurs, and creating the scorer would scan to its first).
pub(crate) fn rescore(
    searcher: &Searcher,
    boosts: &[Box<dyn Query>],
    mut ranked: Vec<(Score, DocAddress)>,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    let n = ranked.len().min(WINDOW);
    if boosts.is_empty() || n == 0 {
        return Ok(ranked);
    }
    // The window's documents in segment and document order: a scorer only moves forward.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| ranked[i].1);
    for boost in boosts {
        let weight = boost.weight(EnableScoring::enabled_from_searcher(searcher))?;
        // Per segment: the scorer, and a bound below which it holds no document (after a
        // miss, `seek_danger` may only be asked for targets from there on).
        let mut current: Option<(u32, Box<dyn Scorer>, DocId)> = None;
        for &i in &order {
            let DocAddress {
                segment_ord,
                doc_id,
            } = ranked[i].1;
            let result = match &mut current {
                Some((segment, scorer, bound)) if *segment == segment_ord => {
                    if doc_id < (*bound).max(scorer.doc()) {
                        continue;
                    }
                    scorer.seek_danger(doc_id)
                }
                _ => {
                    let reader = searcher.segment_reader(segment_ord);
                    let (result, scorer) = weight.scorer_danger(reader, doc_id, 1.0)?;
                    current = Some((segment_ord, scorer, 0));
                    result
                }
            };
            let Some((_, scorer, bound)) = &mut current else {
                continue;
            };
            match result {
                SeekDangerResult::Found => {
                    ranked[i].0 += scorer.score();
                    *bound = doc_id + 1;
                }
                SeekDangerResult::SeekLowerBound(lower) => *bound = lower.max(doc_id + 1),
            }
        }
    }
    ranked[..n].sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(ranked)
}
