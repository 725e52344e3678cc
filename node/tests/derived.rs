//! Acceptance 2 of issue 14: derived state always catches up. A real `coalition run` process
//! (Valmeuse, bootstrapped to a second node, Lindenfeld, that keeps running) is killed with
//! SIGKILL at varying points 50 times while documents are published through its API and through
//! the CLI, and a few more are published with the CLI while it is down (straight to the store);
//! every fourth restart is also killed once while starting (opening, catching up, or serving).
//! After each restart: `/healthz` is `synced` within seconds, every document acknowledged so far
//! is found by search by the unique word of its title, and the index holds one document per
//! stored entry. At the end `coalition verify` is clean.

use crate::common;
use common::procs::*;
use common::*;

use serde_json::Value;
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KILLS: usize = 50;
/// How long a restarted node may take to report `synced` (peer connected, index caught up).
const SYNCED_WITHIN: Duration = Duration::from_secs(15);

/// A document's title: its unique word first (a single token for the analysers: letters and
/// digits only), then words shared by all.
fn title(word: &str) -> String {
    format!("{word} crash catch-up")
}

fn update_json(word: &str) -> String {
    serde_json::json!({
        "date": "2025-03-21",
        "category": "event",
        "commitments": [1],
        "illustrative": true,
        "title": {"en": title(word)},
        "text": {"en": "What happened at the meeting."},
    })
    .to_string()
}

/// One publish through the JSON API; the entry id when it was answered 200/201.
fn api_publish(api: &str, token: &str, word: &str) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(api).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let body = update_json(word);
    let request = format!(
        "POST /api/v1/updates HTTP/1.1\r\nHost: {api}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1).unwrap_or("");
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    match status {
        "200" | "201" => {
            let v: Value = serde_json::from_str(body.trim()).expect("publish answer json");
            Some(v["id"].as_str().expect("id").to_string())
        }
        "" => None,
        other => panic!("publish {word}: unexpected answer {other}: {body}"),
    }
}

/// One publish through the CLI (handed to the node, or straight to the store when none runs);
/// the entry id when it succeeded.
fn cli_publish(dir: &str, docs: &Path, word: &str) -> Option<String> {
    let file = docs.join(format!("{word}.json"));
    std::fs::write(&file, update_json(word)).expect("write the update");
    let file = file.display().to_string();
    let out = run(&["publish", "update", &file, "--data-dir", dir, "--json"]);
    out.status
        .success()
        .then(|| entry_id_of(&String::from_utf8_lossy(&out.stdout)))
}

/// (word, entry id) of every acknowledged publish.
type Acked = Arc<Mutex<Vec<(String, String)>>>;

/// Waits for `/healthz` to say `synced`; returns how long it took, or the last answer.
fn wait_synced(api: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let mut last = String::new();
    while started.elapsed() < SYNCED_WITHIN {
        if let Some((code, body)) = http_json(api, "/healthz") {
            if code == 200 && body["status"] == "synced" {
                return Ok(started.elapsed());
            }
            last = body.to_string();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(last)
}

/// Entry ids search finds for `word` (updates only, enough hits for near-identical words).
fn found(api: &str, word: &str) -> Vec<String> {
    let (code, body) = http_json(
        api,
        &format!("/api/v1/practices?q={word}&kind=update&limit=100"),
    )
    .unwrap_or_else(|| panic!("search for {word} answered"));
    assert_eq!(code, 200, "search for {word}: {body}");
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_string))
        .collect()
}

/// Every acknowledged document in `acked[from..]` is found by its word, and the index holds one
/// document per stored entry of this city (all of them updates).
fn check_search(api: &str, acked: &[(String, String)], from: usize, round: usize) {
    for (word, id) in &acked[from..] {
        assert!(
            found(api, word).contains(id),
            "after restart {round}: acknowledged {word} ({id}) is not found by search"
        );
    }
    let (_, health) = http_json(api, "/healthz").expect("healthz");
    assert_eq!(
        health["search_documents"], health["entries"],
        "after restart {round}: one search document per stored entry: {health}"
    );
}

