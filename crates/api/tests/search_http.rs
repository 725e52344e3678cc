//! Ranked search over real HTTP: the relaxed flag and the language a result matched in, in the
//! JSON API and on the page, the snippet's text, highlights and HTML, and related practices
//! (route and page section).

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

async fn get(s: &Server, path: &str) -> (StatusCode, String) {
    let response = reqwest::get(s.url(path)).await.expect("request sent");
    let status = response.status();
    (status, response.text().await.expect("a body"))
}

async fn get_json(s: &Server, path: &str) -> (StatusCode, Value) {
    let (status, text) = get(s, path).await;
    (status, serde_json::from_str(&text).expect("a JSON body"))
}

#[tokio::test]
async fn relaxed_results_say_so_in_json_and_on_the_page() {
    let s = Server::start().await;
    let (status, all) = get_json(&s, "/api/v1/practices?q=rental+housing+tests").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["relaxed"], false);
    assert_eq!(all["items"][0]["id"], s.demo.fair_rent.to_hex());

    let (_, some) = get_json(&s, "/api/v1/practices?q=rental+housing+zeppelin").await;
    assert_eq!(some["relaxed"], true, "no practice mentions a zeppelin");
    assert_eq!(some["items"][0]["id"], s.demo.fair_rent.to_hex());

    let (_, page) = get(&s, "/?q=rental+housing+zeppelin").await;
    assert!(
        page.contains("No practice matches all of your words; these match some of them."),
        "the page says the results are relaxed"
    );
    let (_, page) = get(&s, "/?q=rental+housing").await;
    assert!(!page.contains("No practice matches all of your words"));
    s.stop().await;
}

#[tokio::test]
async fn snippets_come_as_text_with_highlights_and_as_html() {
    let s = Server::start().await;
    let (_, r) = get_json(&s, "/api/v1/practices?q=housing").await;
    let hit = &r["items"][0];
    let text = hit["snippet_text"].as_str().expect("snippet_text");
    let highlights = hit["highlights"].as_array().expect("highlights");
    assert!(!highlights.is_empty(), "{hit}");
    // The HTML is the text with each highlight in <mark>, in order.
    let mut html = String::new();
    let mut at = 0;
    for h in highlights {
        let start = h["start"].as_u64().expect("start") as usize;
        let end = h["end"].as_u64().expect("end") as usize;
        html.push_str(&text[at..start]);
        html.push_str(&format!("<mark>{}</mark>", &text[start..end]));
        at = end;
    }
    html.push_str(&text[at..]);
    assert!(
        !text.contains(['<', '>', '&', '"']),
        "the demo's snippet needs no escaping: {text}"
    );
    assert_eq!(hit["snippet_html"], html, "{hit}");
    // The thesaurus may carry the word to another language ("Wohnungen").
    assert!(html.contains("</mark>"), "{html}");
    s.stop().await;
}

#[tokio::test]
async fn an_english_question_finds_the_french_only_practice_and_says_where_it_matched() {
    let s = Server::start().await;
    let (_, r) = get_json(
        &s,
        "/api/v1/practices?q=history+of+the+neighbourhood&lang=en",
    )
    .await;
    assert_eq!(r["items"][0]["id"], s.demo.festival.to_hex());
    assert_eq!(r["items"][0]["matched_lang"], "fr");
    let (_, page) = get(&s, "/?q=history+of+the+neighbourhood").await;
    assert!(
        page.contains("Matched in <span lang=\"fr\">Français</span>"),
        "{page}"
    );
    s.stop().await;
}

#[tokio::test]
async fn related_practices_route_and_page_section() {
    let s = Server::start().await;
    let d = &s.demo;
    let (status, r) = get_json(
        &s,
        &format!("/api/v1/practices/{}/related?limit=3", d.fair_rent),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let items = r["items"].as_array().expect("items");
    assert!(!items.is_empty() && items.len() <= 3);
    assert!(items.iter().all(|h| h["id"] != d.fair_rent.to_hex()));
    assert!(items.iter().all(|h| h["kind"] == "practice"));

    let (status, r) = get_json(&s, "/api/v1/practices/zz/related").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{r}");
    let (status, _) = get_json(
        &s,
        &format!("/api/v1/practices/{}/related", "ab".repeat(32)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, r) = get_json(
        &s,
        &format!("/api/v1/practices/{}/related?limit=500", d.fair_rent),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(r["error"]["field"], "limit");

    let (_, page) = get(&s, &format!("/practice/{}", d.fair_rent)).await;
    assert!(
        page.contains("<section class=\"related\""),
        "related section on the page"
    );
    let first = items[0]["id"].as_str().expect("id");
    assert!(page.contains(&format!("/practice/{first}")));
    s.stop().await;
}

#[tokio::test]
async fn the_pages_year_counts_mean_active_in_that_year() {
    let s = Server::start().await;
    // The festival started in 2021 and is ongoing: it counts in 2024, with Fair Rent
    // (2023-03 to 2025-12), the school mediators (2022-09 to 2026-07) and the app (2024-02).
    let (_, all) = get_json(&s, "/api/v1/practices").await;
    let count = |y: i64| {
        all["facets"]["year"]
            .as_array()
            .and_then(|years| years.iter().find(|f| f["value"] == y))
            .map_or(0, |f| f["count"].as_u64().unwrap_or(0))
    };
    assert_eq!(
        [2020, 2021, 2022, 2023, 2024, 2025].map(count),
        [0, 1, 2, 3, 4, 4]
    );
    // Each count is what choosing that year finds.
    for y in 2021..=2025 {
        let (_, chosen) = get_json(&s, &format!("/api/v1/practices?year={y}")).await;
        assert_eq!(chosen["total"].as_u64(), Some(count(y)), "year {y}");
    }
    let (_, page) = get(&s, "/").await;
    assert!(
        page.contains("<option value=\"2024\">2024 (4)</option>")
            && page.contains("<option value=\"2021\">2021 (1)</option>"),
        "{page}"
    );
    s.stop().await;
}
