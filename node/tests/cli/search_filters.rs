//! `coalition search` filters: several values of one filter are alternatives, different filters
//! all apply, in listings and in full-text searches alike.

use super::*;

/// Ids in a `search --json` answer: a listing (array of entries) or a search (`hits`).
fn ids_of(json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(json).expect("search --json prints JSON");
    let items = v
        .as_array()
        .or_else(|| v["hits"].as_array())
        .expect("entries or hits");
    let mut ids: Vec<String> = items
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

#[test]
fn search_filters_take_several_values_or_within_and_across() {
    let c = Coalition::new();
    let node = c.p("node");
    let publish = |name: &str, lang: &str, commitment: u8, period: &str| -> String {
        let file = c.write(
            name,
            &format!(
                "illustrative = true\ncity = \"Valmeuse\"\ncountry = \"BE\"\n\
                 commitments = [{commitment}]\n[title]\n{lang} = \"Practice {name}\"\n\
                 [summary]\n{lang} = \"Summary of the practice {name}.\"\n[period]\n{period}\n"
            ),
        );
        entry_id_of(&ok(&[
            "publish",
            "practice",
            &file,
            "--data-dir",
            &node,
            "--json",
        ]))
    };
    let a = publish("a", "en", 3, "start = \"2019-01\"\nend = \"2021-06\"");
    let b = publish("b", "fr", 5, "start = \"2021-09\"");
    let d = publish("d", "de", 8, "start = \"2024-01\"\nend = \"2024-12\"");
    let sorted = |mut ids: Vec<&String>| {
        ids.sort();
        ids.into_iter().cloned().collect::<Vec<_>>()
    };
    let search = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["search", "--json", "--data-dir", node.as_str()];
        all.extend_from_slice(args);
        ids_of(&ok(&all))
    };

    // Listings (the store's indexes): values of one filter are alternatives...
    let two = ["--commitment", "3", "--commitment", "5"];
    assert_eq!(search(&two), sorted(vec![&a, &b]));
    // ...and filters must all match.
    let mut with_language = two.to_vec();
    with_language.extend(["--language", "fr", "--language", "de"]);
    assert_eq!(search(&with_language), sorted(vec![&b]));
    // --lang is the reader's language, as the API's `lang`: it filters nothing.
    let mut with_lang = two.to_vec();
    with_lang.extend(["--lang", "de"]);
    assert_eq!(search(&with_lang), sorted(vec![&a, &b]));
    // Start years, OR-ed.
    assert_eq!(
        search(&["--started", "2019", "--started", "2024"]),
        sorted(vec![&a, &d])
    );

    // The search index: --year is "active in that year"; the ongoing practice started in 2021
    // is active in 2023 and in 2024.
    assert_eq!(search(&["--year", "2023"]), sorted(vec![&b]));
    assert_eq!(
        search(&["--year", "2020", "--year", "2024"]),
        sorted(vec![&a, &b, &d])
    );
    assert_eq!(
        search(&[
            "--year",
            "2020",
            "--year",
            "2024",
            "--commitment",
            "8",
            "--commitment",
            "3"
        ]),
        sorted(vec![&a, &d])
    );
    // Words with several values per filter; a city given by its key is the same city.
    let shown: Value =
        serde_json::from_str(&ok(&["show", &a, "--json", "--data-dir", &node])).expect("json");
    let key = shown["header"]["author"]
        .as_str()
        .expect("author")
        .to_string();
    assert_eq!(
        search(&[
            "practice",
            "--language",
            "en",
            "--language",
            "de",
            "--city",
            &key
        ]),
        sorted(vec![&a, &d])
    );
    assert_eq!(
        search(&[
            "--commitment",
            "3",
            "--commitment",
            "8",
            "--city",
            &key[..12]
        ]),
        sorted(vec![&a, &d])
    );

    let help = ok(&["search", "--help"]);
    assert!(
        help.contains("any value of one filter may match") && help.contains("--language filters"),
        "{help}"
    );
}
