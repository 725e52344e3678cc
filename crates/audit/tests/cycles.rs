//! Reporting cycles in the audit (issue #18) over a real store: timeliness computed exactly for
//! cities on time, late, missing, on time only thanks to an amended deadline, and due in an open
//! cycle; the CSV exports hold exactly the JSON's rows.

use coalition_audit::{audit_at, audit_cycles, indicators_csv, render_html, timeliness_csv};
use coalition_record::calendar::{day_start_ms, DAY_MS};
use coalition_record::cycle::{CycleCommitment, CycleDecision, IndicatorSpec, ReportFeedback};
use coalition_record::testing::{admit, charter_named, committee_key, signed_change};
use coalition_record::{
    ActivityReport, Charter, CommitmentReport, Hash32, Indicator, LangText, Payload, ReportStatus,
    SecretKey, SignedCycleDecision,
};
use coalition_store::Store;

fn text(t: &str) -> LangText {
    [("en".to_string(), t.to_string())].into_iter().collect()
}

const CITIES: [(&str, &str, u8); 5] = [
    ("Lyon", "FR", 2),
    ("Graz", "AT", 3),
    ("Malmö", "SE", 4),
    ("Ghent", "BE", 5),
    ("Bologna", "IT", 6),
];

fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed([seed; 32])
}

fn setup(dir: &std::path::Path) -> (Charter, Store) {
    let charter = charter_named("Cycle Audit Coalition");
    let store = Store::create(dir, &charter).expect("valid in the test");
    let mut prev = None;
    for (i, (name, country, seed)) in CITIES.iter().enumerate() {
        let change = signed_change(
            charter.network_id(),
            i as u64 + 1,
            prev,
            admit(key(*seed).public(), name, country),
        );
        prev = Some(change.id());
        store
            .apply_roster_change(&change)
            .expect("valid in the test");
    }
    (charter, store)
}

fn decision(charter: &Charter, period: &str, deadline: &str, amends: Option<Hash32>) -> Payload {
    let mut signed = SignedCycleDecision::unsigned(CycleDecision {
        network_id: charter.network_id(),
        period: period.into(),
        title: text(&format!("Report {period}")),
        opens: format!(
            "{}-01-01",
            &period[..4].parse::<u32>().expect("valid in the test") + 1
        ),
        deadline: deadline.into(),
        commitments: vec![CycleCommitment {
            commitment: 3,
            questions: text("How do victims reach you?"),
            narrative_required: false,
            indicators: vec![IndicatorSpec {
                name: "complaints received".into(),
                unit: "complaints".into(),
                required: true,
            }],
        }],
        reviewers: Vec::new(),
        amends,
        decided_ms: day_start_ms(deadline).expect("valid in the test") - 90 * DAY_MS
            + i64::from(amends.is_some()),
    });
    signed.sign_with(&committee_key());
    Payload::ReportingCycle(signed)
}

fn report(cycle: Hash32, period: &str, complaints: f64) -> Payload {
    Payload::ActivityReport(ActivityReport {
        city: String::new(),
        country: String::new(),
        period: period.into(),
        narrative: LangText::new(),
        commitments: vec![CommitmentReport {
            commitment: 3,
            status: ReportStatus::InProgress,
            narrative: LangText::new(),
            indicators: vec![Indicator {
                name: "complaints received".into(),
                value: complaints,
                unit: "complaints".into(),
            }],
        }],
        illustrative: false,
        grounds: Vec::new(),
        cycle: Some(cycle),
    })
}

fn at(date: &str, hour: i64) -> i64 {
    day_start_ms(date).expect("valid in the test") + hour * 3_600_000
}

