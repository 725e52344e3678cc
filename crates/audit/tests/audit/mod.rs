//! Audits and bundles over a real store (RocksDB in a temporary directory) holding a coalition
//! with known facts: Lyon reported for 2025, Graz only for 2024, Malmö retracted a practice,
//! Bologna forked at seq 2, and Ghent's entry 4 arrived while this node holds only 1 and 2.

use coalition_audit::{
    audit, export, render_html, render_markdown, sign_report, verify_bundle, verify_signed_report,
    AuditReport, Bundle,
};
use coalition_record::calendar::DAY_MS;
use coalition_record::payload::Retraction;
use coalition_record::testing::{
    admit, bare_practice, committee_key, event_update, roster_change, CREATED_MS,
};
use coalition_record::{
    ActivityReport, Charter, CommitmentReport, Hash32, LangText, Payload, Period, Practice,
    PublicKey, ReportStatus, SecretKey, SignedEntry, SignedRosterChange, WireEntry,
};
use coalition_store::{IngestOutcome, Store};
use tempfile::TempDir;

mod bundles;

/// 2025-01-01T00:00:00Z.
const T2025: i64 = 1_735_689_600_000;

fn committee() -> [SecretKey; 2] {
    [committee_key(), SecretKey::from_seed([11; 32])]
}
fn lyon() -> SecretKey {
    SecretKey::from_seed([2; 32])
}
fn graz() -> SecretKey {
    SecretKey::from_seed([3; 32])
}
fn malmo() -> SecretKey {
    SecretKey::from_seed([4; 32])
}
fn bologna() -> SecretKey {
    SecretKey::from_seed([5; 32])
}
fn ghent() -> SecretKey {
    SecretKey::from_seed([6; 32])
}

fn text(t: &str) -> LangText {
    [("en".to_string(), t.to_string())].into_iter().collect()
}

fn practice(title: &str) -> Payload {
    Payload::Practice(Practice {
        city: "Somewhere".into(),
        country: "FR".into(),
        ..bare_practice(text(title), text("A summary."), &[7], "2024-01")
    })
}

fn update(title: &str) -> Payload {
    Payload::ActivityUpdate(event_update("2025-03-01", text(title), text("Text."), &[1]))
}

fn report(city: &str, country: &str, period: &str, items: &[(u8, ReportStatus)]) -> Payload {
    Payload::ActivityReport(ActivityReport {
        cycle: None,
        city: city.into(),
        country: country.into(),
        period: period.into(),
        narrative: text("Our year."),
        commitments: items
            .iter()
            .map(|(c, s)| CommitmentReport {
                commitment: *c,
                status: *s,
                narrative: LangText::new(),
                indicators: vec![],
            })
            .collect(),
        illustrative: true,
        grounds: Vec::new(),
    })
}

fn roster_history(charter: &Charter) -> Vec<SignedRosterChange> {
    let cities = [
        (lyon(), "Lyon", "FR"),
        (graz(), "Graz", "AT"),
        (malmo(), "Malmo", "SE"),
        (bologna(), "Bologna", "IT"),
        (ghent(), "Ghent", "BE"),
    ];
    let mut out: Vec<SignedRosterChange> = Vec::new();
    for (i, (key, name, country)) in cities.iter().enumerate() {
        let mut signed = SignedRosterChange::unsigned(roster_change(
            charter.network_id(),
            i as u64 + 1,
            out.last().map(|c| c.id()),
            admit(key.public(), name, country),
        ));
        for k in committee() {
            signed.sign_with(&k);
        }
        out.push(signed);
    }
    out
}

