//! Two `coalition run` processes, one bootstrapped to the other as the README shows, replicate a
//! practice published on either; both stop cleanly on SIGTERM. And the demo runs and stops.

use crate::common;
use common::procs::two_cities;
use common::*;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Node {
    child: Child,
    listen: String,
}

fn start(dir: &str, api_port: u16, bootstrap: Option<&str>) -> Node {
    let api = format!("127.0.0.1:{api_port}");
    let mut args = vec![
        "run",
        "--data-dir",
        dir,
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--api",
        &api,
        "--local",
    ];
    if let Some(b) = bootstrap {
        args.extend(["--bootstrap", b]);
    }
    let mut child = Command::new(BIN)
        .args(&args)
        .env("RUST_LOG", "info,coalition_net=debug,libp2p=warn")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(format!("{dir}.log")).expect("log file"))
        .spawn()
        .expect("spawn coalition run");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut listen = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(addr) = line.strip_prefix("listening") {
            listen.get_or_insert_with(|| addr.trim().to_string());
        }
        if line.starts_with("web page") {
            break;
        }
    }
    // Keep draining stdout so the node never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let listen =
        listen.unwrap_or_else(|| panic!("coalition run on {dir} never printed its listen address"));
    Node { child, listen }
}

fn stop(mut node: Node) {
    let pid = node.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = node.child.try_wait().expect("wait") {
            assert!(
                status.success(),
                "the node exits 0 on SIGTERM, got {status}"
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the node did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_for_entry(dir: &str, id: &str, what: &str) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if run(&["show", id, "--data-dir", dir]).status.success() {
            println!(
                "{what}: replicated in {:.2} s",
                started.elapsed().as_secs_f64()
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    for log in ["a.log", "b.log"] {
        let path = Path::new(dir).with_file_name(log);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        eprintln!("--- last lines of {}:", path.display());
        for line in tail.iter().rev() {
            eprintln!("{line}");
        }
    }
    panic!("waited 30 s for entry {id} to reach {dir} ({what})");
}

/// Publishes the example practice under `title`, for the city the node at `dir` belongs to (city
/// and country come from the roster; the same document twice would be one entry).
fn publish(dir: &str, title: &str) -> String {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/practice.toml");
    let text = std::fs::read_to_string(example).expect("example practice");
    let text = text
        .replace("city = \"Valmeuse\"\n", "")
        .replace("country = \"BE\"\n", "")
        .replacen("[title]\n", &format!("[title]\nes = \"{title}\"\n"), 1);
    let practice = Path::new(dir).with_extension(format!("{}.toml", title.replace(' ', "-")));
    std::fs::write(&practice, text).expect("write the practice");
    let out = ok(&[
        "publish",
        "practice",
        &practice.display().to_string(),
        "--data-dir",
        dir,
        "--json",
    ]);
    entry_id_of(&out)
}

#[test]
fn two_run_processes_replicate_both_ways() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = |rel: &str| -> String { tmp.path().join(rel).display().to_string() };
    two_cities(tmp.path());
    // Published before any node runs: goes to A's store and is synced when the nodes meet.
    let early = publish(&p("a"), "Early");

    let a = start(&p("a"), free_port(), None);
    let b = start(&p("b"), free_port(), Some(&a.listen));
    wait_for_entry(&p("b"), &early, "published offline at A, synced to B");

    // Published while the nodes run: handed to the node and gossiped.
    let from_b = publish(&p("b"), "From B");
    wait_for_entry(&p("a"), &from_b, "published at B, gossiped to A");
    let from_a = publish(&p("a"), "From A");
    wait_for_entry(&p("b"), &from_a, "published at A, gossiped to B");

    // Updates and revisions are handed to the running node too.
    let update = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/update.toml");
    let out = ok(&[
        "publish",
        "update",
        &update.display().to_string(),
        "--data-dir",
        &p("b"),
        "--json",
    ]);
    let update_id = entry_id_of(&out);
    wait_for_entry(&p("a"), &update_id, "update published at B, gossiped to A");
    let practice = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/practice.toml");
    let out = ok(&[
        "revise",
        &from_a,
        &practice.display().to_string(),
        "--data-dir",
        &p("a"),
        "--json",
    ]);
    let revision = entry_id_of(&out);
    wait_for_entry(&p("b"), &revision, "revision published at A, gossiped to B");

    stop(b);
    stop(a);
    let verified = ok(&["verify", "--data-dir", &p("b")]);
    assert!(verified.starts_with("ok: 5 entries"), "{verified}");
}

fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the web page");
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
fn demo_runs_delivers_everything_serves_its_page_and_stops() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir: PathBuf = tmp.path().join("demo");
    let port = free_port().saturating_sub(10).max(20000);
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--cities",
            "3",
            "--seconds",
            "20",
            "--port",
            &port.to_string(),
            "--data-dir",
            &dir.display().to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the demo");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut page = None;
    let mut delivered = false;
    let mut seen = Vec::new();
    while let Some(Ok(line)) = lines.next() {
        if let Some(url) = line.split("web page http://").nth(1) {
            page.get_or_insert_with(|| url.trim_end_matches('/').to_string());
        }
        if line.contains("records on all 3 nodes") {
            delivered = true;
            break;
        }
        seen.push(line);
    }
    assert!(
        delivered,
        "every record reaches every node; the demo printed: {seen:#?}"
    );
    let page = page.expect("the demo prints each city's web page URL");
    let home = http_get(&page, "/");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(
        home.contains("Fair Rent"),
        "the page shows the demo's practices"
    );
    // Two translations of city 1's first practice by the other cities, one endorsed (issue #21):
    // a Spanish or Italian search finds it, and its JSON lists both.
    let found = http_get(
        &page,
        "/api/v1/practices?q=discriminar+discriminare&lang=es",
    );
    let body = found.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let v: serde_json::Value = serde_json::from_str(body.trim()).expect("search json");
    let id = v["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a search in the translations' language finds the practice: {v}"))
        .to_string();
    let practice = http_get(&page, &format!("/api/v1/practices/{id}"));
    let body = practice.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let v: serde_json::Value = serde_json::from_str(body.trim()).expect("practice json");
    let translations = v["translations"].as_array().expect("translations");
    assert_eq!(translations.len(), 2, "{v}");
    assert_eq!(
        translations
            .iter()
            .filter(|t| t["endorsed"] == true)
            .count(),
        1,
        "{v}"
    );
    let metrics = http_get(&page, "/metrics");
    assert!(
        metrics.contains("coalition_net_connected_peers"),
        "network metrics are exported"
    );
    let audit = http_get(&page, "/audit");
    assert!(
        audit.contains("Audit of Demo Coalition"),
        "the demo's audit renders"
    );
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(child.wait().expect("wait").success());
    assert!(
        rest.iter().any(|l| l.contains("Stopped cleanly")),
        "{rest:#?}"
    );
}

/// The node's allocator never marks its memory for transparent huge pages: where the kernel's
/// THP mode is `madvise` (Debian's default), a page fault in a marked region may stall on direct
/// compaction, and first deliveries after start-up took 100-300 ms instead of 15 ms
/// (docs/PERFORMANCE.md, fifteenth session).
#[test]
fn a_running_node_marks_no_memory_for_transparent_huge_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (dir, _) = two_cities(tmp.path());
    let node = common::procs::start_node(&dir, None);
    let smaps = std::fs::read_to_string(format!("/proc/{}/smaps", node.child.id()))
        .expect("the node's /proc/<pid>/smaps");
    // Each mapping starts with its address range; its VmFlags line says `hg` when
    // madvise(MADV_HUGEPAGE) was called on it.
    let mut mapping = "";
    let mut marked = Vec::new();
    for line in smaps.lines() {
        if line.split_whitespace().next().is_some_and(|f| {
            f.contains('-') && f.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        }) {
            mapping = line;
        } else if let Some(flags) = line.strip_prefix("VmFlags:") {
            if flags.split_whitespace().any(|f| f == "hg") {
                marked.push(mapping.to_string());
            }
        }
    }
    common::procs::stop(node);
    assert!(
        marked.is_empty(),
        "mappings marked for huge pages: {marked:#?}"
    );
}
