//! Issue 17: adoptions, questions and answers over the JSON API, their publish-time rules, and
//! how the practice shows them in JSON and on its web page.

use super::*;
use coalition_record::{Payload, Question};

#[tokio::test]
async fn adoptions_and_a_question_thread_show_on_the_practice() {
    let s = Server::start().await;
    let d = &s.demo;
    let token = Some(TOKEN);

    // Valmeuse (the local city) takes up Marbourg's festival, adapted.
    let adoption = json!({
        "source": d.festival.to_hex(),
        "adapted": true,
        "period": {"start": "2025-06"},
        "changes": {"en": "Held in the libraries only, with a travelling exhibition."},
        "illustrative": true
    });
    let (status, body, location) = post_json(&s, "/api/v1/adoptions", token, &adoption).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(location.is_some_and(|l| l.starts_with("/api/v1/entries/")));
    // The same document again is the same entry.
    let (status, again, _) = post_json(&s, "/api/v1/adoptions", token, &adoption).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["id"], body["id"]);

    // Publish-time rules, each a 400 naming its field and rule, and nothing stored.
    let own = json!({"source": d.fair_rent.to_hex(), "period": {"start": "2025-01"}});
    let unknown = json!({"source": "ab".repeat(32), "period": {"start": "2025-01"}});
    let not_practice =
        json!({"source": d.report_valmeuse.to_hex(), "period": {"start": "2025-01"}});
    for (doc, rule) in [
        (own, "own_practice"),
        (unknown, "unknown_practice"),
        (not_practice, "not_a_practice"),
    ] {
        let (status, body, _) = post_json(&s, "/api/v1/adoptions", token, &doc).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["rule"], rule, "{body}");
        assert_eq!(body["error"]["field"], "adoption.source", "{body}");
    }
    let (status, body, _) = post_json(
        &s,
        "/api/v1/adoptions",
        token,
        &json!({"source": d.festival.to_hex(), "period": {"start": "2025-13"}}),
    )
    .await;
    assert!(status.is_client_error(), "{body}");
    assert_eq!(body["error"]["field"], "adoption.period.start", "{body}");

    // A question to Marbourg; Valmeuse cannot answer it (not its practice).
    let (status, question, _) = post_json(
        &s,
        "/api/v1/questions",
        token,
        &json!({"about": d.festival.to_hex(), "text": {"en": "Who funds the exhibitions?"}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{question}");
    let question_id = question["id"].as_str().expect("id").to_string();
    let (status, body, _) = post_json(
        &s,
        "/api/v1/answers",
        token,
        &json!({"question": question_id, "text": {"en": "We do."}}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["rule"], "not_your_practice", "{body}");

    // Marbourg asks Valmeuse about Fair Rent (signed by Marbourg, arriving as from a peer);
    // Valmeuse answers.
    let asked = s
        .store
        .append_local(
            &marbourg(),
            &Payload::Question(Question {
                about: d.fair_rent,
                text: text(&[("fr", "Comment avez-vous recruté les testeurs ?")]),
                illustrative: true,
            }),
            1_760_000_000_000,
        )
        .expect("Marbourg's question");
    let (status, answer, _) = post_json(
        &s,
        "/api/v1/answers",
        token,
        &json!({"question": asked.id().to_hex(), "text": {"fr": "Par l'université, avec deux jours de formation."}}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    let (_, festival) = get_json(&s, &format!("/api/v1/practices/{}", d.festival)).await;
    assert_eq!(
        festival["adoptions"].as_array().map(Vec::len),
        Some(1),
        "{festival}"
    );
    assert_eq!(festival["adoptions"][0]["city"], "Valmeuse");
    assert_eq!(festival["adoptions"][0]["adapted"], true);
    assert_eq!(
        festival["questions"][0]["answers"].as_array().map(Vec::len),
        Some(0)
    );
    let (_, fair) = get_json(&s, &format!("/api/v1/practices/{}", d.fair_rent)).await;
    assert_eq!(fair["questions"][0]["city"], "Marbourg", "{fair}");
    assert_eq!(
        fair["questions"][0]["answers"][0]["city"], "Valmeuse",
        "{fair}"
    );
    assert_eq!(fair["questions"][0]["answers"][0]["id"], answer["id"]);

    // The web pages say the same, in the reader's language.
    let (_, page) = get_text(&s, &format!("/practice/{}?ui=fr", d.festival)).await;
    assert!(
        page.contains("Reprise par d&#39;autres villes")
            || page.contains("Reprise par d'autres villes"),
        "{page}"
    );
    assert!(page.contains(">Valmeuse</a> (adaptée"), "{page}");
    assert!(page.contains("Pas encore de réponse"), "{page}");
    let (_, page) = get_text(&s, &format!("/practice/{}", d.fair_rent)).await;
    assert!(page.contains("Questions and answers"), "{page}");
    assert!(page.contains("Comment avez-vous recrut"), "{page}");
    assert!(
        page.contains("Par l&#39;universit") || page.contains("Par l'universit"),
        "{page}"
    );

    // The coalition's exchange: data, the graph page, and both city pages.
    let (status, graph) = get_json(&s, "/api/v1/exchange").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        graph["edges"].to_string(),
        r#"[{"adoptions":1,"from":"Marbourg","to":"Valmeuse"}]"#,
        "{graph}"
    );
    let (status, page) = get_text(&s, "/exchange?ui=de").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<svg") && page.contains("<title>Marbourg → Valmeuse: 1</title>"),
        "{page}"
    );
    assert!(
        page.contains("Zwischen Städten übernommene Praktiken"),
        "{page}"
    );
    let (_, valmeuse) = get_text(&s, "/city/Valmeuse").await;
    assert!(valmeuse.contains("Practices it took up"), "{valmeuse}");
    assert!(valmeuse.contains("· Marbourg (adapted)"), "{valmeuse}");
    // Marbourg's page lists the question about its festival as open; Valmeuse's has none (it
    // answered).
    let (_, marbourg_json) = get_json(&s, "/api/v1/cities/Marbourg").await;
    assert_eq!(
        marbourg_json["open_questions"][0]["text"]["en"], "Who funds the exhibitions?",
        "{marbourg_json}"
    );
    let (_, valmeuse_json) = get_json(&s, "/api/v1/cities/Valmeuse").await;
    assert_eq!(
        valmeuse_json["open_questions"].as_array().map(Vec::len),
        Some(0)
    );
    let (_, marbourg) = get_text(&s, "/city/Marbourg").await;
    assert!(marbourg.contains("id=\"open-questions\""), "{marbourg}");
    assert!(
        marbourg.contains("Its practices other cities took up"),
        "{marbourg}"
    );
    assert!(marbourg.contains("· Valmeuse (adapted)"), "{marbourg}");
    s.stop().await;
}
