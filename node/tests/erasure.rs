//! Issue #16 across ten real `coalition run` processes on loopback: a city erases the contact
//! person of one of its practices; the erasure reaches all ten nodes, each deletes the payload
//! from its store, search index and files (the test looks for the address and the phone number
//! in every file of every data directory) and its receipt reaches the publishing node; a node
//! offline during the erasure applies it when it comes back and sends its receipt; a committee
//! order below the threshold is refused and at the threshold is obeyed; the audit names every
//! erasure with its confirmed and missing receipts; `verify` and an exported bundle still verify.

use crate::common;
use common::procs::{http_json, start_node, stop, Node};
use common::*;
use serde_json::Value;
use std::path::Path;

const CITIES: [(&str, &str, &str); 10] = [
    ("n0", "Valmeuse", "BE"),
    ("n1", "Lindenfeld", "DE"),
    ("n2", "Porto Alto", "PT"),
    ("n3", "Santa Vera", "ES"),
    ("n4", "Brevik", "NO"),
    ("n5", "Ostrava Nova", "CZ"),
    ("n6", "Malmgard", "SE"),
    ("n7", "Kerava", "FI"),
    ("n8", "Tessin", "CH"),
    ("n9", "Aubrac", "FR"),
];

/// Files under `dir` (recursively) holding `needle` as bytes.
fn files_holding(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(items) = std::fs::read_dir(dir) else {
        return found;
    };
    for item in items.flatten() {
        let path = item.path();
        if path.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// The example practice with this city's contact person and no city (the node fills it in).
fn practice_file(root: &Path, name: &str, email: &str, phone: &str) -> String {
    let example = std::fs::read_to_string(examples().join("practice.toml")).expect("example");
    let text = example
        .replace("city = \"Valmeuse\"", "city = \"\"")
        .replace("country = \"BE\"", "country = \"\"")
        .replace("fair-housing@valmeuse.example", email)
        .replace("+32 81 00 00 00", phone);
    let path = root.join(format!("{name}.toml"));
    std::fs::write(&path, text).expect("write the practice");
    path.display().to_string()
}

/// The entry as `coalition show --json` sees it on `dir` (beside its running node).
fn shown(dir: &str, id: &str) -> Option<Value> {
    let out = run(&["show", id, "--data-dir", dir, "--json"]);
    if !out.status.success() {
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn erasures(api: &str) -> Vec<Value> {
    http_json(api, "/api/v1/erasures")
        .and_then(|(_, v)| v["erasures"].as_array().cloned())
        .unwrap_or_default()
}

fn confirmed(e: &Value) -> usize {
    e["confirmed"].as_array().map_or(0, Vec::len)
}

#[test]
fn an_erasure_reaches_ten_nodes_each_deletes_it_and_confirms_and_a_late_node_catches_up() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let p = |rel: &str| root.join(rel).display().to_string();
    let dirs = procs::cities(root, &CITIES);
    let mut nodes: Vec<Option<Node>> = Vec::new();
    nodes.push(Some(start_node(&dirs[0], None)));
    let hub = nodes[0].as_ref().expect("hub").listen.clone();
    for dir in &dirs[1..] {
        nodes.push(Some(start_node(dir, Some(&hub))));
    }
    let api0 = nodes[0].as_ref().expect("hub").api.clone();

    // Valmeuse publishes a practice naming its contact person; it reaches every node.
    // Looked for as bytes in the files: parts no other text shares, so that the store's LZ4
    // compression keeps them whole (checked: they are found before the erasure).
    let (email, phone) = ("xq7vzk2wj9", "9173 6628");
    let file = practice_file(
        root,
        "practice",
        &format!("{email}@valmeuse.example"),
        &format!("+32 4 {phone}"),
    );
    let out = ok(&[
        "publish",
        "practice",
        &file,
        "--data-dir",
        &dirs[0],
        "--json",
    ]);
    let practice = entry_id_of(&out);
    procs::wait_until("the practice reaches all ten nodes", 90, || {
        dirs.iter().all(|d| shown(d, &practice).is_some())
    });
    assert!(
        !files_holding(Path::new(&dirs[5]), email).is_empty(),
        "the address is in a node's files before the erasure (the search below can find it)"
    );

    // Aubrac's node is offline during the erasure, holding the payload.
    stop(nodes[9].take().expect("Aubrac's node"));

    let out = ok(&[
        "erase",
        &practice,
        "--reason",
        "the contact person left the office",
        "--data-dir",
        &dirs[0],
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).expect("erase json");
    assert_eq!(v["entries"].as_array().map(Vec::len), Some(2), "{out}");
    assert_eq!(v["entries"][0]["kind"], "practice_revision", "{out}");
    let revision = v["entries"][0]["id"]
        .as_str()
        .expect("revision")
        .to_string();

    procs::wait_until("nine running nodes confirm the erasure", 120, || {
        erasures(&api0).first().is_some_and(|e| confirmed(e) == 9)
    });
    let listed = erasures(&api0);
    assert_eq!(
        listed[0]["missing"],
        serde_json::json!(["Aubrac"]),
        "{listed:?}"
    );
    for (i, dir) in dirs.iter().enumerate().take(9) {
        let entry = shown(dir, &practice).expect("the entry stays");
        assert_eq!(entry["payload_erased"], Value::Bool(true), "{dir}: {entry}");
        assert_eq!(entry["payload"], Value::Null, "{dir}");
        let kept = shown(dir, &revision).expect("the revision reached it");
        let kept = &kept["payload"]["PracticeRevision"]["practice"];
        assert!(
            kept["title"]["en"].is_string(),
            "{dir}: the practice is kept: {kept}"
        );
        assert!(
            kept["contact"].is_null(),
            "{dir}: without its contact: {kept}"
        );
        for needle in [email, phone] {
            let left = files_holding(Path::new(dir), needle);
            assert!(left.is_empty(), "node {i}: {needle} is still in {left:?}");
        }
    }
    // The practice stays findable, without its contact person.
    let (_, found) = http_json(&api0, "/api/v1/practices?q=testing").expect("search");
    let text = found.to_string();
    assert!(text.contains(&revision), "{text}");
    assert!(!text.contains(email), "{text}");

    // Aubrac comes back: it applies the erasure and confirms.
    assert!(
        !files_holding(Path::new(&dirs[9]), email).is_empty(),
        "the stopped node's files hold the address (in its SST files after a clean stop)"
    );
    nodes[9] = Some(start_node(&dirs[9], Some(&hub)));
    procs::wait_until("the late node confirms", 120, || {
        erasures(&api0).first().is_some_and(|e| confirmed(e) == 10)
    });
    assert_eq!(erasures(&api0)[0]["missing"], serde_json::json!([]));
    for needle in [email, phone] {
        let left = files_holding(Path::new(&dirs[9]), needle);
        assert!(
            left.is_empty(),
            "the late node: {needle} is still in {left:?}"
        );
    }

    // A committee order: Lindenfeld's practice, erased by the committee (threshold 1 of 1).
    let (email2, phone2) = (
        "order.erasable.k4@lindenfeld-test.example",
        "+49 30 55 19 88 21",
    );
    let file = practice_file(root, "practice-2", email2, phone2);
    let out = ok(&[
        "publish",
        "practice",
        &file,
        "--data-dir",
        &dirs[1],
        "--json",
    ]);
    let second = entry_id_of(&out);
    procs::wait_until("the second practice reaches all ten nodes", 90, || {
        dirs.iter().all(|d| shown(d, &second).is_some())
    });
    let charter = p("coalition/charter.toml");
    ok(&[
        "erasure-order",
        "propose",
        "--target",
        &second,
        "--reason",
        "request of the data subject; the city did not act",
        "--out",
        &p("order.json"),
        "--charter",
        &charter,
    ]);
    // k − 1 = 0 signatures: refused, nothing published.
    let refused = run(&[
        "erasure-order",
        "publish",
        &p("order.json"),
        "--data-dir",
        &dirs[3],
    ]);
    assert!(!refused.status.success());
    let why = String::from_utf8_lossy(&refused.stderr);
    assert!(why.contains("0 of 1 valid committee signatures"), "{why}");
    ok(&[
        "erasure-order",
        "sign",
        &p("order.json"),
        "--committee-key",
        &p("coalition/committee-1.key"),
        "--charter",
        &charter,
    ]);
    ok(&[
        "erasure-order",
        "publish",
        &p("order.json"),
        "--data-dir",
        &dirs[3],
    ]);
    procs::wait_until("ten nodes confirm the committee order", 120, || {
        erasures(&api0)
            .iter()
            .any(|e| e["by_committee"] == Value::Bool(true) && confirmed(e) == 10)
    });
    for dir in &dirs {
        assert_eq!(
            shown(dir, &second).expect("held")["payload_erased"],
            Value::Bool(true)
        );
        for needle in [email2, phone2] {
            let left = files_holding(Path::new(dir), needle);
            assert!(left.is_empty(), "{needle} is still in {left:?}");
        }
    }

    // The audit names both erasures with their receipts, in every format.
    for format in ["md", "html", "json"] {
        let out = ok(&["audit", "--data-dir", &dirs[4], "--format", format]);
        assert!(
            out.contains("the contact person left the office"),
            "{format}: {out}"
        );
        assert!(out.contains("request of the data subject"), "{format}");
        assert!(out.contains("Aubrac"), "{format}");
    }
    let (_, page) = procs::http_get(&api0, "/audit").expect("audit page");
    assert!(page.contains("Erasures of personal data"), "{page}");

    for node in nodes.into_iter().flatten() {
        stop(node);
    }
    // Every log still verifies, and so does a bundle exported after the erasures.
    for dir in &dirs {
        let verified = ok(&["verify", "--data-dir", dir]);
        assert!(verified.starts_with("ok:"), "{dir}: {verified}");
    }
    ok(&["export", "--data-dir", &dirs[2], "--out", &p("all.bundle")]);
    let checked = ok(&["verify-bundle", &p("all.bundle")]);
    assert!(checked.starts_with("ok: bundle"), "{checked}");
}