struct Fixture {
    _tmp: TempDir,
    store: Store,
    retracted: Hash32,
    retraction_reason: String,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().expect("tempdir");
    let [k1, k2] = committee();
    let charter = Charter::new(
        "Audit Test Coalition",
        vec![k1.public(), k2.public()],
        2,
        CREATED_MS,
    )
    .expect("charter");
    let store = Store::create(&tmp.path().join("store"), &charter).expect("store");
    for change in roster_history(&charter) {
        store.apply_roster_change(&change).expect("roster");
    }
    let day = |n: i64| T2025 + n * DAY_MS;
    // Lyon: an update, its 2025 report, another update.
    store
        .append_local(&lyon(), &update("Lyon week"), day(1))
        .expect("append");
    store
        .append_local(
            &lyon(),
            &report(
                "Lyon",
                "FR",
                "2025",
                &[(3, ReportStatus::InProgress), (7, ReportStatus::Done)],
            ),
            day(40),
        )
        .expect("append");
    store
        .append_local(&lyon(), &update("Lyon later"), day(60))
        .expect("append");
    // Graz: a practice and a report for 2024 only.
    store
        .append_local(&graz(), &practice("Graz practice"), day(2))
        .expect("append");
    store
        .append_local(
            &graz(),
            &report("Graz", "AT", "2024", &[(1, ReportStatus::Done)]),
            day(3),
        )
        .expect("append");
    // Malmö: a practice, then its retraction.
    let target = store
        .append_local(&malmo(), &practice("Malmo practice"), day(4))
        .expect("append")
        .id();
    let reason = "Counted twice in the annual figures".to_string();
    store
        .append_local(
            &malmo(),
            &Payload::Retraction(Retraction {
                target,
                reason: reason.clone(),
            }),
            day(5),
        )
        .expect("append");
    // Bologna: seq 1 and 2, then a second validly signed entry at seq 2.
    let first = store
        .append_local(&bologna(), &update("Bologna one"), day(6))
        .expect("append");
    store
        .append_local(&bologna(), &update("Bologna two"), day(7))
        .expect("append");
    let (other, blob) = SignedEntry::create(
        &bologna(),
        store.network_id(),
        2,
        Some(first.id()),
        day(8),
        &update("Bologna two, other version"),
    );
    let outcome = store
        .ingest(vec![WireEntry::new(&other, Some(blob))])
        .expect("ingest");
    assert!(
        matches!(outcome[0], IngestOutcome::Fork { .. }),
        "{outcome:?}"
    );
    // Ghent: seq 1 and 2 held; seq 4 arrives without 3 and is not stored.
    store
        .append_local(&ghent(), &update("Ghent one"), day(9))
        .expect("append");
    let second = store
        .append_local(&ghent(), &update("Ghent two"), day(10))
        .expect("append");
    let (third, _) = SignedEntry::create(
        &ghent(),
        store.network_id(),
        3,
        Some(second.id()),
        day(11),
        &update("Ghent three"),
    );
    let (fourth, blob) = SignedEntry::create(
        &ghent(),
        store.network_id(),
        4,
        Some(third.id()),
        day(12),
        &update("Ghent four"),
    );
    let outcome = store
        .ingest(vec![WireEntry::new(&fourth, Some(blob))])
        .expect("ingest");
    assert!(
        matches!(
            outcome[0],
            IngestOutcome::Gap {
                seq: 4,
                have: 2,
                ..
            }
        ),
        "{outcome:?}"
    );
    Fixture {
        _tmp: tmp,
        store,
        retracted: target,
        retraction_reason: reason,
    }
}

fn city<'a>(report: &'a AuditReport, name: &str) -> &'a coalition_audit::CityAudit {
    report
        .cities
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} is in the audit"))
}

fn run_audit(f: &Fixture) -> AuditReport {
    audit(&f.store, Some("2025"), &[(ghent().public(), 4)]).expect("audit")
}

#[test]
fn audit_states_each_known_fact() {
    let f = fixture();
    let r = run_audit(&f);
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["period"], "2025");
    assert_eq!(r.cities.len(), 5);

    let l = city(&r, "Lyon");
    assert_eq!(l.entries, 3);
    assert_eq!(l.last_seq, Some(3));
    assert_eq!(l.last_hash, f.store.head(&lyon().public()).map(|(_, h)| h));
    assert!(l.verified && l.problems.is_empty() && !l.has_problems);
    assert_eq!(l.filed_for_period, Some(true));
    assert_eq!(
        l.period_commitments.get(&3).map(String::as_str),
        Some("in_progress")
    );
    assert_eq!(
        l.period_commitments.get(&7).map(String::as_str),
        Some("done")
    );
    assert_eq!(l.last_activity_ms, Some(T2025 + 60 * DAY_MS));

    let g = city(&r, "Graz");
    assert_eq!(g.filed_for_period, Some(false));
    assert_eq!(g.reports.len(), 1);
    assert_eq!(g.reports[0].period, "2024");

    let m = city(&r, "Malmo");
    assert_eq!(m.retractions.len(), 1);
    assert_eq!(m.retractions[0].target, f.retracted);
    assert_eq!(m.retractions[0].target_seq, Some(1));
    assert_eq!(m.retractions[0].seq, 2);
    assert_eq!(m.retractions[0].reason, f.retraction_reason);
    assert!(!m.has_problems, "a retraction is not a problem");

    let b = city(&r, "Bologna");
    assert_eq!(b.forks.len(), 1);
    assert_eq!(b.forks[0].seq, 2);
    assert!(b.forks[0].valid);
    assert_eq!(b.entries, 2);
    assert!(b.has_problems);

    let gh = city(&r, "Ghent");
    assert_eq!(gh.entries, 2);
    assert_eq!(gh.last_seq, Some(2));
    assert_eq!(gh.peer_frontier, Some(4));
    assert_eq!(gh.gaps.len(), 1);
    assert_eq!((gh.gaps[0].from_seq, gh.gaps[0].to_seq), (3, 4));
    assert_eq!(gh.gaps[0].source, "peer");
    assert_eq!(gh.gaps[0].detail, "peers announce seq 4, this node has 2");
    assert!(
        gh.verified,
        "what is held verifies; the gap is reported separately"
    );

    let s = &r.summary;
    assert_eq!(s.active_cities, 5);
    assert_eq!(s.cities_filed, vec!["Lyon".to_string()]);
    assert_eq!(s.cities_missing.len(), 4);
    assert_eq!(s.compliance_rate, Some(0.2));
    assert_eq!(s.per_commitment.len(), 10);
    assert_eq!(s.per_commitment[2].cities, 1, "commitment 3: Lyon");
    assert_eq!(s.per_commitment[6].cities, 1, "commitment 7: Lyon");
    assert_eq!(
        s.per_commitment[0].cities, 0,
        "Graz's 2024 report does not count for 2025"
    );
    assert_eq!(s.per_commitment[6].title, "Fair Access to Housing");
    assert_eq!(
        s.cities_with_problems,
        vec!["Bologna".to_string(), "Ghent".to_string()]
    );
    assert_eq!(s.fork_proofs, 1);
    assert_eq!(s.entries, 11);

    // Without a period the latest year reported is used.
    let auto = audit(&f.store, None, &[]).expect("audit");
    assert_eq!(auto.period.as_deref(), Some("2025"));
    // A half-year is covered by the annual report.
    let h1 = audit(&f.store, Some("2025-H1"), &[]).expect("audit");
    assert_eq!(h1.summary.cities_filed, vec!["Lyon".to_string()]);
    let y2024 = audit(&f.store, Some("2024"), &[]).expect("audit");
    assert_eq!(y2024.summary.cities_filed, vec!["Graz".to_string()]);
}

