//! The OpenAPI document against the router, and the web pages: languages, the publish form and
//! its sign-in.

use super::*;

/// Fills the parameters of a documented path with values that exist.
fn concrete(path: &str, s: &Server) -> String {
    path.replace("{id}", &s.demo.fair_rent.to_hex())
        .replace("{city}", "Valmeuse")
}

#[tokio::test]
async fn openapi_documents_exactly_the_routes_of_the_router() {
    let s = Server::start().await;
    let (status, doc) = get_json(&s, "/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc, coalition_api::openapi_document());

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let routed: BTreeSet<(String, String)> = coalition_api::route_list()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented routes the router lacks: {unrouted:?}"
    );

    // Every documented operation is really served (not the fallback, not 405).
    for (method, path) in &documented {
        let url = s.url(&concrete(path, &s));
        let response = match method.as_str() {
            "get" => client().get(&url).send().await,
            "post" => client().post(&url).body("{}").send().await,
            other => panic!("unexpected method {other}"),
        }
        .expect("sent");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(
            !body.contains("\"no route "),
            "{method} {path} fell through to the fallback: {status} {body}"
        );
        // Every status the route answered with is documented.
        let responses = &doc["paths"][path][method]["responses"];
        assert!(
            responses.get(status.as_str()).is_some(),
            "{method} {path} answered {status}, which the document does not list"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn web_pages_render_in_english_and_french() {
    let s = Server::start().await;
    let (status, page) = get_text(&s, "/?q=housing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"en\">"));
    assert!(page.contains("Fair Rent"), "{page}");
    assert!(page.contains("<mark>"), "snippets mark the matched words");
    assert!(
        page.contains("Fair Access to Housing"),
        "commitments by their titles"
    );
    assert!(page.contains("<main id=\"main\""));

    let (status, page) = get_text(&s, "/?q=logement&ui=fr").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"fr\">"));
    assert!(page.contains("Trouver des bonnes pratiques"));
    assert!(
        page.contains("Louer sans discriminer"),
        "the French title for a French reader"
    );
    assert!(page.contains("Accès équitable au logement"));

    let (status, page) = get_text(&s, "/?commitment=42").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("commitment: '42'"), "{page}");

    let (status, page) = get_text(&s, &format!("/practice/{}", s.demo.fair_rent)).await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "Signature verified",
        &valmeuse().public().to_hex(),
        &s.demo.fair_rent.to_hex(),
        "lang=\"de\"",
        "Fair mieten",
        "Valmeuse Tenants' Union",
        // The period in the reader's words, machine-readable in `datetime`.
        "<time datetime=\"2023-03\">March 2023</time> – <time datetime=\"2025-12\">December 2025</time>",
        "https://www.valmeuse.example/en/fair-housing",
    ] {
        assert!(page.contains(needle), "practice page lacks {needle:?}");
    }
    let (status, page) = get_text(&s, &format!("/practice/{}", s.demo.school_v1)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("This is an earlier version"));
    let (status, _) = get_text(&s, &format!("/practice/{}", "0".repeat(64))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get_text(&s, "/practice/xyz").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, page) = get_text(&s, "/cities?ui=fr").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Villes membres") && page.contains("Santa Clara del Río"));
    let (status, page) = get_text(&s, "/city/Valmeuse").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Report for 2024") && page.contains("discrimination reports received"));
    // A practice's period in the timeline is a <time> element, not its escaped text (the page
    // escaped the already-built element a second time before the maud conversion).
    assert!(
        page.contains("<span class=\"when\"><time datetime=\"") && !page.contains("&lt;time"),
        "{page}"
    );
    // Issue #17: the city's partners by type, in the page's language.
    assert!(
        page.contains("<strong>Partner types:</strong> Academia 1 · Civil society 1"),
        "{page}"
    );
    let (_, page) = get_text(&s, "/city/Valmeuse?ui=de").await;
    assert!(
        page.contains("Wissenschaft 1 · Zivilgesellschaft 1"),
        "{page}"
    );
    let (_, page) = get_text(&s, "/city/Valmeuse?ui=en").await;
    let fair_rent = page
        .split("href=\"/practice/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a practice link")
        .to_string();
    let (_, practice) = get_text(&s, &format!("/practice/{fair_rent}?ui=fr")).await;
    assert!(
        practice.contains("Valmeuse Tenants&#39; Union (Société civile)")
            || practice.contains("Valmeuse Tenants' Union (Société civile)"),
        "{practice}"
    );
    assert!(practice.contains("Origine sociale"), "{practice}");
    let (status, page) = get_text(&s, "/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("Not found"));
    let (status, css) = get_text(&s, "/assets/app.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains("@media"));
    s.stop().await;
}

/// Issue #21: the page in each of its eight languages, by `?ui=` and by `Accept-Language`.
#[tokio::test]
async fn web_pages_render_in_all_eight_languages() {
    let s = Server::start().await;
    let cases = [
        (
            "de",
            "Gute Praxis finden",
            "Fairer Zugang zum Wohnungsmarkt",
            "März 2023",
        ),
        (
            "es",
            "Encontrar buenas prácticas",
            "Acceso justo a la vivienda",
            "marzo de 2023",
        ),
        (
            "it",
            "Trova buone pratiche",
            "Equo accesso all'abitazione",
            "marzo 2023",
        ),
        (
            "nl",
            "Goede praktijken vinden",
            "Eerlijke toegang tot huisvesting",
            "maart 2023",
        ),
        (
            "sv",
            "Hitta goda exempel",
            "Rättvis tillgång till bostäder",
            "mars 2023",
        ),
        (
            "pt",
            "Encontrar boas práticas",
            "Acesso justo à habitação",
            "março de 2023",
        ),
    ];
    for (code, heading, commitment, period) in cases {
        let (status, page) = get_text(&s, &format!("/?q=housing&ui={code}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(&format!("<html lang=\"{code}\">")), "{code}");
        assert!(page.contains(heading), "{code}: {heading}");
        assert!(page.contains(commitment), "{code}: {commitment}");
        let (_, page) = get_text(&s, &format!("/practice/{}?ui={code}", s.demo.fair_rent)).await;
        assert!(page.contains(period), "{code}: the period as {period}");

        // No `?ui=` and no cookie: the browser's first language the page speaks.
        let response = client()
            .get(s.url("/"))
            .header("accept-language", format!("ru-RU, {code};q=0.8, en;q=0.5"))
            .send()
            .await
            .expect("sent");
        let page = response.text().await.expect("text");
        assert!(
            page.contains(&format!("<html lang=\"{code}\">")),
            "Accept-Language {code}"
        );
    }
    s.stop().await;
}