#[test]
fn timeliness_is_exact_and_csv_equals_json() {
    let tmp = tempfile::tempdir().expect("valid in the test");
    let (charter, store) = setup(tmp.path());
    let secretariat = key(2);
    // Cycle 2024: deadline 2025-03-31, amended to 2025-04-30. Cycle 2025: deadline 2026-03-31.
    let first = store
        .publish_local(
            &secretariat,
            &[decision(&charter, "2024", "2025-03-31", None)],
            at("2024-12-01", 0),
        )
        .expect("valid in the test")[0]
        .entry
        .clone();
    let Some((_, Payload::ReportingCycle(opening))) = &first.payload else {
        panic!()
    };
    let cycle_2024 = opening.id();
    store
        .publish_local(
            &secretariat,
            &[decision(&charter, "2024", "2025-04-30", Some(cycle_2024))],
            at("2025-03-20", 0),
        )
        .expect("valid in the test");
    let cycle_2025 = match &store
        .publish_local(
            &secretariat,
            &[decision(&charter, "2025", "2026-03-31", None)],
            at("2025-12-01", 0),
        )
        .expect("valid in the test")[0]
        .entry
        .payload
    {
        Some((_, Payload::ReportingCycle(d))) => d.id(),
        _ => panic!(),
    };
    // Lyon: on time (the original deadline day, 23:00). Graz: 1 day and 1 hour after the
    // amended deadline day ended: 2 days late (a started day counts). Malmö: never. Ghent: after the original deadline but before
    // the amended one: on time. Bologna: on time for 2024, then nothing yet for 2025.
    let filings = [
        (2u8, "2024", cycle_2024, at("2025-03-31", 23), 12.0),
        (3, "2024", cycle_2024, at("2025-05-02", 1), 30.0),
        (5, "2024", cycle_2024, at("2025-04-15", 9), 7.0),
        (6, "2024", cycle_2024, at("2025-02-01", 9), 3.0),
        (2, "2025", cycle_2025, at("2026-02-01", 9), 15.0),
        (3, "2025", cycle_2025, at("2026-03-01", 9), 22.0),
    ];
    for (seed, period, cycle, when, value) in filings {
        store
            .publish_local(&key(seed), &[report(cycle, period, value)], when)
            .expect("valid in the test");
    }
    // Feedback by the committee on Graz's 2024 report.
    let graz_2024 = store
        .query(&coalition_store::Query {
            kinds: Some(vec![4]),
            author: Some(key(3).public()),
            ..Default::default()
        })
        .expect("valid in the test")
        .into_iter()
        .find(|e| matches!(e.payload(), Some(Payload::ActivityReport(r)) if r.period == "2024"))
        .expect("valid in the test")
        .id();
    store
        .publish_local(
            &secretariat,
            &[Payload::ReportFeedback(ReportFeedback::sign(
                &committee_key(),
                graz_2024,
                text("Late, but complete."),
            ))],
            at("2025-05-10", 0),
        )
        .expect("valid in the test");

    let now = at("2026-03-29", 12);
    let audit = audit_cycles(&store, now).expect("valid in the test");
    assert_eq!(audit.cycles.len(), 2);
    let c2024 = &audit.cycles[0];
    assert_eq!(c2024.period, "2024");
    assert_eq!(c2024.deadline, "2025-04-30");
    assert_eq!(c2024.original_deadline.as_deref(), Some("2025-03-31"));
    let state = |c: &coalition_audit::CycleAudit, city: &str| {
        let x = c
            .cities
            .iter()
            .find(|x| x.city == city)
            .expect("valid in the test");
        (x.state.clone(), x.days_late, x.days_left, x.feedback)
    };
    assert_eq!(state(c2024, "Lyon"), ("on_time".into(), None, None, 0));
    assert_eq!(state(c2024, "Graz"), ("late".into(), Some(2), None, 1));
    assert_eq!(state(c2024, "Malmö"), ("missing".into(), None, None, 0));
    assert_eq!(state(c2024, "Ghent"), ("on_time".into(), None, None, 0));
    assert_eq!(state(c2024, "Bologna"), ("on_time".into(), None, None, 0));
    assert_eq!(
        (c2024.on_time, c2024.late, c2024.missing, c2024.due),
        (3, 1, 1, 0)
    );
    let c2025 = &audit.cycles[1];
    assert_eq!(c2025.original_deadline, None);
    // 2026-03-29 12:00 → the deadline day ends 2026-04-01 00:00: 2.5 days, so 3 days left.
    assert_eq!(state(c2025, "Malmö"), ("due".into(), None, Some(3), 0));
    assert_eq!(
        (c2025.on_time, c2025.late, c2025.missing, c2025.due),
        (2, 0, 0, 3)
    );
    // After the 2025 deadline the three that did not file are missing.
    let later = audit_cycles(&store, at("2026-04-01", 0)).expect("valid in the test");
    assert_eq!(later.cycles[1].missing, 3);

    // CSV rows equal the JSON rows, value for value.
    let json = serde_json::to_value(&audit).expect("valid in the test");
    let csv = indicators_csv(&audit);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(coalition_audit::INDICATORS_CSV_HEADER));
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let json_rows = json["indicators"].as_array().expect("valid in the test");
    assert_eq!(rows.len(), 6);
    assert_eq!(rows.len(), json_rows.len());
    for (row, j) in rows.iter().zip(json_rows) {
        assert_eq!(row[0], j["period"].as_str().expect("valid in the test"));
        assert_eq!(row[1], j["commitment"].to_string());
        assert_eq!(row[2], j["indicator"].as_str().expect("valid in the test"));
        assert_eq!(row[3], j["unit"].as_str().expect("valid in the test"));
        assert_eq!(row[4], j["city"].as_str().expect("valid in the test"));
        assert_eq!(row[5], j["country"].as_str().expect("valid in the test"));
        assert_eq!(
            row[6].parse::<f64>().expect("valid in the test"),
            j["value"].as_f64().expect("valid in the test")
        );
        assert_eq!(row[7], j["report"].as_str().expect("valid in the test"));
    }
    let timeliness = timeliness_csv(&audit);
    let json_cities: usize = json["cycles"]
        .as_array()
        .expect("valid in the test")
        .iter()
        .map(|c| c["cities"].as_array().expect("valid in the test").len())
        .sum();
    assert_eq!(timeliness.lines().count() - 1, json_cities);
    assert!(
        timeliness.contains(",Graz,AT,late,2025-05-02,2,,"),
        "{timeliness}"
    );

    // A report that skipped the publish check (a modified node) is filed, and flagged.
    let mut bare = report(cycle_2025, "2025", 0.0);
    if let Payload::ActivityReport(r) = &mut bare {
        r.city = "Malmö".into();
        r.country = "SE".into();
        r.commitments[0].indicators.clear();
    }
    store
        .append_local(&key(4), &bare, at("2026-03-02", 9))
        .expect("appended without the publish rules");
    let flagged = audit_cycles(&store, now).expect("audit");
    let malmo = flagged.cycles[1]
        .cities
        .iter()
        .find(|x| x.city == "Malmö")
        .expect("Malmö");
    assert_eq!(malmo.state, "on_time");
    let rule = malmo.not_answering.as_deref().unwrap_or_default();
    assert!(rule.contains("\"complaints received\""), "{rule}");
    assert!(flagged.cycles[0]
        .cities
        .iter()
        .all(|x| x.not_answering.is_none()));

    // The committee's page: the cycle table and one chart with both periods.
    let page = render_html(
        &audit_at(&store, None, &[], now).expect("valid in the test"),
        None,
    );
    assert!(page.contains("data-city=\"Graz\" data-state=\"late\""));
    assert!(page.contains("extended from 31 March 2025"), "{page}");
    assert_eq!(
        page.matches("<svg ").count(),
        2,
        "the commitment chart and the indicator chart"
    );
    assert!(page.contains("class=\"indicator-chart\""));
}
