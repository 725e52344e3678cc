//! docs/examples/prometheus-alerts.yml names only metrics the node really serves: every
//! `coalition_*` selector in its rules, with each label it matches (and each plain value), is
//! found in the /metrics of two running nodes after one entry has crossed between them.

use crate::common;
use common::procs::{
    http_get, publish_update, start_node, stop, two_cities, update_file, wait_until,
};
use common::*;

use std::collections::BTreeSet;
use std::io::{Read, Write};

/// One `name{label op "value", …}` selector found in a rule expression.
#[derive(Debug)]
struct Selector {
    name: String,
    /// (label, operator, value)
    matchers: Vec<(String, String, String)>,
}

fn selectors(expr: &str) -> Vec<Selector> {
    let mut found = Vec::new();
    let mut rest = expr;
    while let Some(at) = rest.find("coalition_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        let name = tail[..end].to_string();
        let mut matchers = Vec::new();
        let after = &tail[end..];
        let mut consumed = end;
        if let Some(body) = after.strip_prefix('{') {
            let close = body.find('}').expect("a selector's braces close");
            for part in body[..close].split(',').filter(|p| !p.trim().is_empty()) {
                let op_at = part
                    .find(['=', '!'])
                    .unwrap_or_else(|| panic!("no operator in {part:?}"));
                let label = part[..op_at].trim().to_string();
                let op_len = if part[op_at + 1..].starts_with(['=', '~']) {
                    2
                } else {
                    1
                };
                let op = part[op_at..op_at + op_len].to_string();
                let value = part[op_at + op_len..].trim().trim_matches('"').to_string();
                matchers.push((label, op, value));
            }
            consumed += 1 + close + 1;
        }
        found.push(Selector { name, matchers });
        rest = &tail[consumed..];
    }
    found
}

#[test]
fn the_example_alert_rules_name_only_metrics_and_labels_the_node_serves() {
    let rules = std::fs::read_to_string(examples().join("prometheus-alerts.yml"))
        .expect("docs/examples/prometheus-alerts.yml");
    let exprs: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("expr:"))
        .collect();
    let alerts = rules
        .lines()
        .filter(|l| l.trim().starts_with("- alert:"))
        .count();
    assert_eq!(exprs.len(), alerts, "one single-line expr per alert");

    // Two nodes, one entry across: publish counters, request counters and last arrival appear.
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a_dir, b_dir) = two_cities(tmp.path());
    let a = start_node(&a_dir, None);
    let b = start_node(&b_dir, Some(&a.listen));
    let out = publish_update(&a_dir, &update_file(tmp.path(), "Metrics day"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A publish without the API token: counted as refused.
    let mut stream = std::net::TcpStream::connect(&a.api).expect("A's API");
    write!(
        stream,
        "POST /api/v1/updates HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}",
        a.api
    )
    .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    let mut exposition = String::new();
    wait_until("B's /metrics to show the arrival", 60, || {
        let (_, body) = http_get(&b.api, "/metrics").unwrap_or_default();
        exposition = body;
        exposition.contains("\ncoalition_last_arrival_timestamp_seconds ")
    });
    let (code, a_metrics) = http_get(&a.api, "/metrics").expect("A's /metrics");
    assert_eq!(code, 200);
    // One registry: the API's, the network's and libp2p's metrics, then one end marker.
    assert!(
        a_metrics.contains("\ncoalition_net_mesh_peers ")
            && a_metrics.contains("\nlibp2p_")
            && a_metrics.ends_with("\n# EOF\n")
            && a_metrics.matches("# EOF").count() == 1,
        "{a_metrics}"
    );
    exposition.push_str(&a_metrics);
    // Stopped before the checks, so a failing check leaves no node running.
    stop(b);
    stop(a);
    let samples: Vec<&str> = exposition
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    let names: BTreeSet<&str> = samples
        .iter()
        .map(|l| l.split(['{', ' ']).next().unwrap_or_default())
        .collect();

    let mut checked = BTreeSet::new();
    for expr in &exprs {
        for sel in selectors(expr) {
            assert!(
                names.contains(sel.name.as_str()),
                "the rule `{}` names {}, which the node does not serve; it serves: {names:?}",
                expr.trim(),
                sel.name
            );
            let lines: Vec<&&str> = samples
                .iter()
                .filter(|l| l.starts_with(&format!("{}{{", sel.name)))
                .collect();
            for (label, op, value) in &sel.matchers {
                assert!(
                    lines.iter().any(|l| l.contains(&format!("{label}=\""))),
                    "{} has no label {label} (rule `{}`)",
                    sel.name,
                    expr.trim()
                );
                // Plain values (and plain alternatives of a regex) must be ones the node uses.
                let plain: Vec<&str> = match op.as_str() {
                    "=" => vec![value.as_str()],
                    "=~" => value.split('|').collect(),
                    _ => vec![],
                };
                for v in plain
                    .into_iter()
                    .filter(|v| v.chars().all(|c| c.is_ascii_alphabetic()))
                {
                    assert!(
                        lines
                            .iter()
                            .any(|l| l.contains(&format!("{label}=\"{v}\""))),
                        "{} has no {label}=\"{v}\" (rule `{}`)",
                        sel.name,
                        expr.trim()
                    );
                }
            }
            checked.insert(sel.name);
        }
    }
    println!(
        "{} alert rules, {} metrics checked against a running node: {checked:?}",
        exprs.len(),
        checked.len()
    );
}
