//! Real `coalition run` processes for the tests that start nodes: a two-city coalition on disk,
//! starting a node (optionally bootstrapped to another), plain HTTP against its API.

use super::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Node {
    pub child: Child,
    /// The first p2p address it printed, with its peer id.
    pub listen: String,
    /// host:port of its API.
    pub api: String,
}

/// A test that fails midway must not leave its nodes running (they would go on using the
/// machine's cores and ports): a node still running when dropped is killed.
impl Drop for Node {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Starts `coalition run` on `dir` (log appended to `<dir>.log`) and waits until it serves its
/// page.
pub fn start_node(dir: &str, bootstrap: Option<&str>) -> Node {
    start_node_of(BIN, dir, bootstrap)
}

/// As [`start_node`], with another build of the binary (the mixed-version test's newer node).
/// The API port is picked free just before the node binds it; when another test took it in
/// between (tests run in parallel), the node says so and starts again on another port.
pub fn start_node_of(bin: &str, dir: &str, bootstrap: Option<&str>) -> Node {
    for _ in 0..3 {
        let log_before = std::fs::metadata(format!("{dir}.log")).map_or(0, |m| m.len());
        match try_start_node_of(bin, dir, bootstrap) {
            Ok(node) => return node,
            Err(failure) => {
                let log = std::fs::read(format!("{dir}.log")).unwrap_or_default();
                let new = String::from_utf8_lossy(log.get(log_before as usize..).unwrap_or(&[]))
                    .to_string();
                if !new.contains("cannot listen for the API") {
                    panic!("{failure}");
                }
            }
        }
    }
    panic!("coalition run on {dir}: three API ports in a row were taken");
}

fn try_start_node_of(bin: &str, dir: &str, bootstrap: Option<&str>) -> Result<Node, String> {
    let api = format!("127.0.0.1:{}", free_port());
    let mut child = spawn_node_of(bin, dir, bootstrap, &api);
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut listen = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut serving = false;
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(addr) = line.strip_prefix("listening") {
            listen.get_or_insert_with(|| addr.trim().to_string());
        }
        if line.starts_with("web page") {
            serving = true;
            break;
        }
    }
    if !serving {
        // The temporary directory goes with the failing test: say here what the node said.
        let _ = child.kill();
        let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
        let log = std::fs::read_to_string(format!("{dir}.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "coalition run on {dir} stopped before serving ({status}); the end of {dir}.log:\n{}",
            tail.join("\n")
        ));
    }
    // Keep draining stdout so the node never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let listen = listen.unwrap_or_else(|| panic!("coalition run on {dir} printed no address"));
    Ok(Node { child, listen, api })
}

/// Spawns `coalition run` on `dir` with its API on `api` and stdout piped, without waiting.
pub fn spawn_node(dir: &str, bootstrap: Option<&str>, api: &str) -> Child {
    spawn_node_of(BIN, dir, bootstrap, api)
}

fn spawn_node_of(bin: &str, dir: &str, bootstrap: Option<&str>, api: &str) -> Child {
    let mut args = vec![
        "run",
        "--data-dir",
        dir,
        "--listen",
        "/ip4/127.0.0.1/tcp/0",
        "--api",
        api,
        "--local",
    ];
    if let Some(b) = bootstrap {
        args.extend(["--bootstrap", b]);
    }
    Command::new(bin)
        .args(&args)
        .env_remove("COALITION_DATA_DIR")
        .env("RUST_LOG", "info,libp2p=warn")
        .stdout(Stdio::piped())
        .stderr(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(format!("{dir}.log"))
                .expect("log file"),
        )
        .spawn()
        .expect("spawn coalition run")
}

/// One GET; (status code, body). `None` when the node does not answer.
pub fn http_get(addr: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Some((status, body.to_string()))
}

