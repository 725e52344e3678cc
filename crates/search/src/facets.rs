//! Facet counts over the whole filtered result set, in the same pass that ranks the hits, from
//! per-segment facet rows read once from the fast-field columns and cached.
//!
//! The year facet counts what the `year` filter means: an entry counts in every year it is active
//! (a practice from its start year to its end year; an open-ended one up to the current year, or
//! its start year when that is later), so the count next to a year is what choosing it finds.

use crate::schema::{names, OPEN_END};
use crate::Facets;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts commitment, country, city, language, year and kind values of every matching document,
/// from the segments' facet rows kept in `cache`.
pub(crate) struct FacetCollector<'a> {
    pub cache: &'a FacetCache,
}

/// The current calendar year (UTC), from the system clock.
fn this_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    coalition_record::calendar::civil_from_days(days).0
}

/// The years an entry counts in: its start year to its end year, an open end read as the current
/// year (or the start year, when that is later); at most [`YEAR_SLOTS`] years.
fn active_years(start: i64, end: Option<i64>, this_year: i64) -> std::ops::RangeInclusive<i64> {
    let last = match end {
        None => start,
        Some(OPEN_END) => this_year.max(start),
        Some(end) => end,
    };
    start..=last.min(start + YEAR_SLOTS as i64 - 1)
}

/// Commitments 0..=14 get a bit of a document's mask; bit 15 says it has others (not expected
/// from valid payloads), kept aside.
const COMMITMENT_BITS: u64 = 15;
const OTHER_COMMITMENTS: u16 = 1 << 15;
/// Years FIRST_YEAR..FIRST_YEAR + YEAR_SLOTS get an array slot.
const FIRST_YEAR: i64 = 1900;
const YEAR_SLOTS: usize = 300;
/// A document active in no year.
const NO_YEARS: (u16, u16) = (u16::MAX, 0);
/// A document whose years fall outside the slots, kept aside.
const OTHER_YEARS: (u16, u16) = (u16::MAX, 1);

/// A string facet value slot of a [`DocRow`] with no value.
const NO_VALUE: u32 = u32::MAX;
/// The bit of a [`DocRow`] string slot that says it holds several values: the rest of the slot
/// is their place in [`StringColumn::several`].
const SEVERAL: u32 = 1 << 31;

/// One document's facet values, packed into one 32-byte row: the facet pass reads the row of
/// every matching document of every query, and reading fourteen separate arrays per document
/// was most of its time (issue #13).
#[derive(Clone, Copy)]
struct DocRow {
    /// Bit c for commitment c below [`COMMITMENT_BITS`], and [`OTHER_COMMITMENTS`].
    commitments: u16,
    /// First and last active year as offsets from [`FIRST_YEAR`], or a marker.
    years: (u16, u16),
    /// Per string facet: [`NO_VALUE`], one term ordinal, or [`SEVERAL`] and a position.
    strings: [u32; STRING_FACETS.len()],
}

/// One string facet of a segment: the column that names its term ordinals, and the ordinals of
/// the documents that have several values (a practice in two languages), each list as its
/// length then the ordinals.
struct StringColumn {
    column: StrColumn,
    terms: usize,
    several: Vec<u32>,
}

/// A segment's facet values, read once from its columns and kept while the segment lives.
pub(crate) struct SegmentRows {
    rows: Vec<DocRow>,
    other_commitments: HashMap<DocId, Vec<u64>>,
    other_years: HashMap<DocId, (i64, i64)>,
    /// Per string facet; None where no document of the segment has the field.
    strings: [Option<StringColumn>; STRING_FACETS.len()],
}

