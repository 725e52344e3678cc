//! The `coalition` binary end to end: real processes, real RocksDB on disk.

use crate::common;
use common::*;

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Stdio};

mod search_filters;

/// Runs a command that must fail and returns its one-line error.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        !out.status.success(),
        "coalition {args:?} should have failed"
    );
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(
        stderr.lines().count(),
        1,
        "errors are one clear line, got: {stderr}"
    );
    stderr
}

struct Coalition {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Coalition {
    /// A charter, one committee key, and one admitted city node at `node`.
    fn new() -> Coalition {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().to_path_buf();
        let c = Coalition { _tmp: tmp, root };
        ok(&[
            "charter",
            "new",
            "--name",
            "Test Coalition",
            "--out",
            &c.p("coalition"),
        ]);
        let city_key = c.init("node", "Valmeuse", "BE");
        c.admit(&city_key, "Valmeuse", "BE");
        ok(&[
            "roster",
            "apply",
            "--data-dir",
            &c.p("node"),
            "--roster",
            &c.p("coalition/roster.txt"),
        ]);
        c
    }

    fn p(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }

    fn init(&self, dir: &str, city: &str, country: &str) -> String {
        let out = ok(&[
            "init",
            "--data-dir",
            &self.p(dir),
            "--charter",
            &self.p("coalition/charter.toml"),
            "--city",
            city,
            "--country",
            country,
            "--json",
        ]);
        let v: Value = serde_json::from_str(&out).expect("init --json prints JSON");
        v["city_key"].as_str().expect("city_key").to_string()
    }

    fn admit(&self, key: &str, city: &str, country: &str) {
        ok(&[
            "roster",
            "admit",
            "--charter",
            &self.p("coalition/charter.toml"),
            "--committee-key",
            &self.p("coalition/committee-1.key"),
            "--city-key",
            key,
            "--city",
            city,
            "--country",
            country,
        ]);
    }

    fn entry_count(&self) -> usize {
        let out = ok(&[
            "log",
            "--data-dir",
            &self.p("node"),
            "--json",
            "--limit",
            "100000",
        ]);
        let v: Value = serde_json::from_str(&out).expect("log --json prints JSON");
        v.as_array().expect("array").len()
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.root.join(name);
        std::fs::write(&path, text).expect("write input file");
        path.display().to_string()
    }
}

#[test]
fn init_publish_search_show() {
    let c = Coalition::new();
    let practice = examples().join("practice.toml").display().to_string();
    let out = ok(&[
        "publish",
        "practice",
        &practice,
        "--data-dir",
        &c.p("node"),
        "--json",
    ]);
    let id = entry_id_of(&out);
    assert_eq!(id.len(), 64);

    let found = ok(&[
        "search",
        "--commitment",
        "7",
        "--kind",
        "practice",
        "--json",
        "--data-dir",
        &c.p("node"),
    ]);
    let found: Value = serde_json::from_str(&found).expect("search --json");
    let ids: Vec<&str> = found
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["id"].as_str())
        .collect();
    assert_eq!(ids, vec![id.as_str()]);
    let none = ok(&[
        "search",
        "--commitment",
        "9",
        "--json",
        "--data-dir",
        &c.p("node"),
    ]);
    assert_eq!(
        serde_json::from_str::<Value>(&none).expect("json"),
        Value::Array(vec![])
    );

    let shown = ok(&["show", &id[..12], "--data-dir", &c.p("node")]);
    assert!(
        shown.contains("Fair Rent"),
        "show prints the title: {shown}"
    );
    assert!(shown.contains(&id));
    let shown = ok(&["show", &id, "--json", "--data-dir", &c.p("node")]);
    let shown: Value = serde_json::from_str(&shown).expect("show --json");
    assert_eq!(shown["member"], "Valmeuse");
    assert_eq!(shown["header"]["seq"], 1);
    assert_eq!(shown["signature_check"]["verified"], true);

    // Update and report publish too; the verify command passes on a healthy store.
    ok(&[
        "publish",
        "update",
        &examples().join("update.toml").display().to_string(),
        "--data-dir",
        &c.p("node"),
    ]);
    ok(&[
        "publish",
        "report",
        &examples().join("report.toml").display().to_string(),
        "--data-dir",
        &c.p("node"),
    ]);
    let verified = ok(&["verify", "--data-dir", &c.p("node")]);
    assert!(verified.starts_with("ok: 3 entries"), "{verified}");

