//! Issue 17, acceptance 1: a mixed-version network. Valmeuse runs `coalition-future` (this
//! program built with the test-only kind 0xF000 that today's nodes do not know); Lindenfeld and
//! Rivaux run today's `coalition`. Rivaux is connected only through Lindenfeld, so the newer
//! kind reaches it forwarded by a node that cannot read it. Entries go both ways without a
//! rejection or a loss, the old nodes show the new kind as "needs a newer version", and their
//! store checks, audits and bundles still verify.
//!
//! `scripts/test` builds `coalition-future` before the tests; by hand:
//! `cargo build --workspace --locked --bin coalition-future --features coalition-node/future-kind`.

use crate::common;
use common::procs::{cities, head_of, start_node, start_node_of, stop, update_file, wait_until};
use common::*;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The newer build, beside this build's binary.
fn future_bin() -> String {
    let path = Path::new(BIN).with_file_name("coalition-future");
    assert!(
        path.exists(),
        "{} is missing: scripts/test builds it; by hand run `cargo build --workspace --locked --bin coalition-future --features coalition-node/future-kind`",
        path.display()
    );
    path.display().to_string()
}

fn run_future(args: &[&str]) -> String {
    let out = Command::new(future_bin())
        .args(args)
        .env_remove("COALITION_DATA_DIR")
        .output()
        .expect("coalition-future runs");
    assert!(
        out.status.success(),
        "coalition-future {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn note_file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, format!("[text]\nen = \"{text}\"\n")).expect("write the note");
    path.display().to_string()
}

/// A counter from a node's /metrics.
fn metric(api: &str, name: &str) -> u64 {
    let (_, body) = procs_get(api, "/metrics");
    body.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} is not in /metrics of {api}"))
}

fn procs_get(api: &str, path: &str) -> (u16, String) {
    common::procs::http_get(api, path).unwrap_or_else(|| panic!("{api} answers {path}"))
}