impl SegmentRows {
    fn read(segment: &SegmentReader, this_year: i64) -> tantivy::Result<SegmentRows> {
        let fast = segment.fast_fields();
        let docs = segment.max_doc();
        let commitment: Option<Column<u64>> = fast.column_opt(names::COMMITMENT)?;
        let year: Option<Column<i64>> = fast.column_opt(names::YEAR)?;
        let year_end: Option<Column<i64>> = fast.column_opt(names::YEAR_END)?;
        let mut rows = SegmentRows {
            rows: Vec::with_capacity(docs as usize),
            other_commitments: HashMap::new(),
            other_years: HashMap::new(),
            strings: Default::default(),
        };
        for doc in 0..docs {
            let mut mask = 0u16;
            if let Some(column) = &commitment {
                for c in column.values_for_doc(doc) {
                    if c < COMMITMENT_BITS {
                        mask |= 1 << c;
                    } else {
                        mask |= OTHER_COMMITMENTS;
                        rows.other_commitments.entry(doc).or_default().push(c);
                    }
                }
            }
            let start = year.as_ref().and_then(|column| column.first(doc));
            let span = match start {
                None => NO_YEARS,
                Some(start) => {
                    let end = year_end.as_ref().and_then(|column| column.first(doc));
                    let range = active_years(start, end, this_year);
                    let (first, last) = (*range.start(), *range.end());
                    let slot = |y: i64| {
                        y.checked_sub(FIRST_YEAR)
                            .filter(|i| (0..YEAR_SLOTS as i64).contains(i))
                            .and_then(|i| u16::try_from(i).ok())
                    };
                    if first > last {
                        NO_YEARS
                    } else {
                        match (slot(first), slot(last)) {
                            (Some(a), Some(b)) => (a, b),
                            _ => {
                                rows.other_years.insert(doc, (first, last));
                                OTHER_YEARS
                            }
                        }
                    }
                }
            };
            rows.rows.push(DocRow {
                commitments: mask,
                years: span,
                strings: [NO_VALUE; STRING_FACETS.len()],
            });
        }
        for (slot, name) in STRING_FACETS.iter().enumerate() {
            // A segment where no document has the field has no column for it.
            let Some(column) = fast.str(name)? else {
                continue;
            };
            let mut several = Vec::new();
            let mut ords = Vec::new();
            for (doc, row) in (0..docs).zip(rows.rows.iter_mut()) {
                ords.clear();
                // Ordinals from 2^31 on would read as the SEVERAL bit; no column has that many terms.
                ords.extend(
                    column
                        .term_ords(doc)
                        .filter_map(|ord| u32::try_from(ord).ok().filter(|o| *o < SEVERAL)),
                );
                row.strings[slot] = match ords.as_slice() {
                    [] => NO_VALUE,
                    [one] => *one,
                    _ => match u32::try_from(several.len()).ok().filter(|at| *at < SEVERAL) {
                        Some(at) => {
                            several.push(u32::try_from(ords.len()).unwrap_or(0));
                            several.extend_from_slice(&ords);
                            SEVERAL | at
                        }
                        None => NO_VALUE,
                    },
                };
            }
            rows.strings[slot] = Some(StringColumn {
                terms: column.num_terms(),
                column,
                several,
            });
        }
        Ok(rows)
    }
}

/// The facet rows of the index's segments, by segment and the year they were read in (an
/// ongoing practice counts up to the current year). Segments are immutable, so rows stay valid
/// until their segment is merged away; [`FacetCache::keep_only`] drops those.
#[derive(Default)]
pub(crate) struct FacetCache {
    segments: Mutex<HashMap<(SegmentId, i64), Arc<SegmentRows>>>,
}

impl FacetCache {
    fn rows(&self, segment: &SegmentReader, this_year: i64) -> tantivy::Result<Arc<SegmentRows>> {
        let key = (segment.segment_id(), this_year);
        if let Some(rows) = self.lock().get(&key) {
            return Ok(rows.clone());
        }
        // Read outside the lock: another query may read the same segment meanwhile; the
        // second copy is dropped.
        let rows = Arc::new(SegmentRows::read(segment, this_year)?);
        Ok(self.lock().entry(key).or_insert(rows).clone())
    }