    // Retraction hides the practice from search.
    ok(&[
        "retract",
        &id,
        "--reason",
        "Replaced by the 2026 programme",
        "--data-dir",
        &c.p("node"),
    ]);
    let found = ok(&[
        "search",
        "--commitment",
        "7",
        "--kind",
        "practice",
        "--json",
        "--data-dir",
        &c.p("node"),
    ]);
    assert_eq!(
        serde_json::from_str::<Value>(&found).expect("json"),
        Value::Array(vec![])
    );
}

#[test]
fn bad_input_changes_nothing_and_names_the_rule() {
    let c = Coalition::new();
    let node = c.p("node");
    let base = std::fs::read_to_string(examples().join("practice.toml")).expect("example");
    ok(&[
        "publish",
        "practice",
        &examples().join("practice.toml").display().to_string(),
        "--data-dir",
        &node,
    ]);
    assert_eq!(c.entry_count(), 1);

    let malformed = c.write("malformed.toml", "title = { en = \"unterminated }\n");
    let e = fails(&["publish", "practice", &malformed, "--data-dir", &node]);
    assert!(e.contains("malformed.toml") && e.contains("TOML"), "{e}");

    let c11 = c.write(
        "c11.toml",
        &base.replace("commitments = [3, 7]", "commitments = [3, 11]"),
    );
    let e = fails(&["publish", "practice", &c11, "--data-dir", &node]);
    assert!(
        e.contains("practice.commitments") && e.contains("11"),
        "{e}"
    );

    let untitled = {
        let start = base.find("[title]").expect("title table");
        let end = base[start..].find("[summary]").expect("summary table") + start;
        format!("{}{}", &base[..start], &base[end..])
    };
    let untitled = c.write("untitled.toml", &untitled);
    let e = fails(&["publish", "practice", &untitled, "--data-dir", &node]);
    assert!(e.contains("title"), "{e}");
    let blank_title = c.write(
        "blank.toml",
        &format!(
            "{}\n",
            base.replace("[title]\n", "[title]\nxx-blank = \"\"\n[ignored_title]\n")
        ),
    );
    let e = fails(&["publish", "practice", &blank_title, "--data-dir", &node]);
    assert!(e.contains("ignored_title") || e.contains("title"), "{e}");

    let bad_lang = c.write(
        "lang.toml",
        &base.replace("[title]\nen =", "[title]\nenglish ="),
    );
    let e = fails(&["publish", "practice", &bad_lang, "--data-dir", &node]);
    assert!(
        e.contains("practice.title") && e.contains("english") && e.contains("BCP 47"),
        "{e}"
    );

    let huge = format!(
        "{}\n",
        base.replacen(
            "[body]\nen = \"\"\"",
            &format!("[body]\nen = \"\"\"{}", "x".repeat(100 * 1024)),
            1
        )
    );
    let huge = c.write("huge.toml", &huge);
    let e = fails(&["publish", "practice", &huge, "--data-dir", &node]);
    assert!(e.contains("practice.body.en") && e.contains("limit"), "{e}");

    // A city whose key is not on the roster.
    c.init("stranger", "Nowhere", "FR");
    let e = fails(&[
        "publish",
        "practice",
        &examples().join("practice.toml").display().to_string(),
        "--data-dir",
        &c.p("stranger"),
    ]);
    assert!(e.contains("not a member city"), "{e}");

    // A second init on the same data dir.
    let e = fails(&[
        "init",
        "--data-dir",
        &node,
        "--charter",
        &c.p("coalition/charter.toml"),
        "--city",
        "Valmeuse",
        "--country",
        "BE",
    ]);
    assert!(e.contains("refusing to overwrite"), "{e}");

    // Bad CLI arguments name the flag.
    let e = fails(&["search", "--commitment", "11", "--data-dir", &node]);
    assert!(e.contains("--commitment"), "{e}");
    let e = fails(&["search", "--since", "yesterday", "--data-dir", &node]);
    assert!(e.contains("--since"), "{e}");

    assert_eq!(c.entry_count(), 1, "no rejected input was stored");
}

