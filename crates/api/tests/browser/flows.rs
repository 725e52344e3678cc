//! What the browser test does on each page: search and read, publish, erase a contact, add a
//! language version, check accessibility with axe-core, and go through a reporting cycle.

use super::*;

pub(super) async fn scenario(c: &Client, s: &Server) {
    let (w, _) = DESKTOP;

    // Search page.
    c.goto(&s.url("/")).await.expect("search page loads");
    let h1 = text_of(c, "h1").await;
    assert_eq!(h1, "Find good practices");
    let total = text_of(c, "p.total").await;
    assert_eq!(total, "4 results");
    shot(c, "01-search", w).await;

    // Words, then a commitment filter.
    type_into(c, "#q", "housing").await;
    click_to_load(c, ".searchbox button[type=submit]").await;
    let first = text_of(c, "li.hit h3 a").await;
    assert!(first.starts_with("Fair Rent"), "first hit: {first}");
    assert!(
        !c.find_all(Locator::Css("li.hit mark"))
            .await
            .expect("marks")
            .is_empty(),
        "matched words are marked in the snippet"
    );
    click(c, "label[for=c7]").await;
    click_to_load(c, ".filters .actions button").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#c7:checked"))
        .await
        .expect("the commitment filter stays checked");
    let url = c.current_url().await.expect("url");
    assert!(url.as_str().contains("commitment=7"), "{url}");
    assert_eq!(text_of(c, "p.total").await, "1 result");
    shot(c, "02-search-results", w).await;

    // A practice.
    click_to_load(c, "li.hit h3 a").await;
    let badge = text_of(c, ".badge.ok").await;
    assert!(badge.contains("Signature verified"), "{badge}");
    let sig = text_of(c, "dl.sig").await;
    assert!(
        sig.contains(&s.demo.fair_rent.to_hex()),
        "the entry id is shown"
    );
    assert!(
        sig.contains(&common::valmeuse().public().to_hex()),
        "the author key is shown"
    );
    for lang in ["en", "fr", "de"] {
        c.find(Locator::Css(&format!("section#lang-{lang}")))
            .await
            .unwrap_or_else(|e| panic!("no {lang} section: {e}"));
    }
    assert!(
        !c.find_all(Locator::Css("section.related li"))
            .await
            .expect("related")
            .is_empty(),
        "related practices are listed on the practice page"
    );
    shot(c, "03-practice", w).await;

    // The interface in French.
    click_to_load(c, "ul.langs a[lang=fr]").await;
    let h1 = text_of(c, "h1").await;
    assert!(
        h1.starts_with("Louer sans discriminer"),
        "French title: {h1}"
    );
    let badge = text_of(c, ".badge.ok").await;
    assert!(badge.contains("Signature vérifiée"), "{badge}");
    c.goto(&s.url("/")).await.expect("search page in French");
    assert_eq!(
        text_of(c, "h1").await,
        "Trouver des bonnes pratiques",
        "the cookie keeps French"
    );
    shot(c, "04-search-fr", w).await;
    c.goto(&s.url("/?ui=en")).await.expect("back to English");

    // A question in English finds a practice written only in French, and says so.
    type_into(c, "#q", "history of the neighbourhood").await;
    click_to_load(c, ".searchbox button[type=submit]").await;
    let first = text_of(c, "li.hit h3 a").await;
    assert!(
        first.starts_with("Festival des mémoires"),
        "first hit: {first}"
    );
    let matched = text_of(c, "li.hit .matched-lang").await;
    assert_eq!(matched, "Matched in Français");
    shot(c, "04b-cross-language", w).await;

    // The search page in each interface language, chosen with the page's own switch.
    for (code, heading) in [
        ("de", "Gute Praxis finden"),
        ("es", "Encontrar buenas prácticas"),
        ("it", "Trova buone pratiche"),
        ("nl", "Goede praktijken vinden"),
        ("sv", "Hitta goda exempel"),
        ("pt", "Encontrar boas práticas"),
        ("en", "Find good practices"),
    ] {
        click_to_load(c, &format!("ul.langs a[lang={code}]")).await;
        assert_eq!(text_of(c, "h1").await, heading, "{code}");
        let lang = html_lang(c).await;
        assert_eq!(lang.as_deref(), Some(code));
        shot(c, &format!("04c-search-{code}"), w).await;
        // The other main pages in the same language (the cookie keeps it), the audit too.
        for (name, page) in [
            ("practice", format!("/practice/{}", s.demo.fair_rent)),
            ("city", "/city/Valmeuse".to_string()),
            ("reporting", "/cycles".to_string()),
            ("audit", "/audit".to_string()),
        ] {
            c.goto(&s.url(&page)).await.expect("page loads");
            let lang = html_lang(c).await;
            assert_eq!(lang.as_deref(), Some(code), "{page} in {code}");
            shot(c, &format!("04d-{name}-{code}"), w).await;
        }
        let audit_heading = text_of(c, "h1").await;
        let expected = coalition_i18n::fill(
            coalition_i18n::Ui::from_code(code)
                .expect("a ui")
                .t()
                .au_title,
            &[("name", &s.store.charter().name)],
        );
        assert_eq!(audit_heading, expected, "the audit's heading in {code}");
        c.goto(&s.url("/")).await.expect("search page");
    }

    // The publish form needs a sign-in with the node's API token first.
    c.goto(&s.url("/publish"))
        .await
        .expect("publish page loads");
    assert_eq!(text_of(c, "h1").await, "Sign in to publish");
    let url = c.current_url().await.expect("url");
    assert_eq!(url.path(), "/signin", "no session: sent to sign in");
    type_into(c, "#token", "not the token").await;
    click_to_load(c, "form.signin .actions button").await;
    assert!(
        text_of(c, "#error-summary")
            .await
            .contains("not this node's token"),
        "a wrong token is refused"
    );
    type_into(c, "#token", common::TOKEN).await;
    click_to_load(c, "form.signin .actions button").await;

    // The publish form: no title, then a field error next to the title.
    assert_eq!(text_of(c, "h1").await, "Publish a good practice");
    type_into(
        c,
        "#f-summary",
        "Volunteer ambassadors listen to residents and relay reports of discrimination.",
    )
    .await;
    click(c, "label[for=f-c1]").await;
    click(c, "label[for=f-c4]").await;
    click(c, "label[for=f-g-racial_or_ethnic_origin]").await;
    click(c, "label[for=f-g-religion_or_belief]").await;
    type_into(c, "#f-period_start", "2025-01").await;
    type_into(c, "#f-partners", "Valmeuse Youth Council").await;
    click_to_load(c, "form.publish .actions button").await;
    let error = text_of(c, "#f-title-error").await;
    assert!(error.contains("Required"), "title error: {error}");
    let invalid = c
        .find(Locator::Css("#f-title"))
        .await
        .expect("title field")
        .attr("aria-invalid")
        .await
        .expect("attribute read");
    assert_eq!(invalid.as_deref(), Some("true"));
    let active = c.active_element().await.expect("active element");
    assert_eq!(
        active.attr("id").await.expect("id read").as_deref(),
        Some("error-summary"),
        "focus moves to the error summary"
    );
    let kept = c
        .find(Locator::Css("#f-summary"))
        .await
        .expect("summary field")
        .prop("value")
        .await
        .expect("value read")
        .unwrap_or_default();
    assert!(
        kept.starts_with("Volunteer ambassadors"),
        "typed text is kept"
    );
    shot(c, "05-publish-field-error", w).await;

    // Add the title and publish.
    type_into(c, "#f-title", "Neighbourhood anti-racism ambassadors").await;
    click_to_load(c, "form.publish .actions button").await;
    let notice = text_of(c, ".notice.ok").await;
    assert!(notice.starts_with("Published."), "{notice}");
    assert_eq!(
        text_of(c, "h1").await,
        "Neighbourhood anti-racism ambassadors"
    );
    assert!(text_of(c, ".badge.ok").await.contains("Signature verified"));
    let facts = text_of(c, "main").await;
    assert!(
        facts.contains("Religion or belief"),
        "the grounds ticked on the form are on the practice: {facts}"
    );
    shot(c, "06-published-practice", w).await;
    assert_eq!(s.store.entry_count(), 10, "the practice is in the store");

    // The city page, and the new practice found by search.
    c.goto(&s.url("/city/Valmeuse"))
        .await
        .expect("city page loads");
    let practices = text_of(c, "#practices-h").await;
    assert_eq!(practices, "Practices (2)");
    shot(c, "07-city", w).await;

    // The Steering Committee's audit of the same data, as standalone HTML.
    c.goto(&s.url("/audit")).await.expect("audit page loads");
    assert!(
        text_of(c, "h1").await.contains("Audit"),
        "the audit page has its heading"
    );
    shot(c, "07b-audit", w).await;
    c.goto(&s.url("/?q=ambassadors")).await.expect("search");
    assert!(text_of(c, "li.hit h3 a").await.starts_with("Neighbourhood"));

    // Issue 17: on Marbourg's festival, ask a question and record that Valmeuse took it up,
    // through the page's own forms.
    c.goto(&s.url(&format!("/practice/{}", s.demo.festival)))
        .await
        .expect("festival page loads");
    type_into(
        c,
        "#question-form textarea[name=text]",
        "Who funds the travelling exhibition?",
    )
    .await;
    click_to_load(c, "#question-form button").await;
    let questions = text_of(c, "#questions").await;
    assert!(
        questions.contains("Who funds the travelling exhibition?")
            && questions.contains("Not answered yet"),
        "{questions}"
    );
    type_into(c, "#adoption-form input[name=start]", "2025-09").await;
    click(c, "#adoption-form input[name=adapted]").await;
    type_into(
        c,
        "#adoption-form textarea[name=changes]",
        "Held in the libraries only.",
    )
    .await;
    click_to_load(c, "#adoption-form button").await;
    let adoptions = text_of(c, "#adoptions").await;
    assert!(
        adoptions.contains("Valmeuse") && adoptions.contains("adapted"),
        "{adoptions}"
    );
    shot(c, "07c-question-and-adoption", w).await;
    c.goto(&s.url("/exchange"))
        .await
        .expect("exchange page loads");
    assert!(text_of(c, "ul.adoptions")
        .await
        .contains("Marbourg → Valmeuse"));
    shot(c, "07d-exchange", w).await;

    // Phone width: the filters stack under the search box, nothing overflows sideways.
    let (pw, ph) = PHONE;
    c.set_window_size(pw, ph).await.expect("phone size");
    c.goto(&s.url("/?q=school"))
        .await
        .expect("search on a phone");
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .expect("script ran");
    assert_eq!(
        overflow,
        Value::Bool(false),
        "the search page fits a phone's width"
    );
    let folded = c
        .execute(
            "return document.querySelector('details.filters-box').open;",
            vec![],
        )
        .await
        .expect("script ran");
    assert_eq!(
        folded,
        Value::Bool(false),
        "on a phone the filters start folded"
    );
    shot(c, "08-phone-search", pw).await;
    c.set_window_size(pw, ph).await.expect("phone size");
    c.goto(&s.url(&format!("/practice/{}", s.demo.fair_rent)))
        .await
        .expect("practice on a phone");
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await
        .expect("script ran");
    assert_eq!(
        overflow,
        Value::Bool(false),
        "the practice page fits a phone's width"
    );
    shot(c, "09-phone-practice", pw).await;
    c.set_window_size(pw, ph).await.expect("phone size");
    c.goto(&s.url("/publish")).await.expect("form on a phone");
    shot(c, "10-phone-publish", pw).await;

    c.set_window_size(DESKTOP.0, DESKTOP.1)
        .await
        .expect("desktop size");
    reporting_cycle(c, s).await;
    accessibility(c, s).await;
    let current = erase_contact(c, s).await;
    language_version(c, s, &current).await;
    c.goto(&s.url("/publish")).await.expect("publish page");

    // Sign out: the form is gone until the next sign-in.
    c.set_window_size(DESKTOP.0, DESKTOP.1)
        .await
        .expect("desktop size");
    click_to_load(c, "form.signout button").await;
    c.goto(&s.url("/publish"))
        .await
        .expect("publish page loads");
    assert_eq!(text_of(c, "h1").await, "Sign in to publish");
}

