//! Issue #21, acceptance 2, across two running nodes: Lindenfeld translates Valmeuse's practice
//! into Spanish; Valmeuse's node shows the translation with its translator and finds the practice
//! by a Spanish search; only Valmeuse may endorse it; a translation of a version that does not
//! exist, or of the city's own practice, is refused; after a revision the translation is marked
//! as being of an earlier version.

use crate::common;
use common::procs::{http_get, http_json, http_post, start_node, stop, two_cities, wait_until};
use common::*;
use serde_json::Value;

const SPANISH: &str = r#"from_lang = "en"
lang = "es"
title = "Pruebas de discriminación en las agencias arrendadoras"
summary = "Solicitudes emparejadas revelan la discriminación en el alquiler de viviendas."
body = "Dos personas solicitan la misma vivienda."
"#;

#[test]
fn a_translation_by_another_city_is_shown_found_endorsed_and_marked_after_a_revision() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let (a, b) = two_cities(root);
    let p = |rel: &str| root.join(rel).display().to_string();
    let node_a = start_node(&a, None);
    let node_b = start_node(&b, Some(&node_a.listen));

    let practice = examples().join("practice.toml").display().to_string();
    let out = ok(&["publish", "practice", &practice, "--data-dir", &a, "--json"]);
    let id = entry_id_of(&out);
    wait_until("the practice reaches Lindenfeld", 60, || {
        http_json(&node_b.api, &format!("/api/v1/practices/{id}")).is_some_and(|(s, _)| s == 200)
    });

    // Lindenfeld translates it into Spanish, through its running node.
    std::fs::write(p("es.toml"), SPANISH).expect("write");
    let out = ok(&["translate", &id, &p("es.toml"), "--data-dir", &b, "--json"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    let translation = v["id"].as_str().expect("id").to_string();
    wait_until("the translation reaches Valmeuse", 60, || {
        http_json(&node_a.api, &format!("/api/v1/practices/{id}"))
            .is_some_and(|(_, v)| v["translations"].as_array().is_some_and(|t| !t.is_empty()))
    });
    let (_, v) = http_json(&node_a.api, &format!("/api/v1/practices/{id}")).expect("practice");
    let t = &v["translations"][0];
    assert_eq!(t["translator_city"], "Lindenfeld", "{v}");
    assert_eq!(t["lang"], "es");
    assert_eq!(t["of_current"], true);
    assert_eq!(t["endorsed"], false);
    let (_, page) = http_get(&node_a.api, &format!("/practice/{id}?ui=en")).expect("page");
    assert!(
        page.contains("Translated by Lindenfeld from English"),
        "{page}"
    );
    assert!(page.contains("Pruebas de discriminación en las agencias arrendadoras"));
    // Found by a search in Spanish, on a word only the translation has.
    wait_until("a Spanish search finds the practice", 30, || {
        http_json(&node_a.api, "/api/v1/practices?q=arrendadoras&lang=es")
            .is_some_and(|(_, v)| v.to_string().contains(&id))
    });
    // The hit shows the Spanish translation, and says who translated it (JSON, page, CLI).
    let (_, v) =
        http_json(&node_a.api, "/api/v1/practices?q=arrendadoras&lang=es").expect("search");
    let hit = &v["items"][0];
    assert_eq!(hit["lang"], "es", "{v}");
    assert_eq!(hit["translated_by"]["city"], "Lindenfeld", "{v}");
    assert_eq!(hit["translated_by"]["from_lang"], "en", "{v}");
    let (_, page) = http_get(&node_a.api, "/?q=arrendadoras&ui=es").expect("search page");
    assert!(page.contains("class=\"translated-by\""), "{page}");
    let (_, english) =
        http_json(&node_a.api, "/api/v1/practices?q=housing&lang=en").expect("search");
    assert!(
        english["items"][0].get("translated_by").is_none(),
        "the English original is not a translation: {english}"
    );
    let cli = ok(&["search", "arrendadoras", "--lang", "es", "--data-dir", &a]);
    assert!(cli.contains("translated by Lindenfeld from en"), "{cli}");

    // Only Valmeuse endorses it.
    let refused = run(&["endorse", &translation, "--data-dir", &b]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(
        why.contains("not_author_city") || why.contains("only the city whose practice"),
        "{why}"
    );
    ok(&["endorse", &translation, "--data-dir", &a]);
    let (_, page) = http_get(&node_a.api, &format!("/practice/{id}?ui=en")).expect("page");
    assert!(
        page.contains("endorsed by the practice&#39;s city")
            || page.contains("endorsed by the practice's city"),
        "{page}"
    );

    // Refused: a version that does not exist; the city's own practice.
    let token = std::fs::read_to_string(std::path::Path::new(&b).join("api.token"))
        .expect("token")
        .trim()
        .to_string();
    let (status, body) = http_post(
        &node_b.api,
        "/api/v1/translations",
        &token,
        &serde_json::json!({
            "source": "ab".repeat(32), "from_lang": "en", "lang": "es",
            "title": "Título", "summary": "Resumen"
        })
        .to_string(),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown_version"), "{body}");
    std::fs::write(
        p("fr.toml"),
        SPANISH.replace("lang = \"es\"", "lang = \"nl\""),
    )
    .expect("write");
    let own = run(&["translate", &id, &p("fr.toml"), "--data-dir", &a]);
    assert!(!own.status.success());
    assert!(
        String::from_utf8_lossy(&own.stderr).contains("own_practice")
            || String::from_utf8_lossy(&own.stderr).contains("with a revision")
    );

    // Valmeuse revises the practice: the translation is of an earlier version now.
    let out = ok(&["revise", &id, &practice, "--data-dir", &a, "--json"]);
    let revision = entry_id_of(&out);
    let (_, v) =
        http_json(&node_a.api, &format!("/api/v1/practices/{revision}")).expect("practice");
    assert_eq!(v["translations"][0]["of_current"], false, "{v}");
    assert_eq!(v["translations"][0]["endorsed"], true, "{v}");
    let (_, page) = http_get(&node_a.api, &format!("/practice/{revision}?ui=de")).expect("page");
    assert!(
        page.contains("Übersetzung einer früheren Fassung"),
        "{page}"
    );

    stop(node_b);
    stop(node_a);
}