#[test]
fn store_from_a_newer_version_is_refused() {
    let c = Coalition::new();
    {
        let path = c.root.join("node/store");
        let mut opts = rocksdb::Options::default();
        opts.create_missing_column_families(true);
        let db =
            rocksdb::DB::open_cf(&opts, &path, coalition_store::layout::ALL_CFS).expect("raw open");
        let meta = db
            .cf_handle(coalition_store::layout::CF_META)
            .expect("meta");
        db.put_cf(
            meta,
            coalition_store::layout::META_SCHEMA,
            99u32.to_be_bytes(),
        )
        .expect("put");
    }
    let practice = examples().join("practice.toml").display().to_string();
    let e = fails(&["publish", "practice", &practice, "--data-dir", &c.p("node")]);
    assert!(e.contains("newer version") && e.contains("99"), "{e}");
    let e = fails(&["log", "--data-dir", &c.p("node")]);
    assert!(e.contains("newer version"), "{e}");
}

#[test]
fn verify_names_the_city_and_seq_of_a_flipped_byte() {
    let c = Coalition::new();
    let base = std::fs::read_to_string(examples().join("practice.toml")).expect("example");
    for i in 0..3 {
        // Three different documents: the same one published again would be the same entry.
        let text = base.replacen("[title]\n", &format!("[title]\nes = \"Práctica {i}\"\n"), 1);
        let practice = c.write(&format!("practice-{i}.toml"), &text);
        ok(&["publish", "practice", &practice, "--data-dir", &c.p("node")]);
    }
    {
        let path = c.root.join("node/store");
        let db = rocksdb::DB::open_cf(
            &rocksdb::Options::default(),
            &path,
            coalition_store::layout::ALL_CFS,
        )
        .expect("raw open");
        let entries = db
            .cf_handle(coalition_store::layout::CF_ENTRIES)
            .expect("entries cf");
        let (key, mut value) = db
            .iterator_cf(entries, rocksdb::IteratorMode::Start)
            .nth(1)
            .expect("a second entry")
            .expect("readable");
        let at = value.len() / 2;
        value[at] ^= 0x01;
        db.put_cf(entries, &key, &value).expect("rewrite");
    }
    let out = run(&["verify", "--data-dir", &c.p("node")]);
    assert!(!out.status.success(), "verify must exit non-zero");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("city Valmeuse") && text.contains("seq 2"),
        "{text}"
    );
    assert!(
        !text.contains("seq 1:") && !text.contains("seq 3:"),
        "only seq 2 is damaged: {text}"
    );
}

#[test]
fn sigkill_after_stored_loses_nothing() {
    let c = Coalition::new();
    let practice = examples().join("practice.toml").display().to_string();
    let files: Vec<String> = (0..8).map(|_| practice.clone()).collect();
    let mut reported = Vec::new();
    for i in 0..20 {
        let mut args = vec!["publish".to_string(), "practice".into()];
        args.extend(files.iter().cloned());
        args.extend(["--data-dir".into(), c.p("node"), "--json".into()]);
        let mut child = Command::new(BIN)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("read");
        // SIGKILL the moment the first entry is reported stored.
        let _ = child.kill();
        let _ = child.wait();
        let v: Value = serde_json::from_str(line.trim())
            .unwrap_or_else(|e| panic!("iteration {i}: no stored report ({e}): {line:?}"));
        reported.push(v["id"].as_str().expect("id").to_string());
    }
    assert_eq!(reported.len(), 20);
    for id in &reported {
        ok(&["show", id, "--data-dir", &c.p("node")]);
    }
    let verified = ok(&["verify", "--data-dir", &c.p("node")]);
    assert!(verified.starts_with("ok:"), "{verified}");
    println!(
        "all {} reported entries found after SIGKILL; {}",
        reported.len(),
        verified.trim()
    );
}

