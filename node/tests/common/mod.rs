//! Shared helpers for the tests that run the real `coalition` binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_coalition");

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples")
}

/// Runs the binary to completion, ignoring any COALITION_DATA_DIR of the caller's environment.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("COALITION_DATA_DIR")
        .output()
        .expect("the coalition binary runs")
}

/// Runs a command that must succeed and returns its stdout.
pub fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "coalition {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The entry id from a `--json` publish, retract or revise answer.
pub fn entry_id_of(json_out: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json_out.trim())
        .unwrap_or_else(|e| panic!("not the JSON of a stored entry ({e}): {json_out}"));
    v["id"]
        .as_str()
        .expect("the answer names the entry id")
        .to_string()
}

/// Copies a directory tree (a store or a fixture, which no process has open).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for item in std::fs::read_dir(from).expect("read the directory") {
        let item = item.expect("a directory entry");
        let target = to.join(item.file_name());
        if item.file_type().expect("file type").is_dir() {
            copy_dir(&item.path(), &target);
        } else {
            std::fs::copy(item.path(), &target).expect("copy a file");
        }
    }
}

pub mod netns;
pub mod procs;
