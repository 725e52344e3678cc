//! Acceptance 2 of issue 11: back up, publish 3 more, restore the backup, try to publish: refused
//! until the node has synced its own 3 entries back from a peer (two real `coalition run`
//! processes), then publishing continues at the right seq, and no node holds a fork proof.

use crate::common;
use common::procs::{
    head_of, publish_update as publish, seq_of, start_node as start, stop, two_cities, update_file,
    wait_until,
};
use common::*;

use std::io::{Read, Write};

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response
}

#[test]
fn a_restored_backup_is_held_until_sync_brings_the_citys_entries_back_then_goes_on() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a_dir, b_dir) = two_cities(tmp.path());
    let docs = tmp.path();

    let a = start(&a_dir, None);
    let b = start(&b_dir, Some(&a.listen));
    for i in 1..=2 {
        let out = publish(&a_dir, &update_file(docs, &format!("Early {i}")));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let backup = docs.join("backup").display().to_string();
    // Beside the running node: the node takes the checkpoint itself.
    let said = ok(&["backup", "--data-dir", &a_dir, "--out", &backup]);
    assert!(said.contains("backup of 2 entries"), "{said}");

    let mut later = Vec::new();
    for i in 1..=3 {
        let out = publish(&a_dir, &update_file(docs, &format!("Later {i}")));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        later.push(entry_id_of(&String::from_utf8_lossy(&out.stdout)));
    }
    wait_until("B to hold Valmeuse's 5 entries", 60, || {
        head_of(&b_dir, "Valmeuse") == 5
    });
    stop(a);

    let said = ok(&["restore", "--data-dir", &a_dir, "--from", &backup]);
    assert!(said.contains("signed up to seq 5"), "{said}");
    assert!(said.contains("publishing is held"), "{said}");
    let verify = run(&["verify", "--data-dir", &a_dir]);
    let text = String::from_utf8_lossy(&verify.stdout);
    assert!(
        !verify.status.success(),
        "verify reports the missing seqs: {text}"
    );
    assert!(text.contains("seqs 3..5 went missing"), "{text}");

    // With no node running the CLI writes to the store: refused, nothing signed.
    let next = update_file(docs, "After the restore");
    let refused = publish(&a_dir, &next);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "publishing is refused: {err}");
    assert!(
        err.contains("this store is behind what this city has already signed (seq 5, store has 2)"),
        "{err}"
    );
    assert_eq!(head_of(&a_dir, "Valmeuse"), 2);

    // The node syncs its own entries back from B; until then the API holds publishing (503).
    let a = start(&a_dir, Some(&b.listen));
    let mut held = 0;
    let mut published = None;
    wait_until("publishing at A to resume", 90, || {
        let out = publish(&a_dir, &next);
        if out.status.success() {
            published = Some(entry_id_of(&String::from_utf8_lossy(&out.stdout)));
            return true;
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("(503)") && err.contains("store is behind"),
            "{err}"
        );
        held += 1;
        false
    });
    println!("publishing was held for {held} attempt(s) until sync caught up");
    let id = published.expect("published");
    assert_eq!(seq_of(&a_dir, &id), 6, "publishing continues at seq 6");
    for (i, later_id) in later.iter().enumerate() {
        assert_eq!(seq_of(&a_dir, later_id), i as u64 + 3);
    }
    wait_until("B to hold seq 6", 60, || head_of(&b_dir, "Valmeuse") == 6);
    for node in [&a, &b] {
        let metrics = http_get(&node.api, "/metrics");
        assert!(
            metrics.contains("\ncoalition_forks 0"),
            "no fork proof: {metrics}"
        );
    }
    stop(b);
    stop(a);
    for dir in [&a_dir, &b_dir] {
        let verified = ok(&["verify", "--data-dir", dir]);
        assert!(verified.starts_with("ok: 6 entries"), "{verified}");
    }
}