#[test]
fn full_text_search_finds_french_plural() {
    let c = Coalition::new();
    let practice = examples().join("practice.toml").display().to_string();
    let out = ok(&[
        "publish",
        "practice",
        &practice,
        "--data-dir",
        &c.p("node"),
        "--json",
    ]);
    let id = entry_id_of(&out);
    let found = ok(&[
        "search",
        "logements",
        "--lang",
        "fr",
        "--json",
        "--data-dir",
        &c.p("node"),
    ]);
    let found: Value = serde_json::from_str(&found).expect("search --json");
    let hits = found["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 1, "{found}");
    assert_eq!(hits[0]["id"], id.as_str());
    // The snippet as text and ranges, and as HTML (as the node's API gives it).
    assert!(hits[0]["snippet_text"].is_string(), "{found}");
    assert!(!hits[0]["highlights"]
        .as_array()
        .expect("highlights")
        .is_empty());
    assert!(hits[0]["snippet_html"]
        .as_str()
        .is_some_and(|html| html.contains("<mark>")));
    // Without --json: the snippet as plain text, the matched words in brackets.
    let printed = ok(&[
        "search",
        "logements",
        "--lang",
        "fr",
        "--data-dir",
        &c.p("node"),
    ]);
    assert!(printed.contains("[logement"), "{printed}");
    assert!(!printed.contains("<mark>"), "{printed}");
    let none = ok(&[
        "search",
        "logements",
        "--commitment",
        "9",
        "--json",
        "--data-dir",
        &c.p("node"),
    ]);
    let none: Value = serde_json::from_str(&none).expect("json");
    assert_eq!(none["hits"].as_array().map(Vec::len), Some(0));
}

#[test]
fn rate_limits_and_log_format_are_in_the_config_and_bad_values_are_refused() {
    let c = Coalition::new();
    let path = c.root.join("node/config.toml");
    let text = std::fs::read_to_string(&path).expect("config.toml written by init");
    for line in [
        "sync_requests_per_second = 50",
        "sync_request_burst = 400",
        "author_entries_per_second = 50",
        "author_entry_burst = 500",
    ] {
        assert!(text.contains(line), "config.toml lacks {line:?}:\n{text}");
    }
    std::fs::write(
        &path,
        text.replace("sync_request_burst = 400", "sync_request_burst = 0"),
    )
    .expect("edit config.toml");
    let e = fails(&["run", "--data-dir", &c.p("node"), "--local"]);
    assert!(
        e.contains("network.sync_request_burst is 0") && e.contains("default 400"),
        "{e}"
    );

    // The log format is one of two words, in the file and on the command line.
    std::fs::write(&path, text.replace("format = \"text\"", "format = \"xml\"")).expect("edit");
    let e = fails(&["run", "--data-dir", &c.p("node"), "--local"]);
    assert!(
        e.contains("config.toml") && e.contains("`xml`, expected `text` or `json`"),
        "{e}"
    );
    std::fs::write(&path, &text).expect("restore config.toml");
    // A usage error: clap's own message, with the values it takes.
    let out = run(&[
        "run",
        "--data-dir",
        &c.p("node"),
        "--local",
        "--log-format",
        "xml",
    ]);
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && e.contains("possible values: text, json"),
        "{e}"
    );
}

#[test]
fn personal_data_find_lists_the_entries_and_fields_holding_it() {
    let c = Coalition::new();
    let practice = examples().join("practice.toml").display().to_string();
    let id = entry_id_of(&ok(&[
        "publish",
        "practice",
        &practice,
        "--data-dir",
        &c.p("node"),
        "--json",
    ]));
    let text: toml::Value =
        toml::from_str(&std::fs::read_to_string(&practice).expect("example")).expect("toml");
    let email = text["contact"]["email"]
        .as_str()
        .expect("the example has an e-mail");
    let found: Value = serde_json::from_str(&ok(&[
        "personal-data",
        "find",
        "--email",
        &email.to_uppercase(),
        "--json",
        "--data-dir",
        &c.p("node"),
    ]))
    .expect("json");
    let entries = found["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["id"], id.as_str());
    assert!(entries[0]["fields"]
        .as_array()
        .expect("fields")
        .contains(&Value::from("contact.email")));
    let none: Value = serde_json::from_str(&ok(&[
        "personal-data",
        "find",
        "--name",
        "Nobody Atall",
        "--json",
        "--data-dir",
        &c.p("node"),
    ]))
    .expect("json");
    assert_eq!(none["entries"], Value::Array(vec![]));
    let refused = fails(&[
        "personal-data",
        "find",
        "--phone",
        "12",
        "--data-dir",
        &c.p("node"),
    ]);
    assert!(refused.contains("fewer than 6 digits"), "{refused}");
}
