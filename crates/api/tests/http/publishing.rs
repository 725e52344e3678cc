//! Publishing over the JSON API: the bearer token, validation, storage, gossip and indexing,
//! reports and retractions, and JSON answers for unknown routes.

use super::*;

fn new_practice() -> Value {
    json!({
        "title": {"en": "Neighbourhood anti-racism ambassadors", "fr": "Ambassadeurs antiracisme de quartier"},
        "summary": {"en": "Volunteers trained as ambassadors listen to residents and relay reports of discrimination to the city."},
        "commitments": [1, 4],
        "period": {"start": "2025-01"},
        "partners": ["Valmeuse Youth Council"]
    })
}

#[tokio::test]
async fn publishing_needs_the_bearer_token() {
    let s = Server::start().await;
    for token in [None, Some("wrong-token")] {
        for path in [
            "/api/v1/practices",
            "/api/v1/reports",
            "/api/v1/retractions",
        ] {
            let (status, body, _) = post_json(&s, path, token, &new_practice()).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{path} with {token:?}: {body}"
            );
            assert_eq!(body["error"]["rule"], "bearer_token");
        }
    }
    let response = client()
        .post(s.url("/api/v1/practices"))
        .json(&new_practice())
        .send()
        .await
        .expect("sent");
    assert!(response.headers().contains_key("www-authenticate"));
    assert_eq!(s.store.entry_count(), 9, "nothing was stored");
    s.stop().await;

    // A node without a configured token refuses every bearer.
    let s = Server::start_with(Options {
        token: None,
        ..Options::default()
    })
    .await;
    let (status, body, _) = post_json(&s, "/api/v1/practices", Some(TOKEN), &new_practice()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    s.stop().await;

    // A node without a city key cannot publish at all.
    let s = Server::start_with(Options {
        city_key: false,
        ..Options::default()
    })
    .await;
    let (status, body, _) = post_json(&s, "/api/v1/practices", Some(TOKEN), &new_practice()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["rule"], "no_city_key");
    s.stop().await;
}

#[tokio::test]
async fn publishing_a_practice_validates_stores_gossips_and_indexes() {
    let mut s = Server::start().await;
    let before = s.store.entry_count();

    // Invalid bodies: 400 naming the field, nothing stored.
    let mut no_title = new_practice();
    no_title["title"] = json!({});
    let mut bad_commitment = new_practice();
    bad_commitment["commitments"] = json!([4, 12]);
    let mut bad_date = new_practice();
    bad_date["period"] = json!({"start": "2025-13"});
    let mut unknown = new_practice();
    unknown["colour"] = json!("blue");
    let mut missing = new_practice();
    missing.as_object_mut().map(|m| m.remove("summary"));
    let mut wrong_type = new_practice();
    wrong_type["commitments"] = json!("1,4");
    let mut bad_lang = new_practice();
    bad_lang["title"] = json!({"english": "Ambassadors"});
    let mut bad_link = new_practice();
    bad_link["links"] = json!(["https://ok.example", "ftp://nope.example"]);
    for (body, expected) in [
        (no_title, "title"),
        (bad_commitment, "commitments"),
        (bad_date, "period.start"),
        (unknown, "colour"),
        (missing, "summary"),
        (wrong_type, "commitments"),
        (bad_lang, "title"),
        (bad_link, "links[1]"),
    ] {
        let (status, response, _) = post_json(&s, "/api/v1/practices", Some(TOKEN), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {response}");
        assert_eq!(field(&response), expected, "{body}: {response}");
    }
    let response = client()
        .post(s.url("/api/v1/practices"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["rule"], "json_syntax");
    assert_eq!(s.store.entry_count(), before, "nothing was stored");

    // A valid practice: 201, Location, stored, gossiped, searchable, city filled in.
    let (status, published, location) =
        post_json(&s, "/api/v1/practices", Some(TOKEN), &new_practice()).await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    let id = published["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/practices/{id}").as_str())
    );
    assert_eq!(published["seq"], 3);
    assert_eq!(published["author"], valmeuse().public().to_hex());
    assert_eq!(published["gossiped"], true);
    assert_eq!(published["indexed"], true);
    assert_eq!(s.store.entry_count(), before + 1);
    let wire = tokio::time::timeout(std::time::Duration::from_secs(5), s.gossip.recv())
        .await
        .expect("the entry reached the gossip channel in time")
        .expect("an entry");
    assert_eq!(coalition_record::Hash32::of(&wire.entry).to_hex(), id);
    assert!(wire.payload.is_some());
    let (_, practice) = get_json(&s, &format!("/api/v1/practices/{id}")).await;
    assert_eq!(practice["practice"]["city"], "Valmeuse");
    assert_eq!(practice["practice"]["country"], "BE");
    assert_eq!(practice["signature"]["verified"], true);
    let (_, found) = get_json(&s, "/api/v1/practices?q=ambassadors").await;
    assert_eq!(ids(&found), BTreeSet::from([id]));
    s.stop().await;
}