/// Issue #16: the signed-in local city erases the contact person of its practice from the
/// practice page; the page it lands on is the practice again, without the contact. Returns the
/// path of that new version.
pub(super) async fn erase_contact(c: &Client, s: &Server) -> String {
    c.goto(&s.url(&format!("/practice/{}", s.demo.fair_rent)))
        .await
        .expect("practice page");
    let page = c.source().await.expect("page source");
    assert!(
        page.contains("fair-housing@valmeuse.example"),
        "the contact is shown first"
    );
    type_into(c, "#erase-form input[name=reason]", "the coordinator left").await;
    shot(c, "14-erase-form", DESKTOP.0).await;
    click_to_load(c, "#erase-form button[type=submit]").await;
    let url = c.current_url().await.expect("url");
    assert_ne!(
        url.path(),
        format!("/practice/{}", s.demo.fair_rent),
        "the page shows the new version"
    );
    assert!(text_of(c, "h1").await.starts_with("Fair Rent"));
    let page = c.source().await.expect("page source");
    assert!(
        !page.contains("fair-housing@valmeuse.example"),
        "the contact is gone"
    );
    let erasures: Value =
        serde_json::from_str(&plain_get(&s.url("/api/v1/erasures")).await).expect("erasures json");
    assert_eq!(
        erasures["erasures"][0]["reason"], "the coordinator left",
        "{erasures}"
    );
    url.path().to_string()
}