#[test]
fn markdown_and_html_carry_the_facts() {
    let f = fixture();
    let r = run_audit(&f);
    let md = render_markdown(&r, None);
    let html = render_html(&r, None);
    for doc in [&md, &html] {
        assert!(doc.contains("peers announce seq 4, this node has 2"), "gap");
        assert!(doc.contains("fork at seq 2"), "fork");
        assert!(doc.contains(&f.retraction_reason), "retraction reason");
        assert!(doc.contains(&f.retracted.to_hex()), "retraction target");
        assert!(doc.contains("report for 2025 at seq 2"), "Lyon's report");
        assert!(doc.contains("20 %"), "compliance");
        assert!(doc.contains("Fair Access to Housing"));
        assert!(doc.contains("missing"));
    }
    assert!(md.contains("| Graz | AT | active | 2 |"), "{md}");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg") && html.contains("@media print"));
    assert!(
        !html.contains("http://") || html.matches("http://").count() == 1,
        "only the SVG namespace"
    );
    assert!(
        !html.contains("<script") && !html.contains("<link"),
        "no external assets"
    );
    assert_eq!(
        html.matches("class=\"bar\"").count(),
        10,
        "one bar per commitment"
    );
}

#[test]
fn signed_report_verifies_and_tampering_is_caught() {
    let f = fixture();
    let r = run_audit(&f);
    let key = &committee()[0];
    let signed = sign_report(&r, key).expect("sign");
    let bytes = serde_json::to_vec_pretty(&signed).expect("json");
    let (signer, back) = verify_signed_report(&bytes).expect("verifies");
    assert_eq!(signer, key.public());
    assert_eq!(back, r);
    let text = String::from_utf8(bytes).expect("utf8");
    let tampered = text.replace("\"compliance_rate\": 0.2", "\"compliance_rate\": 0.8");
    assert_ne!(tampered, text);
    assert!(verify_signed_report(tampered.as_bytes()).is_err());
    let md = render_markdown(&r, Some(&signed));
    assert!(md.contains(&key.public().to_hex()));
}