#[tokio::test]
async fn publishing_reports_and_retractions() {
    let s = Server::start().await;
    let report = json!({
        "period": "2025-H1",
        "narrative": {"en": "First half of 2025: ambassadors trained."},
        "commitments": [{"commitment": 4, "status": "in_progress",
                         "indicators": [{"name": "ambassadors trained", "value": 24, "unit": "people"}]}]
    });
    let mut bad = report.clone();
    bad["period"] = json!("2025-Q1");
    let (status, body, _) = post_json(&s, "/api/v1/reports", Some(TOKEN), &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(field(&body), "period");
    let mut twice = report.clone();
    twice["commitments"] =
        json!([{"commitment": 4, "status": "done"}, {"commitment": 4, "status": "done"}]);
    let (status, body, _) = post_json(&s, "/api/v1/reports", Some(TOKEN), &twice).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(field(&body), "commitments[1].commitment");

    let (status, published, location) =
        post_json(&s, "/api/v1/reports", Some(TOKEN), &report).await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    let id = published["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        location.as_deref(),
        Some(format!("/api/v1/entries/{id}").as_str())
    );
    let (_, reports) = get_json(&s, "/api/v1/reports?city=Valmeuse&period=2025-H1").await;
    assert_eq!(ids(&reports), BTreeSet::from([id]));
    assert_eq!(
        reports["items"][0]["country"], "BE",
        "country filled from the roster"
    );

    // Retractions: only the local city's own entries.
    let fair_rent = s.demo.fair_rent.to_hex();
    let other = s.demo.festival.to_hex();
    for (body, expected) in [
        (json!({"target": other, "reason": "not ours"}), "target"),
        (json!({"target": "abc", "reason": "short"}), "target"),
        (
            json!({"target": "00".repeat(32), "reason": "unknown"}),
            "target",
        ),
        (json!({"target": fair_rent, "reason": ""}), "reason"),
        (json!({"target": fair_rent}), "reason"),
    ] {
        let (status, response, _) = post_json(&s, "/api/v1/retractions", Some(TOKEN), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {response}");
        assert_eq!(field(&response), expected, "{body}: {response}");
    }
    let (status, published, _) = post_json(
        &s,
        "/api/v1/retractions",
        Some(TOKEN),
        &json!({"target": fair_rent, "reason": "replaced by a new programme"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    let (_, practice) = get_json(&s, &format!("/api/v1/practices/{fair_rent}")).await;
    assert_eq!(practice["retraction"]["by"], published["id"]);
    assert_eq!(
        practice["retraction"]["reason"],
        "replaced by a new programme"
    );
    let (_, search) = get_json(&s, "/api/v1/practices?q=logement").await;
    assert_eq!(
        search["total"], 0,
        "a retracted practice leaves the index: {search}"
    );
    s.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_json() {
    let s = Server::start().await;
    let (status, body) = get_json(&s, "/api/v1/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["rule"], "not_found");
    let response = client()
        .delete(s.url("/api/v1/practices"))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"]["rule"], "method_not_allowed");
    s.stop().await;
}
