//! End-to-end tests: a real store, a real index, the public API only.

mod catch_up;
use crate::common;
mod facets;
mod lifecycle;

use coalition_record::{EntryId, Payload, Practice};
use coalition_search::{SearchIndex, SearchQuery, SearchResults, Snippet};
use common::{hex, text, Fixture};
use std::time::Instant;

/// A snippet's text with `<mark>` around its highlights, to compare (not escaped: not HTML).
fn marked(snippet: &Snippet) -> String {
    snippet
        .parts()
        .into_iter()
        .map(|(part, matched)| {
            if matched {
                format!("<mark>{part}</mark>")
            } else {
                part.to_string()
            }
        })
        .collect()
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: Some(text.into()),
        ..SearchQuery::default()
    }
}

fn ids(results: &SearchResults) -> Vec<String> {
    results.hits.iter().map(|h| h.id.clone()).collect()
}

fn indexed(fixture: &Fixture) -> SearchIndex {
    let index = SearchIndex::in_memory().expect("index");
    index.rebuild(&fixture.store, |_, _| {}).expect("rebuild");
    index
}

/// Cities: 0 Lyon (FR), 1 Leipzig (DE), 2 Bristol (GB), 3 Malmö (SE).
/// A comparable view of a result: ids in rank order, titles, snippets and facets. Not scores:
/// until segments merge, BM25 statistics still count documents deleted by later updates.
fn view(results: &SearchResults) -> String {
    let hits: Vec<String> = results
        .hits
        .iter()
        .map(|h| format!("{} {} | {} | {}", h.id, h.title, marked(&h.snippet), h.lang))
        .collect();
    format!("{} {:?} {:?}", results.total, hits, results.facets)
}

fn multilingual() -> (Fixture, [EntryId; 5]) {
    let mut f = Fixture::new(&[
        ("Lyon", "FR"),
        ("Leipzig", "DE"),
        ("Bristol", "GB"),
        ("Malmö", "SE"),
    ]);
    let fr = f.practice(
        0,
        &[("fr", "Accès équitable au logement social")],
        &[(
            "fr",
            "La ville contrôle les refus de logement et accompagne les victimes de discrimination.",
        )],
        &[3, 7],
        2022,
    );
    let de = f.practice(
        1,
        &[("de", "Faire Vermietung in Leipzig")],
        &[(
            "de",
            "Testings bei der Vergabe einer Wohnung decken Diskriminierung auf dem Wohnungsmarkt auf.",
        )],
        &[7],
        2023,
    );
    let housing = f.practice(
        2,
        &[("en", "Fair housing testing")],
        &[(
            "en",
            "Paired testing of housing providers: housing discrimination is documented and reported.",
        )],
        &[7],
        2023,
    );
    let schools = f.practice(
        2,
        &[
            ("en", "Anti-racism training for teachers"),
            ("fr", "Formation antiraciste des enseignants"),
        ],
        &[
            (
                "en",
                "Teachers learn to recognise and answer racist incidents in class. Families from \
                 temporary housing are invited to school events.",
            ),
            (
                "fr",
                "Les enseignants apprennent à répondre aux incidents racistes en classe.",
            ),
        ],
        &[8],
        2021,
    );
    let sv = f.practice(
        3,
        &[("sv", "Mötesplatser för nyanlända")],
        &[(
            "sv",
            "Kommunen öppnar mötesplatser där nyanlända möter föreningar och arbetsgivare.",
        )],
        &[4, 9],
        2024,
    );
    let ids = [
        f.publish(0, Payload::Practice(fr)),
        f.publish(1, Payload::Practice(de)),
        f.publish(2, Payload::Practice(housing)),
        f.publish(2, Payload::Practice(schools)),
        f.publish(3, Payload::Practice(sv)),
    ];
    (f, ids)
}

#[test]
fn french_plural_finds_the_singular() {
    let (f, [fr, ..]) = multilingual();
    let index = indexed(&f);
    let results = index.search(&query("logements")).expect("search");
    // The French practice first; the thesaurus adds the housing practices in other languages.
    assert_eq!(results.hits[0].id, hex(&fr), "{results:#?}");
    let hit = &results.hits[0];
    assert_eq!(hit.lang, "fr");
    assert_eq!(hit.title, "Accès équitable au logement social");
    assert!(
        marked(&hit.snippet).contains("<mark>logement</mark>"),
        "{:?}",
        hit.snippet
    );
    assert_eq!(hit.city, "Lyon");
    assert_eq!(hit.country, "FR");
    assert_eq!(hit.commitments, vec![3, 7]);
    assert_eq!(hit.year, Some(2022));
    assert_eq!(hit.kind, "practice");
    assert_eq!(hit.author, f.cities[0].key.public().to_hex());
    // Accents do not matter either way.
    let unaccented = index.search(&query("acces equitable")).expect("search");
    assert_eq!(ids(&unaccented), vec![hex(&fr)]);
    assert!(!unaccented.relaxed);
}