/// Issue #21: the signed-in local city adds a Swedish version of its own practice from the page,
/// with the English beside each field; it lands on the revision, whose page in Swedish shows
/// the Swedish title, and in English the English one.
pub(super) async fn language_version(c: &Client, s: &Server, practice: &str) {
    c.goto(&s.url(&format!("{practice}?ui=en")))
        .await
        .expect("practice page");
    click_to_load(c, "#language-form a[href*='edit_lang=sv']").await;
    let reference = text_of(c, "#language-edit .lv-ref").await;
    assert!(
        reference.contains("Fair Rent"),
        "English beside: {reference}"
    );
    type_into(c, "#lv-title", "Rättvis hyra: testning av hyresvärdar").await;
    type_into(
        c,
        "#lv-summary",
        "Parade ansökningar visar diskriminering på bostadsmarknaden.",
    )
    .await;
    shot(c, "15-language-form", DESKTOP.0).await;
    let axe = axe_script();
    let problems = axe_violations(c, &axe).await;
    assert!(
        problems.is_empty(),
        "axe-core on the language form: {problems:?}"
    );
    click_to_load(c, "#language-edit button[type=submit]").await;
    let url = c.current_url().await.expect("url");
    assert_ne!(url.path(), practice, "the page shows the revision");
    assert!(
        c.source()
            .await
            .expect("page source")
            .contains("class=\"notice ok\""),
        "published notice"
    );
    c.goto(&s.url(&format!("{}?ui=sv", url.path())))
        .await
        .expect("revision in Swedish");
    assert_eq!(
        text_of(c, "h1").await,
        "Rättvis hyra: testning av hyresvärdar"
    );
    c.goto(&s.url(&format!("{}?ui=en", url.path())))
        .await
        .expect("revision in English");
    assert!(text_of(c, "h1").await.starts_with("Fair Rent"));
    // Refused, with the reason on the form: the same again changes nothing.
    click_to_load(c, "#language-form a[href*='edit_lang=sv']").await;
    click_to_load(c, "#language-edit button[type=submit]").await;
    assert!(
        text_of(c, "#language-form p.notice.error")
            .await
            .contains("Nothing changed"),
        "an unchanged version is not published"
    );
}