/// POST of a JSON body with the node's bearer token; (status, body).
pub fn http_post(api: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(api).expect("connect");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {api}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// GET of a JSON document; `None` when the node does not answer or the body is not JSON.
pub fn http_json(addr: &str, path: &str) -> Option<(u16, Value)> {
    let (status, body) = http_get(addr, path)?;
    Some((status, serde_json::from_str(body.trim()).ok()?))
}

/// A charter and two admitted cities, Valmeuse at `<root>/a` and Lindenfeld at `<root>/b`.
pub fn two_cities(root: &Path) -> (String, String) {
    let dirs = cities(root, &[("a", "Valmeuse", "BE"), ("b", "Lindenfeld", "DE")]);
    (dirs[0].clone(), dirs[1].clone())
}

/// A charter and the given cities `(directory under root, name, country)`, each admitted and
/// with the roster applied; returns their data directories.
pub fn cities(root: &Path, list: &[(&str, &str, &str)]) -> Vec<String> {
    let p = |rel: &str| -> String { root.join(rel).display().to_string() };
    ok(&[
        "charter",
        "new",
        "--name",
        "Test Cities",
        "--out",
        &p("coalition"),
    ]);
    let mut keys = Vec::new();
    for (dir, city, country) in list {
        let out = ok(&[
            "init",
            "--data-dir",
            &p(dir),
            "--charter",
            &p("coalition/charter.toml"),
            "--city",
            city,
            "--country",
            country,
            "--json",
        ]);
        let v: Value = serde_json::from_str(&out).expect("json");
        keys.push((
            city,
            country,
            v["city_key"].as_str().expect("key").to_string(),
        ));
    }
    for (city, country, key) in &keys {
        ok(&[
            "roster",
            "admit",
            "--charter",
            &p("coalition/charter.toml"),
            "--committee-key",
            &p("coalition/committee-1.key"),
            "--city-key",
            key,
            "--city",
            city,
            "--country",
            country,
        ]);
    }
    list.iter()
        .map(|(dir, _, _)| {
            ok(&[
                "roster",
                "apply",
                "--data-dir",
                &p(dir),
                "--roster",
                &p("coalition/roster.txt"),
            ]);
            p(dir)
        })
        .collect()
}

/// Stops a node with SIGTERM and checks that it exits 0 within 30 s.
pub fn stop(mut node: Node) {
    let pid = node.child.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(status) = node.child.try_wait().expect("wait") {
            assert!(
                status.success(),
                "the node exits 0 on SIGTERM, got {status}"
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the node did not stop within 30 s of SIGTERM");
}

/// Writes an activity update whose title is `title`, so each document is distinct.
pub fn update_file(dir: &Path, title: &str) -> String {
    let path = dir.join(format!("{}.toml", title.replace(' ', "-")));
    std::fs::write(
        &path,
        format!(
            "date = \"2025-03-21\"\ncategory = \"event\"\ncommitments = [1]\nillustrative = true\n[title]\nen = \"{title}\"\n[text]\nen = \"What happened at {title}.\"\n"
        ),
    )
    .expect("write the update");
    path.display().to_string()
}

/// `coalition publish update FILE --json` on `data_dir` (through its node when one runs).
pub fn publish_update(data_dir: &str, file: &str) -> std::process::Output {
    run(&["publish", "update", file, "--data-dir", data_dir, "--json"])
}

/// The seq of entry `id` in the store of `data_dir`.
pub fn seq_of(data_dir: &str, id: &str) -> u64 {
    let out = ok(&["show", id, "--data-dir", data_dir, "--json"]);
    let v: Value = serde_json::from_str(&out).expect("show json");
    v["header"]["seq"].as_u64().expect("seq")
}

/// How many entries of `city` the store of `data_dir` holds.
pub fn head_of(data_dir: &str, city: &str) -> u64 {
    let out = ok(&[
        "log",
        city,
        "--data-dir",
        data_dir,
        "--json",
        "--limit",
        "1000",
    ]);
    let v: Value = serde_json::from_str(&out).expect("log json");
    v.as_array().map_or(0, |a| a.len() as u64)
}

/// Polls `done` every 300 ms; panics naming `what` after `secs` seconds.
pub fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    panic!("waited {secs} s for {what}");
}
