//! The `coalition` binary at its edges, with real processes and real RocksDB on disk: input files
//! over the size limit (`/dev/zero`, 100 MB), a reader that closes the pipe early, a garbled
//! search index, and `run` starting while something else holds the store lock.

use crate::common;
use common::*;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A charter and one admitted city node at `<tmp>/node`, with one practice published.
struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().to_path_buf();
        let s = Setup { _tmp: tmp, root };
        ok(&[
            "charter",
            "new",
            "--name",
            "Test Coalition",
            "--out",
            &s.p("coalition"),
        ]);
        let out = ok(&[
            "init",
            "--data-dir",
            &s.node(),
            "--charter",
            &s.p("coalition/charter.toml"),
            "--city",
            "Valmeuse",
            "--country",
            "BE",
            "--json",
        ]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("init --json prints JSON");
        let key = v["city_key"].as_str().expect("city_key").to_string();
        ok(&[
            "roster",
            "admit",
            "--charter",
            &s.p("coalition/charter.toml"),
            "--committee-key",
            &s.p("coalition/committee-1.key"),
            "--city-key",
            &key,
            "--city",
            "Valmeuse",
            "--country",
            "BE",
        ]);
        ok(&[
            "roster",
            "apply",
            "--data-dir",
            &s.node(),
            "--roster",
            &s.p("coalition/roster.txt"),
        ]);
        let practice = examples().join("practice.toml").display().to_string();
        ok(&["publish", "practice", &practice, "--data-dir", &s.node()]);
        s
    }

    fn p(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }

    fn node(&self) -> String {
        self.p("node")
    }
}

