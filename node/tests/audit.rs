//! `coalition audit`, `coalition export` and `coalition verify-bundle` on the real binary.

use crate::common;
use common::*;

use serde_json::Value;
use std::path::Path;

/// A charter with one committee key and one admitted city, Valmeuse, with a practice and its
/// 2024 report published.
fn coalition(root: &Path) {
    let p = |rel: &str| root.join(rel).display().to_string();
    ok(&[
        "charter",
        "new",
        "--name",
        "Audit CLI Coalition",
        "--out",
        &p("coalition"),
    ]);
    let out = ok(&[
        "init",
        "--data-dir",
        &p("node"),
        "--charter",
        &p("coalition/charter.toml"),
        "--city",
        "Valmeuse",
        "--country",
        "BE",
        "--json",
    ]);
    let v: Value = serde_json::from_str(&out).expect("init --json");
    let key = v["city_key"].as_str().expect("city_key");
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
        "Valmeuse",
        "--country",
        "BE",
    ]);
    ok(&[
        "roster",
        "apply",
        "--data-dir",
        &p("node"),
        "--roster",
        &p("coalition/roster.txt"),
    ]);
    for (kind, file) in [("practice", "practice.toml"), ("report", "report.toml")] {
        ok(&[
            "publish",
            kind,
            &examples().join(file).display().to_string(),
            "--data-dir",
            &p("node"),
        ]);
    }
}

#[test]
fn audit_export_and_verify_bundle() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let p = |rel: &str| root.join(rel).display().to_string();
    coalition(root);

    // HTML audit to a file.
    let said = ok(&[
        "audit",
        "--format",
        "html",
        "--out",
        &p("audit.html"),
        "--period",
        "2024",
        "--data-dir",
        &p("node"),
    ]);
    assert!(said.contains("compliance 100 %"), "{said}");
    let html = std::fs::read_to_string(root.join("audit.html")).expect("audit.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Valmeuse") && html.contains("<svg") && html.contains("report for 2024"));

    // The same page in Swedish; a language the page does not speak is refused by name.
    ok(&[
        "audit",
        "--format",
        "html",
        "--ui",
        "sv",
        "--out",
        &p("granskning.html"),
        "--period",
        "2024",
        "--data-dir",
        &p("node"),
    ]);
    let sv = std::fs::read_to_string(root.join("granskning.html")).expect("granskning.html");
    assert!(sv.contains("<html lang=\"sv\">"), "{sv}");
    assert!(sv.contains("Rättvis tillgång till bostäder"), "{sv}");
    let refused = run(&[
        "audit",
        "--format",
        "html",
        "--ui",
        "ru",
        "--data-dir",
        &p("node"),
    ]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("is not an interface language"),
        "{refused:?}"
    );

    // Markdown to stdout, with a period nobody reported for.
    let md = ok(&["audit", "--period", "2025-H1", "--data-dir", &p("node")]);
    assert!(
        md.contains("# Audit of Audit CLI Coalition") && md.contains("- missing: Valmeuse"),
        "{md}"
    );

    // Signed JSON verifies.
    let json = ok(&[
        "audit",
        "--format",
        "json",
        "--sign-with",
        &p("coalition/committee-1.key"),
        "--data-dir",
        &p("node"),
    ]);
    let (signer, report) =
        coalition_audit::verify_signed_report(json.as_bytes()).expect("the signature verifies");
    assert_eq!(report.summary.cities_filed, vec!["Valmeuse".to_string()]);
    let v: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["signature"]["signer"], signer.to_hex());
    // A city key is not a committee key.
    let out = run(&[
        "audit",
        "--sign-with",
        &p("node/city.key"),
        "--data-dir",
        &p("node"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a committee key"));
    let out = run(&["audit", "--period", "2025-Q1", "--data-dir", &p("node")]);
    assert!(!out.status.success());

    // Export and verify, with no data directory.
    let said = ok(&[
        "export",
        "--out",
        &p("all.bundle"),
        "--data-dir",
        &p("node"),
    ]);
    assert!(said.contains("1 roster changes, 2 entries"), "{said}");
    let said = ok(&["verify-bundle", &p("all.bundle")]);
    assert!(
        said.starts_with("ok: bundle of Audit CLI Coalition"),
        "{said}"
    );
    let v: Value = serde_json::from_str(&ok(&["verify-bundle", &p("all.bundle"), "--json"]))
        .expect("verify-bundle --json");
    assert_eq!(v["ok"], true);
    assert_eq!(v["entries"], 2);

    // Nothing since the far future: an empty but valid bundle.
    let said = ok(&[
        "export",
        "--out",
        &p("none.bundle"),
        "--since",
        "2999-01-01",
        "--city",
        "Valmeuse",
        "--data-dir",
        &p("node"),
    ]);
    assert!(said.contains("0 entries"), "{said}");
    ok(&["verify-bundle", &p("none.bundle")]);

    // A flipped byte inside the last entry's signature: exit 1, the entry named.
    let mut bytes = std::fs::read(root.join("all.bundle")).expect("read bundle");
    let bundle = coalition_audit::Bundle::decode(&bytes).expect("decode");
    let entry = &bundle.entries[1].entry;
    let at = bytes
        .windows(entry.len())
        .position(|w| w == entry.as_slice())
        .expect("entry bytes in the file")
        + entry.len()
        - 2;
    bytes[at] ^= 0x04;
    std::fs::write(root.join("bad.bundle"), &bytes).expect("write");
    let out = run(&["verify-bundle", &p("bad.bundle")]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("FAIL  entry #1 city Valmeuse")
            && text.contains("seq 2")
            && text.contains("[signature]"),
        "{text}"
    );
    let out = run(&["verify-bundle", &p("missing.bundle")]);
    assert_eq!(out.status.code(), Some(2));
}