fn csrf_of(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_publish_form_works_only_from_loopback_with_its_token() {
    let s = Server::start().await;
    let session = s.sign_in(TOKEN).await.expect("signed in with the token");
    let response = client()
        .get(s.url("/publish"))
        .header("cookie", &session)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    let page = response.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&page);
    assert_eq!(csrf.len(), 64, "a CSRF token in the form");
    assert!(page.contains("Publishing for") && page.contains("Valmeuse"));

    let form = |pairs: &[(&str, &str)]| -> String {
        serde_urlencoded::to_string(pairs).expect("form encodes")
    };
    let post = |body: String, extra: Vec<(&'static str, String)>| {
        let mut request = client()
            .post(s.url("/publish"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &session)
            .body(body);
        for (k, v) in extra {
            request = request.header(k, v);
        }
        request.send()
    };
    let good = [
        ("csrf", csrf.as_str()),
        ("lang", "en"),
        ("title", "Welcome desks in the town hall"),
        (
            "summary",
            "Desks that help newcomers with every municipal procedure in eight languages.",
        ),
        ("commitment", "4"),
        ("commitment", "6"),
        ("period_start", "2025-02"),
        ("partners", "Newcomers' Association\nCity Library"),
    ];

    // Without the token, a wrong Origin, through a proxy, or to a non-loopback Host: refused.
    let mut no_token: Vec<(&str, &str)> = good.to_vec();
    no_token.retain(|(k, _)| *k != "csrf");
    let response = post(form(&no_token), vec![]).await.expect("sent");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    for extra in [
        vec![("origin", "http://evil.example".to_string())],
        vec![("x-forwarded-for", "203.0.113.9".to_string())],
        vec![("host", "coalition.example.org".to_string())],
    ] {
        let response = post(form(&good), extra.clone()).await.expect("sent");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{extra:?}");
    }
    let response = client()
        .get(s.url("/publish"))
        .header("host", "coalition.example.org")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response
        .text()
        .await
        .unwrap_or_default()
        .contains("only works on the node"));

    // Missing title and a bad date: 400, each error next to its field, values kept.
    let mut bad: Vec<(&str, &str)> = good.to_vec();
    bad.retain(|(k, _)| *k != "title");
    bad.retain(|(k, _)| *k != "period_start");
    bad.push(("period_start", "2025-14"));
    let response = post(form(&bad), vec![]).await.expect("sent");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let page = response.text().await.unwrap_or_default();
    assert!(page.contains("id=\"f-title-error\""), "{page}");
    assert!(page.contains("id=\"f-period_start-error\""));
    assert!(page.contains("aria-invalid=\"true\""));
    assert!(
        page.contains("Desks that help newcomers"),
        "typed values are kept"
    );
    assert_eq!(s.store.entry_count(), 9);

    // A good one: 303 to the new practice page.
    let response = post(form(&good), vec![("origin", s.base.clone())])
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        location.starts_with("/practice/") && location.ends_with("?published=1"),
        "{location}"
    );
    let (status, page) = get_text(&s, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Welcome desks in the town hall") && page.contains("Published."));
    assert!(page.contains("City Library"));
    assert_eq!(s.store.entry_count(), 10);
    s.stop().await;
}
