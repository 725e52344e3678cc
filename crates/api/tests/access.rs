//! Who may publish from the web page: a local client that can open the socket but does not know
//! the API token gets no usable CSRF token and is refused, with nothing stored; with the token it
//! signs in and publishes; sign-out ends the session. Real server on 127.0.0.1, real store.

use crate::common;

use common::*;
use reqwest::{Client, StatusCode};

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

fn csrf_of(page: &str) -> Option<String> {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

fn practice_form(csrf: &str, title: &str) -> String {
    serde_urlencoded::to_string([
        ("csrf", csrf),
        ("lang", "en"),
        ("title", title),
        (
            "summary",
            "Desks that help newcomers with every municipal procedure in eight languages.",
        ),
        ("commitment", "4"),
        ("period_start", "2025-02"),
    ])
    .expect("form encodes")
}

async fn post_form(
    s: &Server,
    path: &str,
    cookie: Option<&str>,
    body: String,
) -> reqwest::Response {
    let mut request = client()
        .post(s.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.expect("sent")
}

async fn get_page(s: &Server, path: &str, cookie: Option<&str>) -> (StatusCode, String, String) {
    let mut request = client().get(s.url(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.expect("sent");
    let status = response.status();
    let to = location(&response);
    (status, to, response.text().await.unwrap_or_default())
}

#[tokio::test]
async fn a_local_client_without_the_token_cannot_publish_from_the_web_page() {
    let s = Server::start().await;
    let before = s.store.entry_count();

    // The form is not shown without a session: no CSRF token to fetch, a redirect to sign-in.
    let (status, to, page) = get_page(&s, "/publish", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(to, "/signin");
    assert_eq!(csrf_of(&page), None, "no CSRF token without a session");

    // A submission without a session, whatever token it carries: refused, nothing stored.
    let response = post_form(
        &s,
        "/publish",
        None,
        practice_form(&"a".repeat(64), "Stolen"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/signin");
    // A made-up session cookie does no better.
    let fake = format!("coalition_session={}", "0".repeat(64));
    let response = post_form(&s, "/publish", Some(&fake), practice_form("x", "Stolen")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.store.entry_count(), before, "nothing stored");

    // The sign-in page asks for the token; a wrong one opens no session.
    let (status, _, page) = get_page(&s, "/signin", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("api.token") && page.contains("name=\"token\""),
        "{page}"
    );
    let wrong = serde_urlencoded::to_string([("token", "not-the-token")]).expect("encodes");
    let response = post_form(&s, "/signin", None, wrong).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(s.sign_in("test-token-012345678").await, None, "a near miss");
    s.stop().await;
}

#[tokio::test]
async fn with_the_token_a_session_publishes_and_sign_out_ends_it() {
    let s = Server::start().await;
    let before = s.store.entry_count();

    // Sign in: the cookie is HttpOnly, SameSite=Strict, Path=/, with a 256-bit random id.
    let response = post_form(
        &s,
        "/signin",
        None,
        serde_urlencoded::to_string([("token", TOKEN)]).expect("encodes"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/publish");
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap_or_default().to_string();
    let id = cookie
        .strip_prefix("coalition_session=")
        .unwrap_or_default();
    assert!(
        id.len() == 64 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{cookie}"
    );

    // The form now carries the session's CSRF token, and a sign-out button.
    let (status, _, page) = get_page(&s, "/publish", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_of(&page).expect("a CSRF token in the form");
    assert_eq!(csrf.len(), 64);
    assert!(page.contains("action=\"/signout\""));

    // Another session's token does not fit this session.
    let other = s.sign_in(TOKEN).await.expect("a second session");
    let (_, _, other_page) = get_page(&s, "/publish", Some(&other)).await;
    let other_csrf = csrf_of(&other_page).expect("its CSRF token");
    assert_ne!(other_csrf, csrf);
    let response = post_form(
        &s,
        "/publish",
        Some(&cookie),
        practice_form(&other_csrf, "Crossed"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.store.entry_count(), before);

    // With the session and its token: published.
    let response = post_form(
        &s,
        "/publish",
        Some(&cookie),
        practice_form(&csrf, "Welcome desks"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&response).starts_with("/practice/"),
        "{}",
        location(&response)
    );
    assert_eq!(s.store.entry_count(), before + 1);

    // Sign out (needs the session's CSRF token): the cookie is cleared and the session is gone.
    let response = post_form(
        &s,
        "/signout",
        Some(&cookie),
        serde_urlencoded::to_string([("csrf", "wrong")]).expect("encodes"),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "a forged sign-out"
    );
    let response = post_form(
        &s,
        "/signout",
        Some(&cookie),
        serde_urlencoded::to_string([("csrf", csrf.as_str())]).expect("encodes"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cleared = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cleared.starts_with("coalition_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    let (status, to, _) = get_page(&s, "/publish", Some(&cookie)).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, "/signin"));
    let response = post_form(
        &s,
        "/publish",
        Some(&cookie),
        practice_form(&csrf, "After sign-out"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/signin");
    assert_eq!(
        s.store.entry_count(),
        before + 1,
        "nothing stored after sign-out"
    );
    s.stop().await;
}

#[tokio::test]
async fn a_node_without_a_token_offers_no_sign_in() {
    let s = Server::start_with(Options {
        token: None,
        ..Options::default()
    })
    .await;
    let (status, _, page) = get_page(&s, "/signin", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("no API token"), "{page}");
    assert_eq!(s.sign_in("anything").await, None);
    s.stop().await;
}

fn language_form(csrf: &str, practice: &str, lang: &str, title: &str) -> String {
    serde_urlencoded::to_string([
        ("csrf", csrf),
        ("kind", "language"),
        ("practice", practice),
        ("ui", "en"),
        ("lang", lang),
        ("title", title),
        (
            "summary",
            "Parade ansökningar visar diskriminering på bostadsmarknaden.",
        ),
    ])
    .expect("form encodes")
}

/// Issue #21: the language form revises only the local city's own practice in force; each
/// refusal names its rule, goes back to that form and stores nothing.
#[tokio::test]
async fn the_language_form_revises_only_the_local_citys_own_current_practice() {
    let s = Server::start().await;
    let cookie = s.sign_in(TOKEN).await.expect("a session");
    let own = s.demo.fair_rent.to_hex();
    let (_, _, page) = get_page(&s, &format!("/practice/{own}"), Some(&cookie)).await;
    let csrf = csrf_of(&page).expect("a CSRF token on the practice page");
    assert!(
        page.contains("id=\"language-form\""),
        "the section is offered"
    );
    let (_, _, page) = get_page(
        &s,
        &format!("/practice/{}", s.demo.school_v2.to_hex()),
        Some(&cookie),
    )
    .await;
    assert!(
        !page.contains("id=\"language-form\""),
        "not on another city's practice"
    );
    let before = s.store.entry_count();
    let refused = |to: &str, rule: &str| {
        assert!(to.contains("language_error="), "{to}");
        assert!(to.contains(rule), "{rule}: {to}");
        assert!(to.contains("edit_lang="), "back to the same form: {to}");
        assert!(to.ends_with("#language-form"), "{to}");
    };
    for (practice, lang, title, rule) in [
        (s.demo.school_v2.to_hex(), "sv", "Skolor", "not_own_entry"),
        (own.clone(), "sv_SE!", "Rättvis hyra", "BCP%2047"),
        (
            own.clone(),
            "sv",
            "",
            "Title%20and%20summary%20are%20required",
        ),
        (s.demo.retracted.to_hex(), "sv", "Indragen", "not_"),
    ] {
        let response = post_form(
            &s,
            "/exchange",
            Some(&cookie),
            language_form(&csrf, &practice, lang, title),
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{rule}");
        refused(&location(&response), rule);
        assert_eq!(s.store.entry_count(), before, "{rule}: nothing stored");
    }

    // The city's own practice: a revision with Swedish beside the languages it had.
    let response = post_form(
        &s,
        "/exchange",
        Some(&cookie),
        language_form(&csrf, &own, "sv", "Rättvis hyra"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    assert!(to.contains("published=1"), "{to}");
    assert_eq!(s.store.entry_count(), before + 1);
    let revision_hex = to
        .trim_start_matches("/practice/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    let revision = coalition_record::EntryId::from_hex(&revision_hex).expect("an entry id");
    let stored = s.store.entry(&revision).expect("read").expect("stored");
    let Some(coalition_record::Payload::PracticeRevision(r)) = stored.payload() else {
        panic!("a revision: {:?}", stored.payload());
    };
    assert_eq!(r.supersedes, s.demo.fair_rent);
    assert_eq!(
        r.practice.title.get("sv").map(String::as_str),
        Some("Rättvis hyra")
    );
    let Some(coalition_record::Payload::Practice(old)) = s
        .store
        .entry(&s.demo.fair_rent)
        .expect("read")
        .expect("stored")
        .into_payload()
    else {
        panic!("the original practice");
    };
    for (tag, title) in &old.title {
        assert_eq!(r.practice.title.get(tag), Some(title), "{tag} kept");
    }

    // The version it replaced is no longer the one to edit.
    let response = post_form(
        &s,
        "/exchange",
        Some(&cookie),
        language_form(&csrf, &own, "it", "Affitto equo"),
    )
    .await;
    refused(&location(&response), "not_current");
    assert_eq!(s.store.entry_count(), before + 1);
}