#[test]
fn a_newer_kind_crosses_todays_nodes_and_entries_flow_both_ways() {
    let future = future_bin();
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let dirs = cities(
        root,
        &[
            ("a", "Valmeuse", "BE"),
            ("b", "Lindenfeld", "DE"),
            ("c", "Rivaux", "FR"),
        ],
    );
    let (a_dir, b_dir, c_dir) = (&dirs[0], &dirs[1], &dirs[2]);

    // The newer node signs a note (kind 0xF000) and then an ordinary update after it: today's
    // nodes must take both, or Valmeuse's log would stop at the note for them.
    let note = entry_id_of(&run_future(&[
        "publish",
        "note",
        &note_file(root, "note-1", "A note only newer nodes read"),
        "--data-dir",
        a_dir,
        "--json",
    ]));
    let after = entry_id_of(&run_future(&[
        "publish",
        "update",
        &update_file(root, "After the note"),
        "--data-dir",
        a_dir,
        "--json",
    ]));

    let a = start_node_of(&future, a_dir, None);
    let b = start_node(b_dir, Some(&a.listen));
    let c = start_node(c_dir, Some(&b.listen));
    wait_until(
        "Lindenfeld and Rivaux to hold Valmeuse's 2 entries",
        90,
        || head_of(b_dir, "Valmeuse") == 2 && head_of(c_dir, "Valmeuse") == 2,
    );

    // Today's nodes show the note as needing a newer version, and the update after it plainly.
    let shown = ok(&["show", &note, "--data-dir", c_dir]);
    assert!(shown.contains("newer version"), "{shown}");
    assert!(shown.contains("newer_kind"), "{shown}");
    let (status, body) = procs_get(&c.api, &format!("/api/v1/entries/{note}"));
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("entry json");
    assert_eq!(v["needs_newer_version"], true, "{v}");
    assert_eq!(v["header"]["kind"], 0xF000, "{v}");
    assert_eq!(v["signature_check"]["payload"], "verified", "{v}");
    let shown = ok(&["show", &after, "--data-dir", c_dir]);
    assert!(shown.contains("After the note"), "{shown}");
    // The newer node reads its own kind.
    let shown = run_future(&["show", &note, "--data-dir", a_dir]);
    assert!(shown.contains("A note only newer nodes read"), "{shown}");
    assert!(shown.contains("test_note"), "{shown}");

    // Today's nodes publish; the newer node receives.
    let out = run(&[
        "publish",
        "update",
        &update_file(root, "From Rivaux"),
        "--data-dir",
        c_dir,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_c = entry_id_of(&String::from_utf8_lossy(&out.stdout));
    wait_until("Valmeuse to hold Rivaux's update", 60, || {
        head_of(a_dir, "Rivaux") == 1
    });
    let shown = run_future(&["show", &from_c, "--data-dir", a_dir]);
    assert!(shown.contains("From Rivaux"), "{shown}");

    // A second note, signed while the newer node is stopped, arrives by sync when it is back.
    stop(a);
    let note_2 = entry_id_of(&run_future(&[
        "publish",
        "note",
        &note_file(root, "note-2", "A second note"),
        "--data-dir",
        a_dir,
        "--json",
    ]));
    let a = start_node_of(&future, a_dir, Some(&b.listen));
    wait_until(
        "Lindenfeld and Rivaux to hold Valmeuse's 3 entries",
        90,
        || head_of(b_dir, "Valmeuse") == 3 && head_of(c_dir, "Valmeuse") == 3,
    );
    assert!(ok(&["show", &note_2, "--data-dir", b_dir]).contains("newer version"));
    // The city page of a today's node says how many entries it holds but cannot show.
    let (status, page) = procs_get(&c.api, "/city/Valmeuse");
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"newer-entries\">Entries from a newer version of Coalition, kept but not shown (upgrade this node to read them): 2</p>"),
        "{page}"
    );
    let (_, page) = procs_get(&c.api, "/city/Valmeuse?ui=fr");
    assert!(page.contains("version plus récente"), "{page}");

    // Nothing was refused anywhere, and nobody was punished.
    for node in [&a, &b, &c] {
        assert_eq!(
            metric(&node.api, "coalition_net_gossip_rejected_total"),
            0,
            "{}",
            node.api
        );
        assert_eq!(
            metric(&node.api, "coalition_net_banned_peers"),
            0,
            "{}",
            node.api
        );
    }
    stop(a);
    stop(b);
    stop(c);

    // The old nodes' own checks still hold: the store, the audit and an exported bundle, which
    // both builds verify.
    for dir in [b_dir, c_dir] {
        let verified = ok(&["verify", "--data-dir", dir]);
        assert!(verified.starts_with("ok: 4 entries"), "{verified}");
        // The audit may exit 1 for reports not filed; its JSON is what is checked.
        let audit = run(&["audit", "--data-dir", dir, "--format", "json"]);
        let audit: Value = serde_json::from_slice(&audit.stdout).expect("audit json");
        assert_eq!(audit["summary"]["entries"], 4, "{audit}");
        assert_eq!(audit["summary"]["fork_proofs"], 0, "{audit}");
        assert_eq!(
            audit["summary"]["cities_with_problems"]
                .as_array()
                .map(Vec::len),
            Some(0),
            "{audit}"
        );
        let valmeuse = audit["cities"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["name"] == "Valmeuse"))
            .unwrap_or_else(|| panic!("Valmeuse in the audit: {audit}"));
        assert_eq!(valmeuse["verified"], true, "{valmeuse}");
        assert_eq!(valmeuse["last_seq"], 3, "{valmeuse}");
        let bundle = format!("{dir}.bundle");
        ok(&["export", "--data-dir", dir, "--out", &bundle]);
        let checked = ok(&["verify-bundle", &bundle]);
        assert!(checked.starts_with("ok: bundle of"), "{checked}");
        run_future(&["verify-bundle", &bundle]);
    }
}