/// Issue 17: the audit lists current practices that address more than one ground of
/// discrimination, in every format, and a signed report carrying the table verifies.
#[test]
fn practices_with_several_grounds_are_tabled_and_the_report_still_signs() {
    let f = fixture();
    let r = run_audit(&f);
    assert!(r.summary.multiple_grounds.is_empty());
    let json = serde_json::to_string(&r).expect("json");
    assert!(
        !json.contains("multiple_grounds"),
        "left out when empty, so older signed reports verify as they were"
    );

    let with = |title: &str, grounds: &[&str]| {
        let Payload::Practice(mut p) = practice(title) else {
            unreachable!("practice() makes a practice")
        };
        p.grounds = grounds.iter().map(|g| g.to_string()).collect();
        Payload::Practice(p)
    };
    let several = f
        .store
        .append_local(
            &graz(),
            &with(
                "Faith and origin",
                &["racial_or_ethnic_origin", "religion_or_belief"],
            ),
            T2025 + 90 * DAY_MS,
        )
        .expect("append");
    f.store
        .append_local(
            &graz(),
            &with("Origin only", &["racial_or_ethnic_origin"]),
            T2025 + 91 * DAY_MS,
        )
        .expect("append");
    let r = run_audit(&f);
    assert_eq!(
        r.summary.multiple_grounds.len(),
        1,
        "{:?}",
        r.summary.multiple_grounds
    );
    let m = &r.summary.multiple_grounds[0];
    assert_eq!(m.entry, several.id());
    assert_eq!(m.title, "Faith and origin");
    assert_eq!(m.grounds, ["racial_or_ethnic_origin", "religion_or_belief"]);
    let md = render_markdown(&r, None);
    assert!(md.contains("## Multiple discrimination"), "{md}");
    assert!(
        md.contains("| Faith and origin | Racial or ethnic origin, Religion or belief |"),
        "{md}"
    );
    assert!(render_html(&r, None).contains("<td>Faith and origin</td>"));
    let key = &committee()[0];
    let signed = sign_report(&r, key).expect("sign");
    let bytes = serde_json::to_vec(&signed).expect("json");
    let (_, back) = verify_signed_report(&bytes).expect("verifies");
    assert_eq!(back, r);
}

/// Issue 21: the audit page in each interface language: its headings, the commitment titles,
/// the grounds and the findings' words in that language, the signed content as it was signed.
#[test]
fn the_audit_page_speaks_each_interface_language() {
    use coalition_i18n::Ui;
    let f = fixture();
    let r = run_audit(&f);
    let english = render_html(&r, None);
    let mut pages = std::collections::BTreeSet::new();
    // The page escapes its text as maud does (apostrophes need no escaping in element text and
    // double-quoted attributes).
    let escaped = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    for ui in Ui::ALL {
        let page = coalition_audit::render_html_in(&r, None, ui);
        let t = ui.t();
        assert!(
            page.contains(&format!("<html lang=\"{}\">", ui.code())),
            "{ui:?}"
        );
        assert!(
            page.contains(&escaped(&coalition_i18n::fill(
                t.au_title,
                &[("name", &r.coalition)]
            ))),
            "{ui:?} title"
        );
        for text in [
            t.au_compliance,
            t.au_with_problems,
            t.au_last_hash,
            t.au_verified,
        ] {
            assert!(page.contains(&escaped(text)), "{ui:?}: '{text}' missing");
        }
        // The chart's commitment titles, and the fork finding, in this language.
        assert!(
            page.contains(&escaped(ui.commitment(7))),
            "{ui:?} commitment 7"
        );
        let fork_words = t.au_fork.split('{').next().unwrap_or_default();
        assert!(
            page.contains(&escaped(fork_words)),
            "{ui:?}: '{fork_words}'"
        );
        // Content stays as signed.
        assert!(
            page.contains(&f.retraction_reason),
            "{ui:?} retraction reason"
        );
        if ui != Ui::En {
            assert!(
                !page.contains("Fair Access to Housing"),
                "{ui:?} English title"
            );
        }
        pages.insert(page);
    }
    assert_eq!(pages.len(), 8, "eight different pages");
    assert_eq!(coalition_audit::render_html_in(&r, None, Ui::En), english);
}

/// Issue 17: adoptions between cities are in the audit, as in the API.
#[test]
fn practices_taken_up_between_cities_are_in_the_audit() {
    let f = fixture();
    let graz_practice = f
        .store
        .entry_at(&graz().public(), 1)
        .expect("read")
        .expect("Graz's practice");
    assert!(matches!(
        graz_practice.payload(),
        Some(Payload::Practice(_))
    ));
    let adoption = f
        .store
        .append_local(
            &lyon(),
            &Payload::PracticeAdoption(coalition_record::PracticeAdoption {
                source: graz_practice.id(),
                adapted: false,
                changes: LangText::new(),
                period: Period {
                    start: "2025-02".into(),
                    end: None,
                },
                results: LangText::new(),
                illustrative: true,
            }),
            T2025 + 100 * DAY_MS,
        )
        .expect("append");
    let r = run_audit(&f);
    assert_eq!(r.summary.adoptions.len(), 1);
    let a = &r.summary.adoptions[0];
    assert_eq!((a.from.as_str(), a.to.as_str()), ("Graz", "Lyon"));
    assert_eq!(a.adoption, adoption.id());
    let md = render_markdown(&r, None);
    assert!(
        md.contains("## Exchange: practices taken up between cities"),
        "{md}"
    );
    assert!(md.contains("| Graz | Lyon |"), "{md}");
}
