//! Issue #18 across real `coalition run` processes: the committee's cycle, published through one
//! city's running node, reaches the other; that city's report, written from `report template`
//! and handed to its running node, shows on the first node as on time; the committee's feedback
//! reaches the reporting city's page.

use crate::common;
use common::procs::{http_get, http_json, start_node, stop, two_cities, wait_until};
use common::*;

#[test]
fn a_cycle_a_report_and_feedback_travel_between_running_nodes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let (a, b) = two_cities(root);
    let p = |rel: &str| root.join(rel).display().to_string();
    let node_a = start_node(&a, None);
    let node_b = start_node(&b, Some(&node_a.listen));

    // The committee: propose, sign (1 of 1 in this charter), publish through Valmeuse's node.
    let cycle_file = examples().join("cycle.toml").display().to_string();
    ok(&[
        "cycle",
        "propose",
        &cycle_file,
        "--out",
        &p("cycle.json"),
        "--charter",
        &p("coalition/charter.toml"),
    ]);
    ok(&[
        "cycle",
        "sign",
        &p("cycle.json"),
        "--committee-key",
        &p("coalition/committee-1.key"),
        "--charter",
        &p("coalition/charter.toml"),
    ]);
    let published = ok(&["cycle", "publish", &p("cycle.json"), "--data-dir", &a]);
    assert!(
        published.contains("handed to the running node"),
        "{published}"
    );

    // It reaches Lindenfeld's node.
    wait_until("the cycle reaches the second node", 60, || {
        http_json(&node_b.api, "/api/v1/cycles").is_some_and(|(_, v)| {
            v["cycles"]
                .as_array()
                .is_some_and(|c| c.iter().any(|c| c["audit"]["period"] == "2026"))
        })
    });

    // Lindenfeld fills the template and publishes through its running node.
    let report = p("report-2026.toml");
    ok(&[
        "report",
        "template",
        "2026",
        "--out",
        &report,
        "--data-dir",
        &b,
    ]);
    let text = std::fs::read_to_string(&report).expect("template");
    let filled = text.replacen(
        "narrative = { en = \"\" }  # required",
        "narrative = { en = \"A counselling office answers every complaint within a month.\" }",
        1,
    );
    assert_ne!(filled, text, "the template asks for the required narrative");
    std::fs::write(&report, filled).expect("write");
    let out = ok(&["publish", "report", &report, "--data-dir", &b, "--json"]);
    let report_id = entry_id_of(&out);

    // Valmeuse's node sees Lindenfeld on time, and Valmeuse itself due.
    wait_until("the report shows as on time on the first node", 60, || {
        http_json(&node_a.api, "/api/v1/cycles").is_some_and(|(_, v)| {
            v["cycles"][0]["audit"]["cities"]
                .as_array()
                .is_some_and(|cities| {
                    cities
                        .iter()
                        .any(|c| c["city"] == "Lindenfeld" && c["state"] == "on_time")
                        && cities
                            .iter()
                            .any(|c| c["city"] == "Valmeuse" && c["state"] == "due")
                })
        })
    });

    // The committee's feedback, published through Valmeuse, shows on Lindenfeld's page.
    ok(&[
        "feedback",
        &report_id,
        "--text",
        "Please add the number of complaints resolved.",
        "--signing-key",
        &p("coalition/committee-1.key"),
        "--data-dir",
        &a,
    ]);
    wait_until(
        "the feedback shows on the reporting city's page",
        60,
        || {
            http_get(&node_b.api, "/city/Lindenfeld").is_some_and(|(_, page)| {
                page.contains("Please add the number of complaints resolved.")
            })
        },
    );
    stop(node_b);
    stop(node_a);
}
