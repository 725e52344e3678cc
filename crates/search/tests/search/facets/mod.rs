//! Filters narrow the results and facets count the filtered set.

use super::*;

#[test]
fn filters_narrow_and_facets_count_the_filtered_set() {
    let (mut f, [fr, de, housing, schools, sv]) = multilingual();
    let update = f.update(2, "Housing fair in Bristol", "Landlords met tenants.", &[7]);
    let index = indexed(&f);
    let all = index.search(&SearchQuery::default()).expect("search");
    assert_eq!(all.total, 6);
    assert_eq!(
        all.facets.commitment,
        vec![(3, 1), (4, 1), (7, 4), (8, 1), (9, 1)]
    );
    assert_eq!(
        all.facets.country,
        vec![
            ("GB".to_string(), 3),
            ("DE".into(), 1),
            ("FR".into(), 1),
            ("SE".into(), 1)
        ]
    );
    assert_eq!(
        all.facets.kind,
        vec![("practice".to_string(), 5), ("update".into(), 1)]
    );
    // Year counts mean what the year filter means: active in that year (all five practices are
    // ongoing; the update is of 2025), so each count is what choosing the year finds.
    let year = |y: i32| {
        all.facets
            .year
            .iter()
            .find(|(v, _)| *v == y)
            .map(|(_, n)| *n)
    };
    assert_eq!(
        [2020, 2021, 2022, 2023, 2024, 2025].map(year),
        [None, Some(1), Some(2), Some(4), Some(5), Some(6)]
    );
    for (y, n) in &all.facets.year {
        let chosen = index
            .search(&SearchQuery {
                year: vec![*y],
                ..SearchQuery::default()
            })
            .expect("search");
        assert_eq!(chosen.total as u64, *n, "year {y}");
    }
    assert_eq!(
        all.facets.language,
        vec![
            ("en".to_string(), 3),
            ("fr".into(), 2),
            ("de".into(), 1),
            ("sv".into(), 1)
        ]
    );
    // Newest first.
    assert_eq!(
        ids(&all),
        [update, sv, schools, housing, de, fr]
            .iter()
            .map(hex)
            .collect::<Vec<_>>()
    );

    let housing_commitment = index
        .search(&SearchQuery {
            commitments: vec![7],
            ..SearchQuery::default()
        })
        .expect("search");
    assert_eq!(housing_commitment.total, 4);
    assert_eq!(
        housing_commitment.facets.country,
        vec![("GB".to_string(), 2), ("DE".into(), 1), ("FR".into(), 1)]
    );
    assert_eq!(housing_commitment.facets.commitment, vec![(3, 1), (7, 4)]);

    let gb_housing = index
        .search(&SearchQuery {
            commitments: vec![7],
            country: vec!["gb".into()],
            kind: vec!["practice".into()],
            ..SearchQuery::default()
        })
        .expect("search");
    assert_eq!(ids(&gb_housing), vec![hex(&housing)]);
    assert_eq!(gb_housing.facets.city, vec![("Bristol".to_string(), 1)]);

    // Several commitments are alternatives: any one served is enough.
    let either = index
        .search(&SearchQuery {
            commitments: vec![3, 8],
            ..SearchQuery::default()
        })
        .expect("search");
    assert_eq!(ids(&either), vec![hex(&schools), hex(&fr)]);

    // Text and filters together; facets follow the text too.
    let mut q = query("housing");
    q.country = vec!["GB".into()];
    let text_and_country = index.search(&q).expect("search");
    assert_eq!(text_and_country.total, 3, "{text_and_country:#?}");
    assert_eq!(text_and_country.facets.commitment, vec![(7, 2), (8, 1)]);
    assert_eq!(
        text_and_country.facets.kind,
        vec![("practice".to_string(), 2), ("update".into(), 1)]
    );

    for (q, expected) in [
        (
            SearchQuery {
                city: vec!["malmö".into()],
                ..SearchQuery::default()
            },
            vec![sv],
        ),
        (
            SearchQuery {
                language: vec!["de-AT".into()],
                ..SearchQuery::default()
            },
            vec![de],
        ),
        (
            SearchQuery {
                year: vec![2021],
                ..SearchQuery::default()
            },
            vec![schools],
        ),
        (
            SearchQuery {
                kind: vec!["update".into()],
                ..SearchQuery::default()
            },
            vec![update],
        ),
        (
            SearchQuery {
                country: vec!["IT".into()],
                ..SearchQuery::default()
            },
            vec![],
        ),
    ] {
        let results = index.search(&q).expect("search");
        assert_eq!(
            ids(&results),
            expected.iter().map(hex).collect::<Vec<_>>(),
            "{q:?}"
        );
        assert_eq!(results.total, expected.len());
    }

    // Pagination: the total and facets are those of the whole filtered set.
    let page = index
        .search(&SearchQuery {
            offset: 1,
            limit: 2,
            ..SearchQuery::default()
        })
        .expect("search");
    assert_eq!(page.total, 6);
    assert_eq!(
        ids(&page),
        [sv, schools].iter().map(hex).collect::<Vec<_>>()
    );
    assert_eq!(page.facets.commitment, all.facets.commitment);
}

