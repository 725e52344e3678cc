//! Facet counts over the whole filtered result set, read from the fast-field columns in the same
//! pass that ranks the hits.
//!
//! The year facet counts what the `year` filter means: an entry counts in every year it is active
//! (a practice from its start year to its end year; an open-ended one up to the current year, or
//! its start year when that is later), so the count next to a year is what choosing it finds.

use crate::schema::{names, OPEN_END};
use crate::Facets;
use std::collections::{BTreeMap, HashMap};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts commitment, country, city, language, year and kind values of every matching document.
pub struct FacetCollector;

/// The current calendar year (UTC), from the system clock.
fn this_year() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    year_of_day(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// The proleptic Gregorian year of a day counted from 1970-01-01 (days-from-civil inverted).
fn year_of_day(days: i64) -> i64 {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let year = yoe + era * 400;
    if mp >= 10 {
        year + 1
    } else {
        year
    }
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

/// Per-segment counts: string columns by term ordinal, resolved to text at harvest.
pub struct FacetSegmentCollector {
    commitment: Option<Column<u64>>,
    year: Option<Column<i64>>,
    year_end: Option<Column<i64>>,
    this_year: i64,
    strings: Vec<(StrColumn, Vec<u64>)>,
    /// Which facet each entry of `strings` feeds (country, city, language, kind, ground,
    /// partner type).
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
            year_end: fast.column_opt(names::YEAR_END)?,
            this_year: this_year(),
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
        if let Some(start) = self.year.as_ref().and_then(|column| column.first(doc)) {
            let end = self.year_end.as_ref().and_then(|column| column.first(doc));
            for y in active_years(start, end, self.this_year) {
                let slot = y
                    .checked_sub(FIRST_YEAR)
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| self.years.get_mut(i));
                match slot {
                    Some(n) => *n += 1,
                    None => *self.other_years.entry(y).or_default() += 1,
                }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_map_to_their_year() {
        assert_eq!(year_of_day(0), 1970);
        assert_eq!(year_of_day(364), 1970);
        assert_eq!(year_of_day(365), 1971);
        // 2024-12-31 and 2025-01-01 (2024 is a leap year).
        assert_eq!(year_of_day(20_088), 2024);
        assert_eq!(year_of_day(20_089), 2025);
        assert_eq!(year_of_day(-1), 1969);
    }

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
