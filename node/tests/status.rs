//! `coalition status` on a real data directory: each warning it can raise here is provoked —
//! the node not running, a readable key file, no peers, an unreadable search index — and the
//! running node's addresses and reachability are shown.

use crate::common;
use common::procs::*;
use common::*;

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn status(dir: &str) -> (i32, Value) {
    let out = run(&["status", "--data-dir", dir, "--json"]);
    let code = out.status.code().unwrap_or(-1);
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "status --json prints JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, value)
}

/// The warnings' codes. `disk_nearly_full` is the machine's, not the node's: it is left out when
/// the disk figures the report gives are indeed low (under 5 % or 1 GiB free, the node's rule),
/// and kept (so the test fails) when they are not.
fn codes(v: &Value) -> Vec<String> {
    let free = v["disk_free_bytes"].as_u64().unwrap_or(u64::MAX);
    let total = v["disk_total_bytes"].as_u64().unwrap_or(0);
    let disk_low = total > 0 && (free < 1024 * 1024 * 1024 || (free as f64) < 0.05 * total as f64);
    v["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|w| w["code"].as_str().map(str::to_string))
                .filter(|code| !(disk_low && code == "disk_nearly_full"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn status_names_each_problem_and_what_to_do() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let p = |rel: &str| root.join(rel).display().to_string();
    ok(&[
        "charter",
        "new",
        "--name",
        "Status Test",
        "--out",
        &p("coalition"),
    ]);
    ok(&[
        "init",
        "--data-dir",
        &p("node"),
        "--charter",
        &p("coalition/charter.toml"),
        "--city",
        "Testville",
        "--country",
        "FR",
    ]);
    let dir = p("node");

    // Stopped: the only warning is that no node answers; exit 1 says there is a warning.
    let (code, v) = status(&dir);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["node_not_running"], "{v}");
    assert_eq!(v["reachability"], "unknown");
    assert!(v["disk_total_bytes"].as_u64().unwrap_or(0) > 0, "{v}");
    let text = String::from_utf8_lossy(&run(&["status", "--data-dir", &dir]).stdout).into_owned();
    assert!(text.contains("node          not running"), "{text}");
    assert!(text.contains("[node_not_running]"), "{text}");

    // A key file others can read.
    let key = format!("{dir}/city.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (_, v) = status(&dir);
    assert!(
        codes(&v).contains(&"secret_file_readable".to_string()),
        "{v}"
    );
    assert!(v.to_string().contains("chmod 600"), "{v}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");

    // Running alone on loopback: no peers, private addresses only.
    let mut node = start_node(&dir, None);
    let api = node.api.clone();
    // Its first answer already describes the network (alone: degraded), never "offline".
    let (_, health) = http_json(&api, "/healthz").expect("/healthz answers");
    assert_eq!(health["status"], "degraded", "{health}");
    let (code, v) = status(&dir);
    assert_eq!(code, 1);
    assert_eq!(codes(&v), ["no_peers"], "{v}");
    assert_eq!(v["reachability"], "private_only");
    assert_eq!(v["node"]["api"], api.as_str());
    assert!(
        v["node"]["listen"]
            .to_string()
            .contains("/ip4/127.0.0.1/tcp/"),
        "{v}"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &node.child.id().to_string()])
        .status();
    assert!(node.child.wait().expect("exit").success());

    // Stopped again, with a garbled search index.
    let search = format!("{dir}/search");
    for entry in std::fs::read_dir(&search).expect("index files") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::write(&path, b"{ not json").expect("garble");
        }
    }
    let (_, v) = status(&dir);
    assert!(codes(&v).contains(&"index_unreadable".to_string()), "{v}");
}