#[test]
fn german_plural_finds_the_singular() {
    let (f, [_, de, ..]) = multilingual();
    let index = indexed(&f);
    let results = index.search(&query("Wohnungen")).expect("search");
    // Found by its German word (the thesaurus adds the housing practices in other languages).
    let hit = results
        .hits
        .iter()
        .find(|h| h.id == hex(&de))
        .expect("the German practice");
    assert_eq!(hit.matched_lang.as_deref(), Some("de"), "{results:#?}");
    assert!(marked(&hit.snippet).contains("<mark>Wohnung</mark>"));
    // Swedish too, and "ö" folds to "o".
    let sv = index.search(&query("motesplatser")).expect("search");
    assert_eq!(sv.hits[0].lang, "sv");
    assert_eq!(sv.hits[0].matched_lang.as_deref(), Some("sv"));
}

#[test]
fn english_housing_ranks_the_housing_practice_first() {
    let (f, [_, _, housing, schools, _]) = multilingual();
    let index = indexed(&f);
    let results = index.search(&query("housing")).expect("search");
    assert_eq!(results.hits[0].id, hex(&housing), "{results:#?}");
    assert!(results.hits.iter().any(|h| h.id == hex(&schools)));
    assert!(results.hits[0].score > results.hits[1].score);
    assert!(marked(&results.hits[0].snippet).contains("<mark>housing</mark>"));
    // Two words: both must match.
    let both = index.search(&query("housing teachers")).expect("search");
    assert_eq!(ids(&both), vec![hex(&schools)]);
    assert!(!both.relaxed);
}

#[test]
fn reader_language_picks_title_and_snippet() {
    let (f, [.., schools, _]) = multilingual();
    let index = indexed(&f);
    let mut q = query("teachers");
    let en = index.search(&q).expect("search");
    assert_eq!(en.hits[0].title, "Anti-racism training for teachers");
    q.lang = Some("fr".into());
    // The thesaurus carries "teachers" to "enseignants": the French snippet is shown.
    let fr_reader = index.search(&q).expect("search");
    assert_eq!(fr_reader.hits[0].id, hex(&schools));
    assert_eq!(fr_reader.hits[0].lang, "fr");
    assert!(marked(&fr_reader.hits[0].snippet).contains("<mark>enseignants</mark>"));
    // The French word: French title and snippet.
    let mut q = query("enseignants");
    q.lang = Some("fr".into());
    let fr = index.search(&q).expect("search");
    assert_eq!(fr.hits[0].lang, "fr");
    assert_eq!(fr.hits[0].title, "Formation antiraciste des enseignants");
    assert!(marked(&fr.hits[0].snippet).contains("<mark>enseignants</mark>"));
    // No words: newest first, title in the reader's language when there is one.
    let listing = index
        .search(&SearchQuery {
            lang: Some("fr".into()),
            ..SearchQuery::default()
        })
        .expect("search");
    assert_eq!(listing.total, 5);
    assert_eq!(listing.hits[1].id, hex(&schools));
    assert_eq!(
        listing.hits[1].title,
        "Formation antiraciste des enseignants"
    );
    assert!(listing.hits.iter().all(|h| h.score == 0.0));
    assert!(listing.hits[1].snippet.highlights.is_empty());
}

#[test]
fn snippets_are_plain_text_with_ranges() {
    let mut f = Fixture::new(&[("Gent", "BE")]);
    let p = f.practice(
        0,
        &[("nl", "Meldpunt <discriminatie>")],
        &[(
            "nl",
            "Het meldpunt registreert klachten over discriminatie & racisme <script>.",
        )],
        &[3],
        2020,
    );
    f.publish(0, Payload::Practice(p));
    let index = indexed(&f);
    let results = index.search(&query("klacht")).expect("search");
    // The text as written, not HTML: escaping is for whoever shows it.
    let snippet = &results.hits[0].snippet;
    assert!(snippet.text.contains("& racisme <script"), "{snippet:?}");
    let words: Vec<&str> = snippet
        .highlights
        .iter()
        .map(|h| &snippet.text[h.start..h.end])
        .collect();
    assert_eq!(words, ["klachten"], "{snippet:?}");
    assert_eq!(results.hits[0].title, "Meldpunt <discriminatie>");
}