/// A GET of a JSON document from the test server, without a browser.
pub(super) async fn plain_get(url: &str) -> String {
    let url = url.strip_prefix("http://").expect("http url");
    let (host, path) = url
        .split_once('/')
        .map_or((url, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let mut stream = tokio::net::TcpStream::connect(host).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    response
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string())
}

/// axe-core's script (the WCAG rules run in the page): `COALITION_AXE`, which `scripts/test`
/// sets after installing axe-core from the npm registry.
pub(super) fn axe_script() -> String {
    let Some(path) = std::env::var_os("COALITION_AXE") else {
        panic!("COALITION_AXE is not set: run the tests with scripts/test (it installs axe-core from npm), or set it to axe.min.js (npm install axe-core)");
    };
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read axe-core at {}: {e}",
            Path::new(&path).display()
        )
    })
}

/// axe-core's WCAG 2.1 A and AA violations on the page loaded, one line each.
pub(super) async fn axe_violations(c: &Client, axe: &str) -> Vec<String> {
    c.execute(axe, vec![])
        .await
        .expect("axe-core loads in the page");
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => done({passes: r.passes.length, violations: r.violations.map(v => v.id + ' (' +
      v.impact + '): ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))}))
  .catch(e => done({passes: 0, violations: ['axe-core failed: ' + e]}));"#,
            vec![],
        )
        .await
        .expect("axe-core ran");
    // Rules that passed: the check looked at the page (an empty run would pass nothing).
    let passes = found["passes"].as_u64().unwrap_or(0);
    assert!(passes > 10, "axe-core checked almost nothing: {found}");
    serde_json::from_value(found["violations"].clone()).expect("a list of violations")
}

/// Issue #21: axe-core reports no WCAG 2.1 A or AA violation on the search, practice, city,
/// publish and audit pages, at desktop and phone widths (signed in, so the publish form shows).
pub(super) async fn accessibility(c: &Client, s: &Server) {
    let axe = axe_script();
    let pages = [
        "/".to_string(),
        format!("/practice/{}", s.demo.fair_rent),
        "/city/Valmeuse".to_string(),
        "/publish".to_string(),
        "/audit?ui=de".to_string(),
        // Back to English: `?ui=` is remembered for the steps after this one.
        "/audit?ui=en".to_string(),
    ];
    let mut problems = Vec::new();
    for (width, height) in [DESKTOP, PHONE] {
        c.set_window_size(width, height).await.expect("window size");
        for page in &pages {
            c.goto(&s.url(page)).await.expect("page loads");
            for v in axe_violations(c, &axe).await {
                problems.push(format!("{page} at {width} px: {v}"));
            }
        }
    }
    c.set_window_size(DESKTOP.0, DESKTOP.1)
        .await
        .expect("desktop size");
    assert!(
        problems.is_empty(),
        "axe-core (WCAG 2.1 A/AA) found:\n{}",
        problems.join("\n")
    );
}

/// Issue #18: the committee opens a cycle; the signed-in city fills its form, saves a draft,
/// reloads, publishes; the audit page shows the city on time, with the indicator chart.
pub(super) async fn reporting_cycle(c: &Client, s: &Server) {
    use coalition_record::calendar::{date_of_ms, DAY_MS};
    use coalition_record::cycle::{CycleCommitment, CycleDecision, IndicatorSpec};
    let w = DESKTOP.0;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    let mut decision = coalition_record::SignedCycleDecision::unsigned(CycleDecision {
        network_id: s.store.network_id(),
        period: "2026".into(),
        title: common::text(&[("en", "Ten-Point Plan report 2026")]),
        opens: date_of_ms(now - 10 * DAY_MS),
        deadline: date_of_ms(now + 30 * DAY_MS),
        commitments: vec![CycleCommitment {
            commitment: 3,
            questions: common::text(&[("en", "How can victims reach the city?")]),
            narrative_required: true,
            indicators: vec![IndicatorSpec {
                name: "complaints received".into(),
                unit: "complaints".into(),
                required: true,
            }],
        }],
        reviewers: Vec::new(),
        amends: None,
        decided_ms: now - 10 * DAY_MS,
    });
    decision.sign_with(&common::committee_key());
    let cycle = decision.id();
    s.store
        .publish_local(
            &common::lindenau(),
            &[coalition_record::Payload::ReportingCycle(decision)],
            now - 10 * DAY_MS,
        )
        .expect("the committee's decision is published");

    c.goto(&s.url("/cycles")).await.expect("reporting page");
    let reminder = text_of(c, "section.reminders li").await;
    // The deadline day counts whole: 30 days and part of a day are 31 days left.
    assert!(reminder.contains("due in 31 days"), "{reminder}");
    click_to_load(c, &format!("tr[data-cycle='{cycle}'] a")).await;
    assert_eq!(text_of(c, "h1").await, "2026: Ten-Point Plan report 2026");
    click(c, "#status_3 option[value=in_progress]").await;
    type_into(
        c,
        "#narrative_3",
        "A counselling office answers every complaint within a month.",
    )
    .await;
    click_to_load(c, "button[value=draft]").await;
    assert_eq!(text_of(c, "p.notice").await, "Draft saved on this node.");
    // A reload shows the draft from the node, not from the browser.
    c.goto(&s.url(&format!("/cycle/{cycle}")))
        .await
        .expect("reload");
    let narrative = c
        .find(Locator::Css("#narrative_3"))
        .await
        .expect("narrative")
        .prop("value")
        .await
        .expect("value");
    assert_eq!(
        narrative.as_deref(),
        Some("A counselling office answers every complaint within a month.")
    );
    shot(c, "11-cycle-draft", w).await;
    type_into(c, "#ind_3_0", "41").await;
    click_to_load(c, "button[value=publish]").await;
    let notice = text_of(c, "p.notice").await;
    assert!(notice.starts_with("Report published: entry "), "{notice}");
    assert!(
        !s.store.cycles().expect("cycles").is_empty(),
        "the cycle is on the node"
    );

    // The reporting page in French, with the city's state in French.
    c.goto(&s.url(&format!("/cycle/{cycle}?ui=fr")))
        .await
        .expect("French");
    assert_eq!(
        text_of(c, "button[value=publish]").await,
        "Publier le rapport"
    );
    let row = text_of(c, "tr[data-city='Valmeuse']").await;
    assert!(row.contains("dans les délais"), "{row}");
    shot(c, "11b-cycle-fr", w).await;
    c.goto(&s.url("/cycles?ui=en"))
        .await
        .expect("back to English");

    // The committee's audit page: on time, and the chart of the indicator.
    c.goto(&s.url("/audit")).await.expect("audit page");
    let row = text_of(
        c,
        &format!("section[data-cycle='{cycle}'] tr[data-city='Valmeuse']"),
    )
    .await;
    assert!(row.contains("on time"), "{row}");
    let caption = text_of(c, "figure.indicator-chart figcaption").await;
    assert!(caption.contains("complaints received"), "{caption}");
    shot(c, "12-audit-cycle", w).await;
}