/// Runs the binary with a deadline; kills it and fails when it overruns. Returns the output and
/// the peak resident memory in KiB (from /proc, sampled while it runs).
fn run_within(args: &[&str], limit: Duration) -> (std::process::Output, u64) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("COALITION_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn coalition");
    let started = Instant::now();
    let mut peak_kib = 0;
    loop {
        let status = format!("/proc/{}/status", child.id());
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("coalition {args:?} still ran after {limit:?} (peak {peak_kib} KiB)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().expect("output"), peak_kib)
}

#[test]
fn input_files_over_the_limit_are_refused_at_once_naming_it() {
    let s = Setup::new();
    let big = s.root.join("big.toml");
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(100 * 1024 * 1024)
        .expect("a 100 MB (sparse) file");
    for input in ["/dev/zero".to_string(), big.display().to_string()] {
        let (out, peak_kib) = run_within(
            &["publish", "practice", &input, "--data-dir", &s.node()],
            Duration::from_secs(10),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{input}: refused");
        assert!(
            stderr.contains("limit of 4 MiB") && stderr.contains(&input),
            "{input}: the message names the file and the limit: {stderr}"
        );
        assert!(
            peak_kib < 64 * 1024,
            "{input}: peak memory {peak_kib} KiB stays small"
        );
        println!("{input}: refused, peak memory {peak_kib} KiB");
    }
}

/// Starts `coalition <args>` with its standard output closed before it writes anything; returns
/// its exit status and standard error.
fn with_closed_stdout(args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("COALITION_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn coalition");
    drop(child.stdout.take()); // the reader is gone, like `| head -0`
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    (child.wait().expect("wait"), stderr)
}

#[test]
fn a_closed_pipe_ends_commands_quietly() {
    let s = Setup::new();
    let node = s.node();
    for args in [
        vec!["log", "--data-dir", &node],
        vec!["log", "--data-dir", &node, "--json"],
        vec!["search", "housing", "--data-dir", &node],
        vec!["verify", "--data-dir", &node],
    ] {
        let (status, stderr) = with_closed_stdout(&args);
        assert!(
            !stderr.contains("panicked"),
            "coalition {args:?} panicked on a closed pipe: {stderr}"
        );
        assert!(status.success(), "coalition {args:?}: {status} {stderr}");
        assert!(!stderr.contains("error"), "quiet: {stderr}");
    }
    // And as a shell pipeline.
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("'{BIN}' log --data-dir '{node}' | head -1"))
        .output()
        .expect("sh runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

/// Overwrites every file of the search index with bytes that are no index.
fn garble(dir: &Path) -> usize {
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("search dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let len = std::fs::metadata(&path)
                .map(|m| m.len())
                .unwrap_or(0)
                .max(16);
            let junk: Vec<u8> = (0..len).map(|i| (i * 7 + 13) as u8).collect();
            std::fs::write(&path, junk).expect("garbled");
            count += 1;
        }
    }
    count
}

struct Running {
    child: Child,
    api: String,
    log: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `coalition run`; `Err(log text)` when it exits before serving its page.
fn start(dir: &str, log: PathBuf) -> Result<Running, String> {
    let api = format!("127.0.0.1:{}", free_port());
    let mut child = Command::new(BIN)
        .args([
            "run",
            "--data-dir",
            dir,
            "--listen",
            "/ip4/127.0.0.1/tcp/0",
            "--api",
            &api,
            "--local",
        ])
        .env_remove("COALITION_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("spawn coalition run");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut serving = false;
    for line in lines.by_ref() {
        if line.map(|l| l.starts_with("web page")).unwrap_or(false) {
            serving = true;
            break;
        }
    }
    if !serving {
        let _ = child.wait();
        return Err(std::fs::read_to_string(&log).unwrap_or_default());
    }
    std::thread::spawn(move || lines.for_each(drop));
    Ok(Running { child, api, log })
}

fn http_get(addr: &str, path: &str) -> String {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).expect("connect to the API");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut text = String::new();
    stream.read_to_string(&mut text).expect("response");
    text
}

#[test]
fn a_garbled_search_index_is_rebuilt_by_reindex_and_by_run() {
    let s = Setup::new();
    let node = s.node();
    let search = Path::new(&node).join("search");
    ok(&["reindex", "--data-dir", &node]);
    assert!(garble(&search) > 0, "the index has files to garble");
    let out = ok(&["reindex", "--data-dir", &node]);
    assert!(
        out.contains("damaged") && out.contains("1 documents"),
        "{out}"
    );

    assert!(garble(&search) > 0);
    let running = start(&node, s.root.join("run.log"))
        .unwrap_or_else(|log| panic!("run refused a garbled search index: {log}"));
    let answer = http_get(&running.api, "/api/v1/practices?q=housing");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("\"total\":1"),
        "search works again: {answer}"
    );
    let log = std::fs::read_to_string(&running.log).unwrap_or_default();
    assert!(
        log.contains("search index is damaged"),
        "a warning in the log: {log}"
    );
}

/// `coalition search --json` with no node running: (exit ok, ids found, stderr).
fn search_offline(node: &str, word: &str) -> (bool, Vec<String>, String) {
    let out = run(&["search", word, "--data-dir", node, "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let ids = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .ok()
        .and_then(|v| v["hits"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|h| h["id"].as_str().map(str::to_string))
        .collect();
    (out.status.success(), ids, stderr)
}

#[test]
fn search_without_a_node_finds_offline_publishes_and_repairs_a_garbled_index() {
    let s = Setup::new();
    let node = s.node();
    let search = Path::new(&node).join("search");
    let (ok_first, housing, _) = search_offline(&node, "housing");
    assert!(ok_first && housing.len() == 1, "{housing:?}");

    // Published with no node running: in the store only, until the next open catches up.
    let update = s.root.join("update.json");
    std::fs::write(
        &update,
        r#"{"date": "2025-03-21", "category": "event", "commitments": [1], "illustrative": true,
            "title": {"en": "Zebrafinch assembly"}, "text": {"en": "A neighbourhood assembly."}}"#,
    )
    .expect("write the update");
    let id = entry_id_of(&ok(&[
        "publish",
        "update",
        &update.display().to_string(),
        "--data-dir",
        &node,
        "--json",
    ]));
    let (ok_offline, found, stderr) = search_offline(&node, "zebrafinch");
    assert!(ok_offline, "{stderr}");
    assert_eq!(
        found,
        vec![id.clone()],
        "an offline publish is found by the next search"
    );

    // A garbled index: moved aside and rebuilt, with a warning; both entries found again.
    assert!(garble(&search) > 0);
    let (ok_garbled, found, stderr) = search_offline(&node, "zebrafinch");
    assert!(ok_garbled, "search with a garbled index: {stderr}");
    assert_eq!(found, vec![id]);
    assert!(
        stderr.contains("search index is damaged"),
        "a warning: {stderr}"
    );
    assert!(Path::new(&node).join("search.damaged").exists());
    assert_eq!(search_offline(&node, "housing").1, housing);
}

#[test]
fn run_waits_for_a_short_lock_and_names_a_long_holder() {
    let s = Setup::new();
    let node = s.node();
    let store_dir = Path::new(&node).join("store");

    // Another process (this test) holds the lock for 2 s, as a CLI publish would briefly.
    let store = coalition_store::Store::open(&store_dir).expect("the test holds the store");
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        drop(store);
    });
    let first = start(&node, s.root.join("a.log"))
        .unwrap_or_else(|log| panic!("run gave up on a lock held for 2 s: {log}"));
    release.join().expect("released");

    // A node holds it for good: a second `run` gives up, naming the node and what to do.
    let started = Instant::now();
    let log = match start(&node, s.root.join("b.log")) {
        Ok(_) => panic!("two nodes ran on one store"),
        Err(log) => log,
    };
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "it waited before giving up"
    );
    let pid = first.child.id().to_string();
    assert!(
        log.contains("a coalition node") && log.contains(&pid) && log.contains("stop it first"),
        "{log}"
    );
    drop(first);
}