    /// Forgets the rows of segments `searcher` no longer has (merged or deleted).
    pub(crate) fn keep_only(&self, searcher: &tantivy::Searcher) {
        let live: HashSet<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(|s| s.segment_id())
            .collect();
        self.lock().retain(|(id, _), _| live.contains(id));
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(SegmentId, i64), Arc<SegmentRows>>> {
        self.segments.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Per-segment counts over the segment's facet rows: string facets by term ordinal, resolved to
/// text at harvest; years as a difference array (+1 at the first active year, −1 after the
/// last), so a long-running practice costs two updates, not one per year.
pub(crate) struct FacetSegmentCollector {
    rows: Arc<SegmentRows>,
    commitments: [u64; COMMITMENT_BITS as usize],
    year_steps: Vec<i64>,
    /// Per string facet, counts by term ordinal (empty where the segment has no column).
    strings: [Vec<u64>; STRING_FACETS.len()],
    other_commitments: BTreeMap<u64, u64>,
    other_years: BTreeMap<i64, u64>,
}

/// What one segment counted.
#[derive(Default)]
pub(crate) struct SegmentCounts {
    commitments: BTreeMap<u64, u64>,
    years: BTreeMap<i64, u64>,
    /// country, city, language, kind, ground, partner type
    strings: [HashMap<String, u64>; 6],
}

const STRING_FACETS: [&str; 6] = [
    names::COUNTRY,
    names::CITY,
    names::LANGUAGE,
    names::KIND,
    names::GROUND,
    names::PARTNER_TYPE,
];

impl SegmentCollector for FacetSegmentCollector {
    type Fruit = SegmentCounts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        let rows = &*self.rows;
        let Some(row) = rows.rows.get(doc as usize) else {
            return;
        };
        let mut bits = row.commitments & !OTHER_COMMITMENTS;
        while bits != 0 {
            self.commitments[bits.trailing_zeros() as usize] += 1;
            bits &= bits - 1;
        }
        if row.commitments & OTHER_COMMITMENTS != 0 {
            for c in rows.other_commitments.get(&doc).into_iter().flatten() {
                *self.other_commitments.entry(*c).or_default() += 1;
            }
        }
        match row.years {
            NO_YEARS => {}
            OTHER_YEARS => {
                if let Some(&(first, last)) = rows.other_years.get(&doc) {
                    for y in first..=last {
                        *self.other_years.entry(y).or_default() += 1;
                    }
                }
            }
            (first, last) => {
                self.year_steps[usize::from(first)] += 1;
                self.year_steps[usize::from(last) + 1] -= 1;
            }
        }
        for (slot, (&value, counts)) in row.strings.iter().zip(&mut self.strings).enumerate() {
            if value == NO_VALUE {
                continue;
            }
            if value & SEVERAL == 0 {
                if let Some(n) = counts.get_mut(value as usize) {
                    *n += 1;
                }
                continue;
            }
            let Some(column) = &rows.strings[slot] else {
                continue;
            };
            let at = (value & !SEVERAL) as usize;
            let len = column.several.get(at).map_or(0, |n| *n as usize);
            for &ord in column.several.get(at + 1..at + 1 + len).unwrap_or_default() {
                if let Some(n) = counts.get_mut(ord as usize) {
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
        let mut active = 0i64;
        for (i, step) in self.year_steps.iter().take(YEAR_SLOTS).enumerate() {
            active += step;
            if active > 0 {
                *years.entry(FIRST_YEAR + i as i64).or_default() += active as u64;
            }
        }
        let mut out = SegmentCounts {
            commitments,
            years,
            ..SegmentCounts::default()
        };
        let mut text = String::new();
        for (slot, counts) in self.strings.into_iter().enumerate() {
            let Some(string) = &self.rows.strings[slot] else {
                continue;
            };
            for (ord, n) in counts.into_iter().enumerate() {
                if n == 0 {
                    continue;
                }
                if matches!(string.column.ord_to_str(ord as u64, &mut text), Ok(true)) {
                    *out.strings[slot].entry(text.clone()).or_default() += n;
                }
            }
        }
        out
    }
}

impl Collector for FacetCollector<'_> {
    type Fruit = Facets;
    type Child = FacetSegmentCollector;

    fn for_segment(
        &self,
        _segment_local_id: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<FacetSegmentCollector> {
        let rows = self.cache.rows(segment, this_year())?;
        let strings = std::array::from_fn(|slot| {
            rows.strings[slot]
                .as_ref()
                .map_or_else(Vec::new, |s| vec![0; s.terms])
        });
        Ok(FacetSegmentCollector {
            rows,
            commitments: [0; COMMITMENT_BITS as usize],
            year_steps: vec![0; YEAR_SLOTS + 1],
            strings,
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
        let [country, city, language, kind, ground, partner_type] = total.strings.map(by_count);
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
            ground,
            partner_type,
        })
    }
}

/// Most frequent first, then by name.
fn by_count(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_counts_in_every_year_it_is_active() {
        let years = |r: std::ops::RangeInclusive<i64>| r.collect::<Vec<_>>();
        // Ongoing, started 2021, counted in 2026: 2021 to 2026.
        assert_eq!(
            years(active_years(2021, Some(OPEN_END), 2026)),
            vec![2021, 2022, 2023, 2024, 2025, 2026]
        );
        // Ongoing but starting after this year: its start year.
        assert_eq!(years(active_years(2028, Some(OPEN_END), 2026)), vec![2028]);
        assert_eq!(
            years(active_years(2019, Some(2020), 2026)),
            vec![2019, 2020]
        );
        // No end column (an update or report): its own year.
        assert_eq!(years(active_years(2022, None, 2026)), vec![2022]);
        // An end before the start is active in no year, as the filter reads it.
        assert!(years(active_years(2022, Some(2020), 2026)).is_empty());
    }
}
