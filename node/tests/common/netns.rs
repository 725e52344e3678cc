//! Network namespaces for the tests that need other hosts (NAT, firewalls): namespaces named
//! `<prefix>-<name>`, commands run inside them, and `coalition run` processes started in them
//! with their log kept. Everything lives inside the namespaces, which are deleted on drop, even
//! when a test fails.

use super::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs `program args…` to completion; its stderr in the error.
pub fn command(program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("{program} cannot run: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Why these tests cannot run here (not root, a tool missing), if they cannot.
pub fn skip_reason(tools: &[&str]) -> Option<String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    if !root {
        return Some("creating network namespaces needs root".into());
    }
    for tool in tools {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !found {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

/// A set of namespaces, each with its loopback up; removed on drop.
pub struct Net {
    pub prefix: String,
    names: Vec<&'static str>,
}

impl Net {
    /// Creates `names` under `<letters><pid>` (short: interface names derive from it).
    pub fn create(letters: &str, names: &[&'static str]) -> Result<Net, String> {
        let net = Net {
            prefix: format!("{letters}{}", std::process::id() % 100_000),
            names: Vec::new(),
        };
        let mut net = net;
        for n in names {
            command("ip", &["netns", "add", &net.ns(n)])?;
            net.names.push(n);
            command("ip", &["-n", &net.ns(n), "link", "set", "lo", "up"])?;
        }
        Ok(net)
    }

    pub fn ns(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    /// `ip args…` (outside the namespaces: give `-n NS` to act in one).
    pub fn ip(&self, args: &[&str]) -> Result<(), String> {
        command("ip", args)
    }

    /// `args…` run inside namespace `ns`.
    pub fn exec(&self, ns: &str, args: &[&str]) -> Result<(), String> {
        let name = self.ns(ns);
        let mut full = vec!["netns", "exec", &name];
        full.extend_from_slice(args);
        command("ip", &full)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for n in &self.names {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(n)])
                .status();
        }
    }
}

/// A `coalition run` in a namespace; its log lines are kept for the test to read. Killed on
/// drop.
pub struct NsNode {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    /// Its API, on its namespace's loopback.
    pub api: String,
}

impl NsNode {
    /// Starts `coalition run --data-dir DIR --api … EXTRA…` in `ns`; `RUST_LOG` from the
    /// environment variable `log_var` when set.
    pub fn start(net: &Net, ns: &str, dir: &str, extra: &[&str], log_var: &str) -> NsNode {
        let api = format!("127.0.0.1:{}", free_port());
        let ns_name = net.ns(ns);
        let mut args = vec![
            "netns",
            "exec",
            &ns_name,
            BIN,
            "run",
            "--data-dir",
            dir,
            "--api",
            &api,
        ];
        args.extend_from_slice(extra);
        let mut child = Command::new("ip")
            .args(&args)
            .env(
                "RUST_LOG",
                std::env::var(log_var).unwrap_or_else(|_| "info,libp2p=warn".into()),
            )
            .env("NO_COLOR", "1")
            .env_remove("COALITION_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("coalition run starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stdout: Box<dyn std::io::Read + Send> = Box::new(child.stdout.take().expect("stdout"));
        let stderr: Box<dyn std::io::Read + Send> = Box::new(child.stderr.take().expect("stderr"));
        for stream in [stdout, stderr] {
            let sink = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut log) = sink.lock() {
                        log.push(line);
                    }
                }
            });
        }
        NsNode { child, log, api }
    }

    pub fn lines(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Whether a log line matching `pred` shows within `secs`.
    pub fn has_within(&self, pred: impl Fn(&str) -> bool, secs: u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if self.lines().iter().any(|l| pred(l)) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// The first log line matching `pred`; panics with the log after `secs`.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < deadline {
            if let Some(line) = self.lines().into_iter().find(|l| pred(l)) {
                return line;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "waited {secs} s for {what}; the node's log:\n{}",
            self.lines().join("\n")
        );
    }
}

impl Drop for NsNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
