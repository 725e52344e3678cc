//! Facet counts over the whole filtered result set, read from the fast-field columns in the same
//! pass that ranks the hits.

use crate::schema::names;
use crate::Facets;
use std::collections::{BTreeMap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts commitment, country, city, language, year and kind values of every matching document.
pub struct FacetCollector;

/// Per-segment counts: string columns by term ordinal, resolved to text at harvest.
pub struct FacetSegmentCollector {
    commitment: Option<Column<u64>>,
    year: Option<Column<i64>>,
    strings: Vec<(StrColumn, Vec<u64>)>,
    /// Which facet each entry of `strings` feeds (country, city, language, kind).
    slots: Vec<usize>,
    /// Counted in arrays, not maps: this runs once per matching document, and the profile of the
    /// full-text benchmark showed map updates as a large part of the facet pass.
    commitments: [u64; COMMITMENT_SLOTS],
    years: Vec<u64>,
    /// Values outside the arrays' ranges (not expected from valid payloads).
    other_commitments: BTreeMap<u64, u64>,
    other_years: BTreeMap<i64, u64>,
}

/// Commitments 0..=10 (valid ones are 1 to 10).
const COMMITMENT_SLOTS: usize = 11;
/// Years FIRST_YEAR..FIRST_YEAR + YEAR_SLOTS get an array slot.
const FIRST_YEAR: i64 = 1900;
const YEAR_SLOTS: usize = 300;

/// What one segment counted.
#[derive(Default)]
pub struct SegmentCounts {
    commitments: BTreeMap<u64, u64>,
    years: BTreeMap<i64, u64>,
    /// country, city, language, kind
    strings: [HashMap<String, u64>; 4],
}

const STRING_FACETS: [&str; 4] = [names::COUNTRY, names::CITY, names::LANGUAGE, names::KIND];

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let fast = segment.fast_fields();
        let mut strings = Vec::new();
        let mut slots = Vec::new();
        for (slot, name) in STRING_FACETS.iter().enumerate() {
            // A segment where no document has the field has no column for it.
            if let Some(column) = fast.str(name)? {
                let counts = vec![0; column.num_terms()];
                strings.push((column, counts));
                slots.push(slot);
            }
        }
        Ok(FacetSegmentCollector {
            commitment: fast.column_opt(names::COMMITMENT)?,
            year: fast.column_opt(names::YEAR)?,
            strings,
            slots,
            commitments: [0; COMMITMENT_SLOTS],
            years: vec![0; YEAR_SLOTS],
            other_commitments: BTreeMap::new(),
            other_years: BTreeMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<SegmentCounts>) -> tantivy::Result<Facets> {
        let mut total = SegmentCounts::default();
        for segment in segments {
            for (k, n) in segment.commitments {
                *total.commitments.entry(k).or_default() += n;
            }
            for (k, n) in segment.years {
                *total.years.entry(k).or_default() += n;
            }
            for (into, from) in total.strings.iter_mut().zip(segment.strings) {
                for (k, n) in from {
                    *into.entry(k).or_default() += n;
                }
            }
        }
        let [country, city, language, kind] = total.strings.map(by_count);
        Ok(Facets {
            commitment: total
                .commitments
                .into_iter()
                .filter_map(|(c, n)| u8::try_from(c).ok().map(|c| (c, n)))
                .collect(),
            country,
            city,
            language,
            year: total
                .years
                .into_iter()
                .rev()
                .filter_map(|(y, n)| i32::try_from(y).ok().map(|y| (y, n)))
                .collect(),
            kind,
        })
    }
}

/// Most frequent first, then by name.
fn by_count(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = SegmentCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(column) = &self.commitment {
            for c in column.values_for_doc(doc) {
                match usize::try_from(c)
                    .ok()
                    .and_then(|i| self.commitments.get_mut(i))
                {
                    Some(n) => *n += 1,
                    None => *self.other_commitments.entry(c).or_default() += 1,
                }
            }
        }
        if let Some(y) = self.year.as_ref().and_then(|column| column.first(doc)) {
            let slot = y
                .checked_sub(FIRST_YEAR)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| self.years.get_mut(i));
            match slot {
                Some(n) => *n += 1,
                None => *self.other_years.entry(y).or_default() += 1,
            }
        }
        for (column, counts) in &mut self.strings {
            for ord in column.term_ords(doc) {
                if let Some(n) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o)) {
                    *n += 1;
                }
            }
        }
    }

    fn harvest(self) -> SegmentCounts {
        let mut commitments = self.other_commitments;
        for (c, &n) in self.commitments.iter().enumerate() {
            if n > 0 {
                *commitments.entry(c as u64).or_default() += n;
            }
        }
        let mut years = self.other_years;
        for (i, &n) in self.years.iter().enumerate() {
            if n > 0 {
                *years.entry(FIRST_YEAR + i as i64).or_default() += n;
            }
        }
        let mut out = SegmentCounts {
            commitments,
            years,
            ..SegmentCounts::default()
        };
        let mut text = String::new();
        for ((column, counts), slot) in self.strings.into_iter().zip(self.slots) {
            for (ord, n) in counts.into_iter().enumerate() {
                if n == 0 {
                    continue;
                }
                if matches!(column.ord_to_str(ord as u64, &mut text), Ok(true)) {
                    *out.strings[slot].entry(text.clone()).or_default() += n;
                }
            }
        }
        out
    }
}
