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
    // The scale scenario at its smoke sizes (6 and 10 nodes, 10 entries each): every entry
    // reaches every node, one signature check per delivery, fits for every figure.
    for n in [6, 10] {
        assert_eq!(
            value(&format!("N={n}: every entry reached every node")),
            10.0
        );
        assert_eq!(
            value(&format!("N={n}: signature checks per entry per node")),
            1.0
        );
        assert!(value(&format!("N={n}: frontier sent in one sync round")) > 0.0);
    }
    assert!(rows
        .iter()
        .any(|r| r["figure"] == "fit, at N=5000: frontier sent in one sync round"));
    // The ten-year scenario: both joins fetched everything, with little overhead.
    for peers in ["1 peer", "3 peers"] {
        let row = rows
            .iter()
            .find(|r| r["figure"] == format!("join from {peers}: sync bytes"))
            .expect("decade sync bytes row");
        assert!(row["ratio"].as_f64().is_some_and(|r| r <= 1.10), "{row}");
    }
    // The joins over capped uplinks ran (as root), or a row says why not.
    assert!(
        rows.iter().any(|r| r["figure"]
            .as_str()
            .is_some_and(|f| f.starts_with("3 peers / 1 peer sync time, each uplink")
                || f == "joins over capped uplinks: not run")),
        "no row for the joins over capped uplinks"
    );
    let bytes = rows
        .iter()
        .find(|r| r["figure"] == "sync bytes (requests sent + responses received)")
        .expect("sync bytes row");
    assert!(
        bytes["ratio"].as_f64().is_some_and(|r| r <= 1.10),
        "{bytes}"
    );
}