/// Grounds of discrimination: a filter (any of the values) and a facet over practices.
#[test]
fn grounds_filter_practices_and_are_counted() {
    let mut f = Fixture::new(&[("Lyon", "FR"), ("Leipzig", "DE")]);
    let mut both = f.practice(
        0,
        &[("en", "Faith and origin")],
        &[("en", "Two grounds.")],
        &[3],
        2023,
    );
    both.grounds = vec![
        "racial_or_ethnic_origin".into(),
        "religion_or_belief".into(),
    ];
    both.partners = vec![
        "Mosque council".into(),
        "Equality office".into(),
        "Parish".into(),
    ];
    both.partner_types = vec![
        "civil_society".into(),
        "equality_body".into(),
        "civil_society".into(),
    ];
    let both = f.publish(0, Payload::Practice(both));
    let mut one = f.practice(
        1,
        &[("en", "Origin only")],
        &[("en", "One ground.")],
        &[3],
        2023,
    );
    one.grounds = vec!["racial_or_ethnic_origin".into()];
    let one = f.publish(1, Payload::Practice(one));
    let none = f.practice(
        1,
        &[("en", "No ground named")],
        &[("en", "None.")],
        &[3],
        2023,
    );
    f.publish(1, Payload::Practice(none));
    let index = indexed(&f);

    let all = index.search(&SearchQuery::default()).expect("search");
    assert_eq!(
        all.facets.ground,
        vec![
            ("racial_or_ethnic_origin".to_string(), 2),
            ("religion_or_belief".into(), 1)
        ]
    );
    let ids = |q: SearchQuery| -> Vec<String> {
        let mut ids: Vec<String> = index
            .search(&q)
            .expect("search")
            .hits
            .into_iter()
            .map(|h| h.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(SearchQuery {
            ground: vec!["religion_or_belief".into()],
            ..SearchQuery::default()
        }),
        vec![both.to_hex()]
    );
    let mut expected = vec![both.to_hex(), one.to_hex()];
    expected.sort();
    assert_eq!(
        ids(SearchQuery {
            ground: vec!["racial_or_ethnic_origin".into(), "gender".into()],
            ..SearchQuery::default()
        }),
        expected
    );
    assert!(ids(SearchQuery {
        ground: vec!["gender".into()],
        ..SearchQuery::default()
    })
    .is_empty());
    // Partner types: counted once per practice, filtered like grounds.
    assert_eq!(
        all.facets.partner_type,
        vec![
            ("civil_society".to_string(), 1),
            ("equality_body".into(), 1)
        ]
    );
    assert_eq!(
        ids(SearchQuery {
            partner_type: vec!["equality_body".into()],
            ..SearchQuery::default()
        }),
        vec![both.to_hex()]
    );
}
