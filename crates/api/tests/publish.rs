//! Publishing through the JSON API, issue 11: idempotent (the same document twice is one entry,
//! answered 200 the second time), the batch route (all or nothing), city and country from the
//! roster, the publish-time retraction rules, and the roster's name shown for a mislabelled entry.

use crate::common;

use common::*;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn post(s: &Server, path: &str, body: &Value) -> (StatusCode, Value) {
    let response = Client::new()
        .post(s.url(path))
        .bearer_auth(TOKEN)
        .json(body)
        .send()
        .await
        .expect("request sent");
    let status = response.status();
    (status, response.json::<Value>().await.expect("a JSON body"))
}

fn practice_body(title: &str) -> Value {
    json!({
        "title": {"en": title},
        "summary": {"en": "Volunteers listen to residents and relay reports of discrimination."},
        "commitments": [1, 4],
        "period": {"start": "2025-01"}
    })
}

fn update_body(title: &str) -> Value {
    json!({
        "date": "2025-03-21", "category": "event", "commitments": [1],
        "title": {"en": title}, "text": {"en": "An open day."}
    })
}

#[tokio::test]
async fn the_same_document_published_twice_is_one_entry_answered_200_the_second_time() {
    let s = Server::start().await;
    let before = s.store.entry_count();
    let (first, a) = post(&s, "/api/v1/practices", &practice_body("Ambassadors")).await;
    assert_eq!(first, StatusCode::CREATED, "{a}");
    assert_eq!(a["existing"], false);
    let (second, b) = post(&s, "/api/v1/practices", &practice_body("Ambassadors")).await;
    assert_eq!(second, StatusCode::OK, "{b}");
    assert_eq!(b["existing"], true);
    assert_eq!(b["id"], a["id"]);
    assert_eq!(b["seq"], a["seq"]);
    assert_eq!(s.store.entry_count(), before + 1);
    // City and country given as the roster has them are the same document as left empty.
    let mut explicit = practice_body("Ambassadors");
    explicit["city"] = json!("Valmeuse");
    explicit["country"] = json!("BE");
    let (third, c) = post(&s, "/api/v1/practices", &explicit).await;
    assert_eq!((third, &c["id"]), (StatusCode::OK, &a["id"]), "{c}");
    s.stop().await;
}

#[tokio::test]
async fn city_and_country_other_than_the_roster_entry_are_refused_naming_the_rule() {
    let s = Server::start().await;
    let before = s.store.entry_count();
    for (field, value, rule, roster_value) in [
        ("city", "Lindenau", "city_not_author", "Valmeuse"),
        ("country", "DE", "country_not_author", "BE"),
    ] {
        let mut body = practice_body("Labelled as another member");
        body[field] = json!(value);
        let (status, answer) = post(&s, "/api/v1/practices", &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
        assert_eq!(answer["error"]["rule"], rule, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(roster_value),
            "{answer}"
        );
    }
    assert_eq!(s.store.entry_count(), before, "nothing was stored");
    s.stop().await;
}

#[tokio::test]
async fn a_mislabelled_entry_from_a_peer_is_shown_under_its_authors_roster_name() {
    let s = Server::start().await;
    // Lindenau signs a practice that claims to be Valmeuse's (an older or hostile node): a valid
    // signed entry, stored as any peer's entry is.
    let mut p = fair_rent();
    p.title = text(&[("en", "Mislabelled practice")]);
    p.city = "Valmeuse".into();
    p.country = "BE".into();
    let id = s
        .store
        .append_local(&lindenau(), &coalition_record::Payload::Practice(p), T0)
        .expect("a valid entry")
        .id();
    let response = Client::new()
        .get(s.url(&format!("/api/v1/practices/{id}")))
        .send()
        .await
        .expect("sent");
    let view: Value = response.json().await.expect("json");
    assert_eq!(view["practice"]["city"], "Lindenau", "{view}");
    assert_eq!(view["practice"]["country"], "DE", "{view}");
    s.stop().await;
}

#[tokio::test]
async fn a_batch_is_stored_whole_or_not_at_all() {
    let s = Server::start().await;
    let before = s.store.entry_count();
    let mut bad = practice_body("Second");
    bad["commitments"] = json!([4, 12]);
    let (status, answer) = post(
        &s,
        "/api/v1/batch",
        &json!({"documents": [
            {"kind": "practice", "document": practice_body("First")},
            {"kind": "practice", "document": bad}
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(
        s.store.entry_count(),
        before,
        "the valid first document was not stored either"
    );

    let batch = json!({"documents": [
        {"kind": "practice", "document": practice_body("First")},
        {"kind": "update", "document": update_body("Open day")}
    ]});
    let (status, answer) = post(&s, "/api/v1/batch", &batch).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let entries = answer["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["kind"], "practice");
    assert_eq!(entries[1]["kind"], "update");
    assert_eq!(
        entries[1]["seq"].as_u64(),
        entries[0]["seq"].as_u64().map(|s| s + 1)
    );
    assert_eq!(s.store.entry_count(), before + 2);

    let (again, repeat) = post(&s, "/api/v1/batch", &batch).await;
    assert_eq!(again, StatusCode::OK, "{repeat}");
    assert_eq!(repeat["entries"][0]["id"], entries[0]["id"]);
    assert_eq!(s.store.entry_count(), before + 2);

    let (status, answer) = post(&s, "/api/v1/batch", &json!({"documents": []})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"]["rule"], "batch_empty");
    s.stop().await;
}

#[tokio::test]
async fn retracting_twice_retracting_a_retraction_and_revising_a_retracted_practice_are_refused() {
    let s = Server::start().await;
    let (_, practice) = post(&s, "/api/v1/practices", &practice_body("To retract")).await;
    let target = practice["id"].as_str().expect("id").to_string();
    let (status, retraction) = post(
        &s,
        "/api/v1/retractions",
        &json!({"target": target, "reason": "Ended"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{retraction}");
    let before = s.store.entry_count();
    let retraction_id = retraction["id"].as_str().expect("id").to_string();
    for (path, body, rule) in [
        (
            "/api/v1/retractions",
            json!({"target": target, "reason": "Ended, really"}),
            "already_retracted",
        ),
        (
            "/api/v1/retractions",
            json!({"target": retraction_id, "reason": "Undo"}),
            "retract_retraction",
        ),
        (
            "/api/v1/revisions",
            json!({"supersedes": target, "practice": practice_body("Revived")}),
            "revise_retracted",
        ),
    ] {
        let (status, answer) = post(&s, path, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["rule"], rule, "{answer}");
    }
    assert_eq!(s.store.entry_count(), before, "none of them was signed");
    s.stop().await;
}
