//! Proximity boosts applied to the top of the ranking only.
//!
//! Checking where two question words stand in a title or summary needs their positions: over a
//! large index whose texts share common words, doing it for every matching document cost a
//! fifth of a full-text query (issue #13). The query therefore ranks by the words alone, and
//! the first [`WINDOW`] results (five pages of the default size) are rescored with the boosts
//! and reordered, the way search engines' rescoring windows work. A document further down gets
//! no boost; the order beyond the window is the words' own, so paging stays consistent.

use tantivy::query::{BooleanQuery, EnableScoring, Query};
use tantivy::{DocAddress, DocSet, Score, Searcher};

/// Results rescored with the boosts.
pub(crate) const WINDOW: usize = 100;

/// Adds the `boosts` that match to the scores of the first [`WINDOW`] of `ranked` (best first)
/// and reorders those.
pub(crate) fn rescore(
    searcher: &Searcher,
    boosts: &[Box<dyn Query>],
    mut ranked: Vec<(Score, DocAddress)>,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    let n = ranked.len().min(WINDOW);
    if boosts.is_empty() || n == 0 {
        return Ok(ranked);
    }
    let boost = BooleanQuery::union(boosts.iter().map(|b| b.box_clone()).collect());
    let weight = boost.weight(EnableScoring::enabled_from_searcher(searcher))?;
    // Segment by segment in document order: a scorer only moves forward.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| ranked[i].1);
    let mut current = None;
    for i in order {
        let address = ranked[i].1;
        let scorer = match &mut current {
            Some((segment, scorer)) if *segment == address.segment_ord => scorer,
            _ => {
                let reader = searcher.segment_reader(address.segment_ord);
                let scorer = weight.scorer(reader, 1.0)?;
                &mut current.insert((address.segment_ord, scorer)).1
            }
        };
        if scorer.doc() <= address.doc_id && scorer.seek(address.doc_id) == address.doc_id {
            ranked[i].0 += scorer.score();
        }
    }
    ranked[..n].sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(ranked)
}
