//! Years: the `year` filter keeps entries active in a year (a practice's period overlaps it, an
//! open-ended one is ongoing), `started` keeps the start year, and the year facet counts what the
//! `year` filter finds.

use crate::common;

use coalition_record::Payload;
use coalition_search::{SearchIndex, SearchQuery, SearchResults};
use common::{hex, Fixture};

fn indexed(fixture: &Fixture) -> SearchIndex {
    let index = SearchIndex::in_memory().expect("index");
    index.rebuild(&fixture.store, |_, _| {}).expect("rebuild");
    index
}

fn ids(results: &SearchResults) -> Vec<String> {
    let mut ids: Vec<String> = results.hits.iter().map(|h| h.id.clone()).collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[test]
fn an_ongoing_practice_started_in_2021_is_found_and_counted_in_2024() {
    let mut f = Fixture::new(&[("Gent", "BE"), ("Graz", "AT")]);
    // Started in 2021, no end: ongoing.
    let ongoing = f.practice(
        0,
        &[("nl", "Meldpunt")],
        &[("nl", "Meldingen.")],
        &[3],
        2021,
    );
    // 2019 to 2020, over before 2024.
    let mut ended = f.practice(1, &[("de", "Beratung")], &[("de", "Beratung.")], &[3], 2019);
    ended.period.end = Some("2020-12".into());
    // 2024 only.
    let mut one_year = f.practice(
        1,
        &[("de", "Workshops")],
        &[("de", "Workshops.")],
        &[5],
        2024,
    );
    one_year.period.end = Some("2024-11".into());
    let ongoing = hex(&f.publish(0, Payload::Practice(ongoing)));
    let ended = hex(&f.publish(1, Payload::Practice(ended)));
    let one_year = hex(&f.publish(1, Payload::Practice(one_year)));
    let index = indexed(&f);
    let search = |year: Vec<i32>, started: Vec<i32>| {
        index
            .search(&SearchQuery {
                year,
                started,
                ..SearchQuery::default()
            })
            .expect("search")
    };

    let in_2024 = search(vec![2024], Vec::new());
    assert_eq!(
        ids(&in_2024),
        sorted(vec![ongoing.clone(), one_year.clone()])
    );
    assert_eq!(ids(&search(vec![2020], Vec::new())), vec![ended.clone()]);
    // Several years: any of them.
    assert_eq!(
        ids(&search(vec![2020, 2022], Vec::new())),
        sorted(vec![ongoing.clone(), ended.clone()])
    );
    // `started` keeps the start-year meaning: the ongoing practice started in 2021 only.
    assert_eq!(ids(&search(Vec::new(), vec![2024])), vec![one_year.clone()]);
    assert_eq!(ids(&search(Vec::new(), vec![2021])), vec![ongoing.clone()]);

    // The facet counts every year a practice is active, so the ongoing practice counts in 2024
    // (it started in 2021), and each count is what choosing that year finds.
    let all = search(Vec::new(), Vec::new());
    let count = |y: i32| {
        all.facets
            .year
            .iter()
            .find(|(v, _)| *v == y)
            .map_or(0, |(_, n)| *n)
    };
    assert_eq!(
        [2018, 2019, 2020, 2021, 2022, 2023, 2024].map(count),
        [0, 1, 1, 1, 1, 1, 2]
    );
    for (y, n) in &all.facets.year {
        assert_eq!(search(vec![*y], Vec::new()).total as u64, *n, "year {y}");
    }
    // Within a filtered set too: commitment 3 leaves the one-year practice out of 2024.
    let three = index
        .search(&SearchQuery {
            commitments: vec![3],
            ..SearchQuery::default()
        })
        .expect("search");
    assert!(
        three.facets.year.contains(&(2024, 1)),
        "{:?}",
        three.facets.year
    );
}

/// The facet counts come from per-segment rows cached between queries: after more commits (new
/// segments), a retraction and a revision (deleted documents), every count still equals what
/// choosing that value finds.
#[test]
fn facet_counts_stay_equal_to_the_filters_across_commits_and_deletes() {
    let mut f = Fixture::new(&[("Gent", "BE"), ("Graz", "AT"), ("Lund", "SE")]);
    let index = SearchIndex::in_memory().expect("index");
    let check = |index: &SearchIndex| {
        let all = index.search(&SearchQuery::default()).expect("search");
        for (c, n) in &all.facets.commitment {
            let found = index
                .search(&SearchQuery {
                    commitments: vec![*c],
                    ..SearchQuery::default()
                })
                .expect("search");
            assert_eq!(found.total as u64, *n, "commitment {c}");
        }
        for (city, n) in &all.facets.city {
            let found = index
                .search(&SearchQuery {
                    city: vec![city.clone()],
                    ..SearchQuery::default()
                })
                .expect("search");
            assert_eq!(found.total as u64, *n, "city {city}");
        }
        for (y, n) in &all.facets.year {
            let found = index
                .search(&SearchQuery {
                    year: vec![*y],
                    ..SearchQuery::default()
                })
                .expect("search");
            assert_eq!(found.total as u64, *n, "year {y}");
        }
        all
    };
    let mut published = Vec::new();
    for round in 0..3u8 {
        for city in 0..3 {
            let p = f.practice(
                city,
                &[("en", &format!("Practice {round} of city {city}"))],
                &[("en", "Tenants and landlords meet in the neighbourhood.")],
                &[1 + round, 7],
                2019 + i32::from(round) + city as i32,
            );
            published.push(f.publish(city, Payload::Practice(p)));
        }
        // One commit per round: one more segment each time.
        index.apply(&f.store, &published).expect("apply");
        let all = check(&index);
        assert_eq!(all.total, published.len());
    }
    // A retraction and a revision delete documents from segments whose rows are cached.
    let retraction = f.retract(0, published[0]);
    let revised = f.practice(1, &[("en", "Revised")], &[("en", "New text.")], &[10], 2024);
    let revision = f.revise(1, published[1], revised);
    index
        .apply(
            &f.store,
            &[retraction, revision, published[0], published[1]],
        )
        .expect("apply");
    let all = check(&index);
    assert_eq!(all.total, published.len() - 1);
    assert!(all.facets.commitment.contains(&(10, 1)), "{:?}", all.facets);
}
