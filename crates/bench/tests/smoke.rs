//! Runs the whole harness at smoke sizes through the binary so it keeps building and running.
//! Asserts on structure only, never on timing.

use std::process::Command;

#[test]
fn smoke_mode_runs_every_scenario_and_writes_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("bench.json");
    let out = Command::new(env!("CARGO_BIN_EXE_coalition-bench"))
        .arg("--smoke")
        .arg("--json")
        .arg(&json)
        .output()
        .expect("run coalition-bench");
    assert!(
        out.status.success(),
        "coalition-bench --smoke failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&json).expect("json written");
    let report: serde_json::Value = serde_json::from_str(&text).expect("valid json");
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    assert_eq!(scenarios.len(), 9);
    for s in scenarios {
        assert!(s["error"].is_null(), "scenario failed: {s}");
    }
    let rows = report["rows"].as_array().expect("rows");
    for name in [
        "ingest",
        "storage",
        "catchup",
        "propagation",
        "query",
        "search-quality",
        "footprint",
        "scale",
        "decade",
    ] {
        assert!(
            rows.iter().any(|r| r["scenario"] == name),
            "no rows for {name}"
        );
    }
    for r in rows {
        assert!(r["value"].is_number(), "row without a value: {r}");
    }
    // Counts, not timings: these hold at any size and on any machine.
    let value = |figure: &str| {
        rows.iter()
            .find(|r| r["figure"].as_str().is_some_and(|f| f.starts_with(figure)))
            .and_then(|r| r["value"].as_f64())
            .unwrap_or_else(|| panic!("no row {figure}"))
    };
    assert_eq!(
        value("signature verifications per entry per receiving node"),
        1.0
    );
    assert!(value("one missing of n: round trips") <= 3.0);
    let bytes = rows
        .iter()
        .find(|r| r["figure"] == "sync bytes (requests sent + responses received)")
        .expect("sync bytes row");
    assert!(
        bytes["ratio"].as_f64().is_some_and(|r| r <= 1.10),
        "{bytes}"
    );
}