#[test]
fn on_disk_index_persists_and_reopens() {
    let (f, _) = multilingual();
    let dir = f.dir.path().join("search");
    {
        let index = SearchIndex::open_or_create(&dir).expect("create");
        assert!(index.created());
        assert_eq!(index.rebuild(&f.store, |_, _| {}).expect("rebuild"), 5);
    }
    let index = SearchIndex::open_or_create(&dir).expect("reopen");
    assert!(!index.created());
    assert_eq!(index.doc_count(), 5);
    let reopened = index.search(&query("Wohnungen")).expect("search");
    assert!(reopened.hits.iter().any(|h| h.lang == "de"));
}

/// Words per language for the large fixture: (language, title words, body words).
const VOCABULARY: &[(&str, &[&str], &[&str])] = &[
    (
        "en",
        &[
            "housing",
            "schools",
            "employment",
            "hate crime",
            "youth",
            "sport",
        ],
        &[
            "discrimination",
            "tenants",
            "teachers",
            "reporting",
            "volunteers",
            "neighbourhood",
            "training",
            "victims",
        ],
    ),
    (
        "fr",
        &[
            "logement",
            "écoles",
            "emploi",
            "crimes de haine",
            "jeunesse",
            "sport",
        ],
        &[
            "discrimination",
            "locataires",
            "enseignants",
            "signalement",
            "bénévoles",
            "quartier",
            "formation",
            "victimes",
        ],
    ),
    (
        "de",
        &[
            "Wohnung",
            "Schulen",
            "Arbeit",
            "Hasskriminalität",
            "Jugend",
            "Sport",
        ],
        &[
            "Diskriminierung",
            "Mieter",
            "Lehrkräfte",
            "Meldestelle",
            "Ehrenamtliche",
            "Nachbarschaft",
            "Schulung",
            "Opfer",
        ],
    ),
    (
        "es",
        &[
            "vivienda",
            "escuelas",
            "empleo",
            "delitos de odio",
            "juventud",
            "deporte",
        ],
        &[
            "discriminación",
            "inquilinos",
            "docentes",
            "denuncias",
            "voluntarios",
            "barrio",
            "formación",
            "víctimas",
        ],
    ),
    (
        "it",
        &[
            "abitazione",
            "scuole",
            "lavoro",
            "crimini d'odio",
            "giovani",
            "sport",
        ],
        &[
            "discriminazione",
            "inquilini",
            "insegnanti",
            "segnalazioni",
            "volontari",
            "quartiere",
            "formazione",
            "vittime",
        ],
    ),
    (
        "nl",
        &[
            "huisvesting",
            "scholen",
            "werk",
            "haatmisdrijven",
            "jeugd",
            "sport",
        ],
        &[
            "discriminatie",
            "huurders",
            "leraren",
            "meldpunt",
            "vrijwilligers",
            "wijk",
            "training",
            "slachtoffers",
        ],
    ),
    (
        "sv",
        &["bostad", "skolor", "arbete", "hatbrott", "ungdom", "idrott"],
        &[
            "diskriminering",
            "hyresgäster",
            "lärare",
            "anmälan",
            "volontärer",
            "grannskap",
            "utbildning",
            "brottsoffer",
        ],
    ),
    (
        "pt",
        &[
            "habitação",
            "escolas",
            "emprego",
            "crimes de ódio",
            "juventude",
            "desporto",
        ],
        &[
            "discriminação",
            "inquilinos",
            "professores",
            "denúncias",
            "voluntários",
            "bairro",
            "formação",
            "vítimas",
        ],
    ),
    (
        "pl",
        &[
            "mieszkania",
            "szkoły",
            "praca",
            "przestępstwa z nienawiści",
            "młodzież",
            "sport",
        ],
        &[
            "dyskryminacja",
            "najemcy",
            "nauczyciele",
            "zgłoszenia",
            "wolontariusze",
            "sąsiedztwo",
            "szkolenia",
            "ofiary",
        ],
    ),
];

const BIG_CITIES: &[(&str, &str)] = &[
    ("Lyon", "FR"),
    ("Nantes", "FR"),
    ("Leipzig", "DE"),
    ("Köln", "DE"),
    ("Madrid", "ES"),
    ("Bilbao", "ES"),
    ("Bologna", "IT"),
    ("Torino", "IT"),
    ("Gent", "BE"),
    ("Utrecht", "NL"),
    ("Malmö", "SE"),
    ("Lisboa", "PT"),
    ("Kraków", "PL"),
    ("Bristol", "GB"),
    ("Graz", "AT"),
    ("Zürich", "CH"),
    ("Luxembourg", "LU"),
    ("Oslo", "NO"),
    ("Aarhus", "DK"),
    ("Tampere", "FI"),
];

