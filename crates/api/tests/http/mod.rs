//! Every route over real HTTP: a server on 127.0.0.1:0 over a real store (RocksDB on a temporary
//! directory) and a real search index, driven with reqwest.

use crate::common;
mod exchange;
mod publishing;
mod web;

use coalition_api::SyncState;
use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

async fn get_json(s: &Server, path: &str) -> (StatusCode, Value) {
    let response = client()
        .get(s.url(path))
        .send()
        .await
        .expect("request sent");
    let status = response.status();
    let body = response.json::<Value>().await.expect("a JSON body");
    (status, body)
}

async fn post_json(
    s: &Server,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (StatusCode, Value, Option<String>) {
    let mut request = client().post(s.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request sent");
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = response.json::<Value>().await.expect("a JSON body");
    (status, body, location)
}

async fn get_text(s: &Server, path: &str) -> (StatusCode, String) {
    let response = client()
        .get(s.url(path))
        .send()
        .await
        .expect("request sent");
    let status = response.status();
    (status, response.text().await.expect("a text body"))
}

/// The error's field, for 400s.
fn field(body: &Value) -> &str {
    body["error"]["field"].as_str().unwrap_or("<no field>")
}

fn ids(body: &Value) -> BTreeSet<String> {
    body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn healthz_reports_state_entries_and_peers() {
    let s = Server::start().await;
    let (status, body) = get_json(&s, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "offline");
    assert_eq!(body["entries"], s.store.entry_count());
    assert_eq!(body["peers"], 0);
    s.stop().await;

    for (state, code) in [
        (SyncState::Synced, StatusCode::OK),
        (SyncState::Syncing, StatusCode::OK),
        (SyncState::Degraded, StatusCode::SERVICE_UNAVAILABLE),
    ] {
        let s = Server::start_with(Options {
            network: Arc::new(FixedNetwork(state, 3)),
            ..Options::default()
        })
        .await;
        let (status, body) = get_json(&s, "/healthz").await;
        assert_eq!(status, code, "healthz status for {state}");
        assert_eq!(body["status"], state.as_str());
        assert_eq!(body["peers"], 3);
        s.stop().await;
    }
}

#[tokio::test]
async fn metrics_expose_store_gauges_request_counters_and_the_node_registry() {
    let s = Server::start_with(Options {
        network: Arc::new(FixedNetwork(SyncState::Synced, 2)),
        node_metrics: true,
        ..Options::default()
    })
    .await;
    let _ = get_json(&s, "/api/v1/cities").await;
    let _ = get_json(&s, &format!("/api/v1/practices/{}", s.demo.fair_rent)).await;
    let (status, _, _) = post_json(&s, "/api/v1/retractions", None, &json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, text) = get_text(&s, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let entries = format!("coalition_entries {}", s.store.entry_count());
    for needle in [
        entries.as_str(),
        "coalition_cities{status=\"active\"} 4",
        "coalition_peers 2",
        "coalition_forks 0",
        "# TYPE coalition_store_block_cache_bytes gauge",
        "coalition_sync_state{state=\"synced\"} 1",
        "coalition_http_requests_total{method=\"GET\",route=\"/api/v1/cities\",status=\"200\"} 1",
        "coalition_http_requests_total{method=\"GET\",route=\"/api/v1/practices/{id}\",status=\"200\"} 1",
        "coalition_api_publish_total{kind=\"retraction\",outcome=\"refused\"} 1",
        "coalition_api_gossip_handoff_failed_total 0",
        "# HELP coalition_http_requests HTTP requests by method, route and status.\n",
        "libp2p_test_total 7",
    ] {
        assert!(text.contains(needle), "metrics lack {needle:?}:\n{text}");
    }
    // One registry in the OpenMetrics format: each family described once, one end marker.
    assert!(text.ends_with("\n# EOF\n"), "{text}");
    assert_eq!(text.matches("# EOF").count(), 1, "{text}");
    let families: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .collect();
    let unique: BTreeSet<&str> = families.iter().copied().collect();
    assert_eq!(families.len(), unique.len(), "{text}");
    let response = client()
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(
        response.headers()["content-type"],
        "application/openmetrics-text; version=1.0.0; charset=utf-8"
    );
    s.stop().await;
}

#[tokio::test]
async fn practices_search_with_filters_facets_and_pagination() {
    let s = Server::start().await;
    let d = &s.demo;

    // Everything current: four practices (the revision stands for its first version, the
    // retracted one is gone), newest first.
    let (status, all) = get_json(&s, "/api/v1/practices").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["total"], 4, "{all}");
    let expected: BTreeSet<String> = [d.fair_rent, d.school_v2, d.hate_crime_app, d.festival]
        .iter()
        .map(|id| id.to_hex())
        .collect();
    assert_eq!(ids(&all), expected);
    assert!(all["facets"]["commitment"].as_array().is_some_and(|c| c
        .iter()
        .any(|f| f["value"] == 7 && f["title"] == "Fair Access to Housing")));

    // Words, in French and in English.
    let (_, housing) = get_json(&s, "/api/v1/practices?q=logement").await;
    assert_eq!(ids(&housing), BTreeSet::from([d.fair_rent.to_hex()]));
    let (_, app) = get_json(&s, "/api/v1/practices?q=app").await;
    assert_eq!(ids(&app), BTreeSet::from([d.hate_crime_app.to_hex()]));
    assert_eq!(
        app["items"][0]["url"],
        format!("/api/v1/practices/{}", d.hate_crime_app)
    );
    // The reader's language picks the title shown.
    let (_, es) = get_json(&s, "/api/v1/practices?lang=es&country=ES").await;
    assert_eq!(es["items"][0]["lang"], "es");
    assert_eq!(
        es["items"][0]["title"],
        "Aplicación para denunciar delitos de odio"
    );

    // Commitments: repeated values are alternatives (any may match).
    let (_, c3) = get_json(&s, "/api/v1/practices?commitment=3").await;
    assert_eq!(
        ids(&c3),
        BTreeSet::from([d.fair_rent.to_hex(), d.hate_crime_app.to_hex()])
    );
    let (_, c7_9) = get_json(&s, "/api/v1/practices?commitment=7&commitment=9").await;
    assert_eq!(
        ids(&c7_9),
        BTreeSet::from([d.fair_rent.to_hex(), d.festival.to_hex()])
    );
    // Different filters must all match.
    let (_, c3_es) = get_json(&s, "/api/v1/practices?commitment=3&country=ES").await;
    assert_eq!(ids(&c3_es), BTreeSet::from([d.hate_crime_app.to_hex()]));

    // Country, city, language, year.
    let (_, de) = get_json(&s, "/api/v1/practices?country=de").await;
    assert_eq!(ids(&de), BTreeSet::from([d.school_v2.to_hex()]));
    let (_, city) = get_json(&s, "/api/v1/practices?city=Marbourg").await;
    assert_eq!(ids(&city), BTreeSet::from([d.festival.to_hex()]));
    let (_, lang) = get_json(&s, "/api/v1/practices?language=fr").await;
    assert_eq!(
        ids(&lang),
        BTreeSet::from([d.fair_rent.to_hex(), d.festival.to_hex()])
    );
    // year: active in that year (Fair Rent ran 2023-03 to 2025-12; the school mediators,
    // started 2022, and the festival, 2021, are ongoing). started: the start year.
    let (_, year) = get_json(&s, "/api/v1/practices?year=2024").await;
    assert_eq!(ids(&year), expected);
    let (_, y2022) = get_json(&s, "/api/v1/practices?year=2022").await;
    assert_eq!(
        ids(&y2022),
        BTreeSet::from([d.school_v2.to_hex(), d.festival.to_hex()])
    );
    let (_, started) = get_json(&s, "/api/v1/practices?started=2024").await;
    assert_eq!(ids(&started), BTreeSet::from([d.hate_crime_app.to_hex()]));
    let (_, either) = get_json(&s, "/api/v1/practices?started=2024&started=2021").await;
    assert_eq!(
        ids(&either),
        BTreeSet::from([d.hate_crime_app.to_hex(), d.festival.to_hex()])
    );

    // Grounds of discrimination: a filter and a facet (Fair Rent names two).
    let (_, ground) = get_json(&s, "/api/v1/practices?ground=social_origin").await;
    assert_eq!(ids(&ground), BTreeSet::from([d.fair_rent.to_hex()]));
    assert_eq!(
        ground["facets"]["ground"].to_string(),
        r#"[{"count":1,"value":"racial_or_ethnic_origin"},{"count":1,"value":"social_origin"}]"#
    );
    let (_, page) = get_json(&s, &format!("/api/v1/practices/{}", d.fair_rent)).await;
    assert_eq!(
        page["practice"]["grounds"].to_string(),
        r#"["racial_or_ethnic_origin","social_origin"]"#,
        "{page}"
    );

    let (_, academia) = get_json(&s, "/api/v1/practices?partner_type=academia").await;
    assert_eq!(ids(&academia), BTreeSet::from([d.fair_rent.to_hex()]));

    // Kind: reports through the same index, or everything.
    let (_, reports) = get_json(&s, "/api/v1/practices?kind=report").await;
    assert_eq!(reports["total"], 2);
    let (_, any) = get_json(&s, "/api/v1/practices?kind=any").await;
    assert_eq!(any["total"], 6);

    // Pagination: pages are disjoint and cover the whole, total stays.
    let mut seen = BTreeSet::new();
    for offset in [0, 2] {
        let (status, page) =
            get_json(&s, &format!("/api/v1/practices?limit=2&offset={offset}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 4);
        assert_eq!(page["limit"], 2);
        assert_eq!(page["offset"], offset);
        assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
        seen.extend(ids(&page));
    }
    assert_eq!(seen, expected);
    let (_, past) = get_json(&s, "/api/v1/practices?offset=10").await;
    assert_eq!(past["total"], 4);
    assert_eq!(past["items"].as_array().map(Vec::len), Some(0));
    s.stop().await;
}

#[tokio::test]
async fn bad_filters_are_400_naming_the_parameter() {
    let s = Server::start().await;
    for (query, expected) in [
        ("commitment=11", "commitment"),
        ("commitment=3&commitment=x", "commitment"),
        ("year=twenty", "year"),
        ("year=2024&year=twenty", "year"),
        ("started=1800", "started"),
        ("limit=500", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("country=XX", "country"),
        ("language=english", "language"),
        ("lang=EN", "lang"),
        ("kind=roster", "kind"),
        ("ground=caste", "ground"),
        ("partner_type=church", "partner_type"),
        ("comitment=3", "comitment"),
    ] {
        let (status, body) = get_json(&s, &format!("/api/v1/practices?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(field(&body), expected, "{query}: {body}");
        assert!(body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    for (query, expected) in [
        ("period=2024-Q1", "period"),
        ("commitment=0", "commitment"),
        ("city=Atlantis", "city"),
        ("limit=many", "limit"),
        ("q=x", "q"),
    ] {
        let (status, body) = get_json(&s, &format!("/api/v1/reports?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(field(&body), expected, "{query}: {body}");
    }
    s.stop().await;
}

#[tokio::test]
async fn a_practice_in_all_languages_with_history_and_retraction() {
    let s = Server::start().await;
    let d = &s.demo;

    let (status, p) = get_json(&s, &format!("/api/v1/practices/{}", d.fair_rent)).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["languages"], json!(["de", "en", "fr"]));
    assert_eq!(
        p["practice"]["title"]["fr"],
        "Louer sans discriminer : tests de situation dans le logement locatif"
    );
    assert_eq!(p["practice"]["partners"][0], "Valmeuse Tenants' Union");
    assert_eq!(p["signature"]["verified"], true);
    assert_eq!(p["signature"]["payload"], "verified");
    assert_eq!(p["author"], valmeuse().public().to_hex());
    assert_eq!(p["member"], "Valmeuse");
    assert_eq!(p["is_current"], true);
    assert_eq!(p["versions"].as_array().map(Vec::len), Some(1));
    assert_eq!(p["retraction"], Value::Null);

    // A revised practice, asked for by its first version (and by a prefix of its id).
    let prefix = &d.school_v1.to_hex()[..12];
    let (status, v1) = get_json(&s, &format!("/api/v1/practices/{prefix}")).await;
    assert_eq!(status, StatusCode::OK, "{v1}");
    assert_eq!(v1["id"], d.school_v1.to_hex());
    assert_eq!(v1["is_current"], false);
    assert_eq!(v1["current_id"], d.school_v2.to_hex());
    let versions: Vec<&str> = v1["versions"]
        .as_array()
        .map(|v| v.iter().filter_map(|x| x["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(versions, [d.school_v1.to_hex(), d.school_v2.to_hex()]);
    assert_eq!(v1["versions"][0]["superseded_by"], d.school_v2.to_hex());
    assert_eq!(v1["versions"][1]["current"], true);
    // …and by its revision: the same history.
    let (_, v2) = get_json(&s, &format!("/api/v1/practices/{}", d.school_v2)).await;
    assert_eq!(v2["is_current"], true);
    assert_eq!(v2["kind"], "practice_revision");
    assert_eq!(v2["versions"], v1["versions"]);

    // A retracted practice is still readable, with the retraction and its reason.
    let (status, r) = get_json(&s, &format!("/api/v1/practices/{}", d.retracted)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(r["retraction"]["by"], d.retraction.to_hex());
    assert_eq!(r["retraction"]["reason"], "published twice by mistake");

    // Errors.
    let (status, body) = get_json(&s, &format!("/api/v1/practices/{}", "0".repeat(64))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["rule"], "not_found");
    let (status, body) = get_json(&s, "/api/v1/practices/not-hex").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&body), "id");
    let (status, body) = get_json(&s, "/api/v1/practices/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&body), "id");
    let (status, body) = get_json(&s, &format!("/api/v1/practices/{}", d.report_valmeuse)).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a report is not a practice: {body}"
    );
    s.stop().await;
}

#[tokio::test]
async fn reports_filter_by_city_period_and_commitment() {
    let s = Server::start().await;
    let d = &s.demo;
    let (status, all) = get_json(&s, "/api/v1/reports").await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(all["total"], 2);
    assert_eq!(all["items"][0]["period"], "2024-H1", "newest period first");
    assert_eq!(
        all["items"][1]["report"]["commitments"][0]["status"],
        "in_progress"
    );

    let (_, by_name) = get_json(&s, "/api/v1/reports?city=valmeuse").await;
    assert_eq!(ids(&by_name), BTreeSet::from([d.report_valmeuse.to_hex()]));
    let key = lindenau().public().to_hex();
    let (_, by_key) = get_json(&s, &format!("/api/v1/reports?city={key}")).await;
    assert_eq!(ids(&by_key), BTreeSet::from([d.report_lindenau.to_hex()]));
    let (_, by_period) = get_json(&s, "/api/v1/reports?period=2024").await;
    assert_eq!(
        ids(&by_period),
        BTreeSet::from([d.report_valmeuse.to_hex()])
    );
    let (_, by_commitment) = get_json(&s, "/api/v1/reports?commitment=8").await;
    assert_eq!(
        ids(&by_commitment),
        BTreeSet::from([d.report_lindenau.to_hex()])
    );
    let (_, none) = get_json(&s, "/api/v1/reports?commitment=8&city=Valmeuse").await;
    assert_eq!(none["total"], 0);
    let (_, page) = get_json(&s, "/api/v1/reports?limit=1&offset=1").await;
    assert_eq!(page["total"], 2);
    assert_eq!(ids(&page), BTreeSet::from([d.report_valmeuse.to_hex()]));
    s.stop().await;
}

#[tokio::test]
async fn cities_list_the_roster_with_counts_and_one_city_by_key_or_name() {
    let s = Server::start().await;
    let (status, body) = get_json(&s, "/api/v1/cities").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["total"], 4);
    assert_eq!(body["roster_version"], 4);
    let names: Vec<&str> = body["cities"]
        .as_array()
        .map(|c| c.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["Lindenau", "Marbourg", "Santa Clara del Río", "Valmeuse"]
    );
    let valmeuse_json = &body["cities"][3];
    assert_eq!(valmeuse_json["key"], valmeuse().public().to_hex());
    assert_eq!(valmeuse_json["country"], "BE");
    assert_eq!(valmeuse_json["status"], "active");
    assert_eq!(valmeuse_json["practices"], 1);
    assert_eq!(valmeuse_json["reports"], 1);
    assert_eq!(valmeuse_json["entries"], 2);
    assert_eq!(valmeuse_json["last_activity_ms"], T0 + 40 * DAY_MS);
    // Commitment 7: the practice and the report.
    assert_eq!(
        valmeuse_json["commitments"][6],
        json!({"commitment": 7, "count": 2})
    );
    // Marbourg: the retracted practice no longer counts.
    assert_eq!(body["cities"][1]["practices"], 1);
    assert_eq!(body["cities"][1]["entries"], 3);

    let (status, city) = get_json(&s, "/api/v1/cities/Santa%20Clara%20del%20R%C3%ADo").await;
    assert_eq!(status, StatusCode::OK, "{city}");
    assert_eq!(city["city"]["country"], "ES");
    assert_eq!(city["practices"][0]["id"], s.demo.hate_crime_app.to_hex());
    let key = &lindenau().public().to_hex();
    let (status, by_key) = get_json(&s, &format!("/api/v1/cities/{}", &key[..10])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_key["city"]["name"], "Lindenau");
    assert_eq!(
        by_key["practices"].as_array().map(Vec::len),
        Some(1),
        "only the current version"
    );
    assert_eq!(by_key["reports"][0]["period"], "2024-H1");
    let (status, body) = get_json(&s, "/api/v1/cities/Atlantis").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    s.stop().await;
}

#[tokio::test]
async fn an_entry_with_header_signature_payload_and_bytes() {
    let s = Server::start().await;
    let id = s.demo.fair_rent;
    let (status, e) = get_json(&s, &format!("/api/v1/entries/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["id"], id.to_hex());
    assert_eq!(e["header"]["seq"], 1);
    assert_eq!(e["header"]["prev"], Value::Null);
    assert_eq!(e["header"]["kind_name"], "practice");
    assert_eq!(e["header"]["author"], valmeuse().public().to_hex());
    assert_eq!(e["header"]["network_id"], s.store.network_id().to_hex());
    assert_eq!(e["signature_check"]["verified"], true);
    assert_eq!(e["signature_check"]["payload"], "verified");
    assert_eq!(e["payload"]["Practice"]["city"], "Valmeuse");
    assert_eq!(e["payload_erased"], false);
    let bytes = hex::decode(e["entry_hex"].as_str().unwrap_or_default()).expect("entry_hex is hex");
    assert_eq!(
        coalition_record::Hash32::of(&bytes),
        id,
        "the bytes hash to the id"
    );
    let signature = e["signature"].as_str().unwrap_or_default();
    assert!(e["entry_hex"]
        .as_str()
        .is_some_and(|h| h.ends_with(signature)));

    let (_, retraction) = get_json(&s, &format!("/api/v1/entries/{}", s.demo.retraction)).await;
    assert_eq!(retraction["header"]["seq"], 3);
    assert_eq!(
        retraction["payload"]["Retraction"]["target"],
        s.demo.retracted.to_hex()
    );
    let (_, retracted) = get_json(&s, &format!("/api/v1/entries/{}", s.demo.retracted)).await;
    assert_eq!(retracted["retracted_by"], s.demo.retraction.to_hex());

    let (status, body) = get_json(&s, &format!("/api/v1/entries/{}", "ab".repeat(32))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = get_json(&s, &format!("/api/v1/entries/{}", "zz".repeat(32))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(field(&body), "id");
    s.stop().await;
}