#[test]
fn a_node_killed_while_publishing_catches_search_up_after_every_restart() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a_dir, b_dir) = two_cities(tmp.path());
    let docs = tmp.path().join("docs");
    std::fs::create_dir_all(&docs).expect("docs dir");
    let token = std::fs::read_to_string(Path::new(&a_dir).join("api.token"))
        .expect("token")
        .trim()
        .to_string();
    let peer = start_node(&b_dir, None);

    let acked: Acked = Arc::new(Mutex::new(Vec::new()));
    let mut checked = 0;
    let mut synced_after = Vec::new();
    let started = Instant::now();
    let mut early_kills = 0;
    for round in 0..=KILLS {
        if round % 4 == 3 {
            // Killed while starting: opening the store, catching the index up, or just after.
            let api = format!("127.0.0.1:{}", free_port());
            let mut child = spawn_node(&a_dir, Some(&peer.listen), &api);
            std::thread::sleep(Duration::from_millis((round as u64 * 53) % 400));
            let _ = Command::new("kill")
                .args(["-KILL", &child.id().to_string()])
                .status();
            let _ = child.wait();
            early_kills += 1;
        }
        let mut node = start_node(&a_dir, Some(&peer.listen));
        match wait_synced(&node.api) {
            Ok(t) => synced_after.push(t),
            Err(last) => panic!(
                "restart {round}: /healthz not synced within {SYNCED_WITHIN:?}; last answer {last}"
            ),
        }
        let snapshot = acked.lock().expect("acked").clone();
        check_search(&node.api, &snapshot, checked, round);
        checked = snapshot.len();
        if round == KILLS {
            let _ = Command::new("kill")
                .args(["-TERM", &node.child.id().to_string()])
                .status();
            let _ = node.child.wait();
            break;
        }

        let stop = Arc::new(AtomicBool::new(false));
        let mut publishers = Vec::new();
        {
            let (stop, acked, api, token) =
                (stop.clone(), acked.clone(), node.api.clone(), token.clone());
            publishers.push(std::thread::spawn(move || {
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let word = format!("r{round}api{n}");
                    if let Some(id) = api_publish(&api, &token, &word) {
                        acked.lock().expect("acked").push((word, id));
                    }
                }
            }));
        }
        {
            let (stop, acked, dir, docs) =
                (stop.clone(), acked.clone(), a_dir.clone(), docs.clone());
            publishers.push(std::thread::spawn(move || {
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let word = format!("r{round}cli{n}");
                    if let Some(id) = cli_publish(&dir, &docs, &word) {
                        acked.lock().expect("acked").push((word, id));
                    }
                }
            }));
        }
        // 100 to 700 ms, varying from round to round.
        std::thread::sleep(Duration::from_millis(100 + (round as u64 * 337) % 600));
        let _ = Command::new("kill")
            .args(["-KILL", &node.child.id().to_string()])
            .status();
        let _ = node.child.wait();
        stop.store(true, Ordering::Relaxed);
        for p in publishers {
            p.join().expect("publisher");
        }
        // With the node down, the CLI writes to the store itself: the next start must index it.
        let word = format!("r{round}offline");
        let id = cli_publish(&a_dir, &docs, &word)
            .unwrap_or_else(|| panic!("offline publish {word} succeeds"));
        acked.lock().expect("acked").push((word, id));
    }

    // Every acknowledged document is in the store, once.
    let acked = acked.lock().expect("acked").clone();
    let log = ok(&[
        "log",
        "Valmeuse",
        "--data-dir",
        &a_dir,
        "--json",
        "--limit",
        "1000000",
    ]);
    let log: Value = serde_json::from_str(&log).expect("log json");
    let stored: std::collections::HashSet<&str> = log
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    for (word, id) in &acked {
        assert!(
            stored.contains(id.as_str()),
            "acknowledged {word} ({id}) is stored"
        );
    }
    let verified = ok(&["verify", "--data-dir", &a_dir]);
    assert!(verified.starts_with("ok:"), "{verified}");
    let slowest = synced_after.iter().max().copied().unwrap_or_default();
    let mean = synced_after.iter().sum::<Duration>() / synced_after.len().max(1) as u32;
    println!(
        "{KILLS} SIGKILLs while publishing and {early_kills} while starting: {} acknowledged publishes, all stored and found by search after every restart; /healthz synced after {mean:?} on average, {slowest:?} at worst; {:?} in all",
        acked.len(),
        started.elapsed()
    );
    let _ = Command::new("kill")
        .args(["-TERM", &peer.child.id().to_string()])
        .status();
}