/// A varied practice: the city's language (cycled), sometimes with an English version too.
fn generated_practice(n: usize, city: &str, country: &str, lang_offset: usize) -> Practice {
    let mut rng = (n as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = |m: usize| {
        rng ^= rng >> 33;
        rng = rng.wrapping_mul(0xff51afd7ed558ccd);
        rng ^= rng >> 29;
        (rng % m as u64) as usize
    };
    let (lang, titles, words) = VOCABULARY[(n + lang_offset) % VOCABULARY.len()];
    let topic = next(titles.len());
    let body: Vec<&str> = (0..12).map(|_| words[next(words.len())]).collect();
    let mut title = vec![(lang, format!("{} {city} {n}", titles[topic]))];
    let mut summary = vec![(lang, format!("{} {}.", titles[topic], body.join(" ")))];
    if lang != "en" && next(3) == 0 {
        let (_, en_titles, en_words) = VOCABULARY[0];
        title.push(("en", format!("{} in {city}", en_titles[topic])));
        summary.push((
            "en",
            format!("{} {}.", en_titles[topic], en_words[next(en_words.len())]),
        ));
    }
    let mut commitments = vec![(topic % 10 + 1) as u8, (next(10) + 1) as u8];
    commitments.sort();
    commitments.dedup();
    let title: Vec<(&str, &str)> = title.iter().map(|(l, t)| (*l, t.as_str())).collect();
    let summary: Vec<(&str, &str)> = summary.iter().map(|(l, t)| (*l, t.as_str())).collect();
    common::practice(
        &title,
        &summary,
        &commitments,
        city,
        country,
        2015 + next(11) as i32,
    )
}

#[test]
fn ten_thousand_practices_search_in_well_under_a_second() {
    const PER_CITY: usize = 500;
    let started = Instant::now();
    let mut f = Fixture::new(BIG_CITIES);
    for (c, (city, country)) in BIG_CITIES.iter().enumerate() {
        let payloads: Vec<Payload> = (0..PER_CITY)
            .map(|i| Payload::Practice(generated_practice(c * PER_CITY + i, city, country, c)))
            .collect();
        f.ingest_bulk(c, &payloads);
    }
    let fixture_time = started.elapsed();
    let index = SearchIndex::in_memory().expect("index");
    let started = Instant::now();
    let indexed = index.rebuild(&f.store, |_, _| {}).expect("rebuild");
    let index_time = started.elapsed();
    assert_eq!(indexed, 10_000);
    assert_eq!(index.doc_count(), 10_000);
    println!(
        "10,000 practices: fixture {:.2} s, rebuild {:.2} s",
        fixture_time.as_secs_f64(),
        index_time.as_secs_f64()
    );

    let started = Instant::now();
    let full_text = index
        .search(&query("logements discrimination"))
        .expect("search");
    let full_text_time = started.elapsed();
    assert!(full_text.total > 50, "{}", full_text.total);
    assert!(full_text
        .hits
        .iter()
        .all(|h| !h.snippet.highlights.is_empty()));

    let started = Instant::now();
    let filtered = index
        .search(&SearchQuery {
            commitments: vec![1],
            country: vec!["DE".into()],
            limit: 50,
            ..SearchQuery::default()
        })
        .expect("search");
    let filtered_time = started.elapsed();
    assert!(filtered.total > 10, "{}", filtered.total);
    assert!(filtered
        .hits
        .iter()
        .all(|h| h.country == "DE" && h.commitments.contains(&1)));
    let facet_total: u64 = filtered.facets.city.iter().map(|(_, n)| n).sum();
    assert_eq!(facet_total, filtered.total as u64);

    let started = Instant::now();
    let both = index
        .search(&SearchQuery {
            text: Some("housing".into()),
            lang: Some("en".into()),
            started: vec![2020],
            ..SearchQuery::default()
        })
        .expect("search");
    let both_time = started.elapsed();
    assert!(both.hits.iter().all(|h| h.year == Some(2020)));

    println!(
        "full-text query: {:.1} ms ({} hits, reported {:.1} ms); filtered query: {:.1} ms ({} hits); \
         text + filter: {:.1} ms ({} hits)",
        full_text_time.as_secs_f64() * 1000.0,
        full_text.total,
        full_text.took_ms,
        filtered_time.as_secs_f64() * 1000.0,
        filtered.total,
        both_time.as_secs_f64() * 1000.0,
        both.total,
    );
    for time in [full_text_time, filtered_time, both_time] {
        assert!(time.as_secs_f64() < 1.0, "a query took {time:?}");
    }
}
