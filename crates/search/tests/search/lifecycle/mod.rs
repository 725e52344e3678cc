//! An index follows its entries' lives: retractions, revisions and erasures applied one by one
//! give the same index as a rebuild.

use super::*;

#[test]
fn retraction_and_revision_apply_incrementally() {
    let mut f = Fixture::new(&[("Graz", "AT"), ("Bologna", "IT")]);
    let index = SearchIndex::in_memory().expect("index");
    let original = f.practice(
        0,
        &[("de", "Menschenrechtsstadt Graz")],
        &[(
            "de",
            "Ein Beirat berät die Stadt in Fragen der Menschenrechte.",
        )],
        &[1],
        2019,
    );
    let other = f.practice(
        1,
        &[("it", "Sportello antidiscriminazione")],
        &[("it", "Uno sportello ascolta le vittime di discriminazione.")],
        &[3],
        2020,
    );
    let p = f.publish(0, Payload::Practice(original.clone()));
    let o = f.publish(1, Payload::Practice(other));
    index.apply(&f.store, &[p, o]).expect("apply");
    assert_eq!(index.doc_count(), 2);
    assert_eq!(index.search(&query("Beirat")).expect("search").total, 1);

    // A revision replaces the practice: only its latest version is found.
    let mut revised: Practice = original.clone();
    revised.title = text(&[("de", "Menschenrechtsbeirat Graz")]);
    revised.summary = text(&[("de", "Der Menschenrechtsbeirat berichtet jährlich.")]);
    let r1 = f.revise(0, p, revised.clone());
    index.apply(&f.store, &[r1]).expect("apply");
    assert_eq!(index.doc_count(), 2);
    let found = index
        .search(&query("Menschenrechtsbeirat"))
        .expect("search");
    assert_eq!(ids(&found), vec![hex(&r1)]);
    assert_eq!(found.hits[0].title, "Menschenrechtsbeirat Graz");
    assert_eq!(index.search(&query("berät")).expect("search").total, 0);

    // A revision of the revision: still one version.
    revised.summary = text(&[("de", "Der Beirat berichtet zweimal im Jahr.")]);
    let r2 = f.revise(0, r1, revised);
    index.apply(&f.store, &[r2]).expect("apply");
    let listing = index
        .search(&SearchQuery {
            country: vec!["AT".into()],
            ..SearchQuery::default()
        })
        .expect("search");
    assert_eq!(ids(&listing), vec![hex(&r2)]);
    assert_eq!(index.doc_count(), 2);

    // A retraction removes its target.
    let x = f.retract(1, o);
    index.apply(&f.store, &[x]).expect("apply");
    assert_eq!(index.search(&query("sportello")).expect("search").total, 0);
    assert_eq!(index.doc_count(), 1);
    let x2 = f.retract(0, r2);
    index.apply(&f.store, &[x2]).expect("apply");
    assert_eq!(index.doc_count(), 0);
    assert_eq!(
        index.search(&SearchQuery::default()).expect("search").total,
        0
    );

    // Applying the same ids again changes nothing; a rebuild agrees.
    index
        .apply(&f.store, &[p, o, r1, r2, x, x2])
        .expect("apply");
    assert_eq!(index.doc_count(), 0);
    assert_eq!(index.rebuild(&f.store, |_, _| {}).expect("rebuild"), 0);
}

#[test]
fn erasure_removes_its_target() {
    let mut f = Fixture::new(&[("Wien", "AT")]);
    let p = f.practice(
        0,
        &[("de", "Antidiskriminierungsstelle")],
        &[("de", "Beratung für Betroffene von Diskriminierung.")],
        &[3],
        2020,
    );
    let kept = f.practice(
        0,
        &[("de", "Stadtteilarbeit")],
        &[("de", "Begegnung im Grätzl.")],
        &[4],
        2021,
    );
    let p = f.publish(0, Payload::Practice(p));
    let kept = f.publish(0, Payload::Practice(kept));
    let incremental = indexed(&f);
    assert_eq!(incremental.doc_count(), 2);
    let erasure = f.publish(
        0,
        Payload::Erasure(coalition_record::payload::Erasure {
            target: p,
            reason: String::new(),
        }),
    );
    incremental.apply(&f.store, &[erasure]).expect("apply");
    let rebuilt = indexed(&f);
    for index in [&incremental, &rebuilt] {
        let all = index.search(&SearchQuery::default()).expect("search");
        assert_eq!(ids(&all), vec![hex(&kept)]);
        assert_eq!(index.search(&query("Beratung")).expect("search").total, 0);
    }
}

#[test]
fn rebuild_equals_incremental_apply() {
    let (mut f, [fr, de, _housing, schools, _]) = multilingual();
    let incremental = SearchIndex::in_memory().expect("index");
    let history: Vec<EntryId> = {
        let first: Vec<EntryId> = f
            .store
            .query(&coalition_store::Query {
                include_inactive: true,
                ..Default::default()
            })
            .expect("query")
            .iter()
            .map(|e| e.id())
            .collect();
        first
    };
    incremental.apply(&f.store, &history).expect("apply");
    let mut revised = f.practice(
        0,
        &[
            ("fr", "Accès au logement: bilan"),
            ("en", "Access to housing: review"),
        ],
        &[
            ("fr", "Bilan des refus de logement."),
            ("en", "Review of housing refusals."),
        ],
        &[7],
        2024,
    );
    revised.body = text(&[("en", "Longer body about tenants & landlords.")]);
    let steps = vec![
        f.revise(0, fr, revised),
        f.retract(1, de),
        f.update(2, "Housing fair", "Landlords met tenants.", &[7]),
        f.report(3, "A year of meeting places for newcomers."),
        f.retract(2, schools),
    ];
    for id in &steps {
        incremental.apply(&f.store, &[*id]).expect("apply");
    }
    let rebuilt = SearchIndex::in_memory().expect("index");
    let mut calls = Vec::new();
    let count = rebuilt
        .rebuild(&f.store, |done, total| calls.push((done, total)))
        .expect("rebuild");
    assert_eq!(count, 5);
    assert_eq!(rebuilt.doc_count(), incremental.doc_count());
    assert_eq!(calls.first(), Some(&(0, 10)));
    assert_eq!(calls.last(), Some(&(10, 10)));
    let mut fr_reader = query("logement");
    fr_reader.lang = Some("fr".into());
    for q in [
        SearchQuery::default(),
        query("housing"),
        query("logements"),
        fr_reader,
        query("newcomers"),
        query("teachers"),
        SearchQuery {
            commitments: vec![7],
            ..SearchQuery::default()
        },
        SearchQuery {
            kind: vec!["report".into()],
            ..SearchQuery::default()
        },
    ] {
        let a = incremental.search(&q).expect("search");
        let b = rebuilt.search(&q).expect("search");
        assert_eq!(view(&a), view(&b), "{q:?}");
    }
    let report = rebuilt
        .search(&SearchQuery {
            kind: vec!["report".into()],
            ..SearchQuery::default()
        })
        .expect("search");
    assert_eq!(report.hits[0].title, "Activity report 2024 (Malmö)");
    assert_eq!(report.hits[0].country, "SE");
}
