//! The threshold roster workflow end to end: propose, sign one key at a time, publish.

use coalition_record::SecretKey;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_coalition");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("COALITION_DATA_DIR")
        .output()
        .expect("the coalition binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = run(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "coalition {args:?} failed: {text}");
    println!("$ coalition {}\n{text}", args.join(" "));
    text
}

fn fails(args: &[&str]) -> String {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert!(
        !out.status.success(),
        "coalition {args:?} should have failed"
    );
    println!("$ coalition {} (refused)\n{stderr}", args.join(" "));
    stderr
}

fn p(root: &Path, name: &str) -> String {
    root.join(name).display().to_string()
}

#[test]
fn two_of_three_committee_signatures_admit_a_city() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let dir = p(root, "c");
    ok(&[
        "charter",
        "new",
        "--name",
        "Threshold Coalition",
        "--out",
        &dir,
        "--committee",
        "3",
        "--threshold",
        "2",
    ]);
    let charter = p(root, "c/charter.toml");
    let roster = p(root, "c/roster.txt");
    let (k1, k2) = (p(root, "c/committee-1.key"), p(root, "c/committee-2.key"));
    let city = SecretKey::from_seed([9; 32]).public().to_hex();

    // One key is not enough for this coalition.
    let single = fails(&[
        "roster",
        "admit",
        "--charter",
        &charter,
        "--committee-key",
        &k1,
        "--city-key",
        &city,
        "--city",
        "Lyon",
        "--country",
        "FR",
    ]);
    assert!(
        single.contains("needs 2 signatures") && single.contains("propose/sign/publish"),
        "{single}"
    );

    let proposal = p(root, "admit-lyon.txt");
    let out = ok(&[
        "roster",
        "propose",
        "admit",
        "--charter",
        &charter,
        "--out",
        &proposal,
        "--city-key",
        &city,
        "--city",
        "Lyon",
        "--country",
        "FR",
    ]);
    assert!(out.contains("proposed roster version 1"), "{out}");
    // A proposal is never overwritten by mistake.
    fails(&[
        "roster",
        "propose",
        "admit",
        "--charter",
        &charter,
        "--out",
        &proposal,
        "--city-key",
        &city,
        "--city",
        "Lyon",
        "--country",
        "FR",
    ]);
    let unsigned = fails(&["roster", "publish", &proposal, "--roster", &roster]);
    assert!(unsigned.contains("0 of 2"), "{unsigned}");

    let out = ok(&["roster", "sign", &proposal, "--committee-key", &k1]);
    assert!(out.contains("1 of 2"), "{out}");
    let refused = fails(&["roster", "publish", &proposal, "--roster", &roster]);
    assert!(
        refused.contains("1 of 2") && refused.contains("threshold is 2"),
        "{refused}"
    );

    // The same key again still counts once.
    let out = ok(&["roster", "sign", &proposal, "--committee-key", &k1]);
    assert!(
        out.contains("already signed") && out.contains("1 of 2"),
        "{out}"
    );
    let refused = fails(&["roster", "publish", &proposal, "--roster", &roster]);
    assert!(refused.contains("1 of 2"), "{refused}");

    // A key that is not the committee's is refused.
    let stranger = p(root, "stranger.key");
    std::fs::write(&stranger, SecretKey::from_seed([5; 32]).to_file_text()).expect("write key");
    let not_committee = fails(&[
        "roster",
        "sign",
        &proposal,
        "--committee-key",
        &stranger,
        "--charter",
        &charter,
    ]);
    assert!(
        not_committee.contains("not a committee key"),
        "{not_committee}"
    );

    let out = ok(&["roster", "sign", &proposal, "--committee-key", &k2]);
    assert!(out.contains("2 of 2"), "{out}");
    let out = ok(&["roster", "publish", &proposal, "--roster", &roster]);
    assert!(out.contains("roster version 1: admit Lyon (FR)"), "{out}");
    // Publishing twice does not append twice.
    let out = ok(&["roster", "publish", &proposal, "--roster", &roster]);
    assert!(out.contains("already holds"), "{out}");

    let shown = ok(&["roster", "show", "--charter", &charter, "--roster", &roster]);
    assert!(
        shown.contains("roster version 1 — 1 member cities"),
        "{shown}"
    );
    assert!(
        shown.contains("Lyon") && shown.contains("active"),
        "{shown}"
    );

    // The next change builds on version 1: suspend, signed by keys 2 and 3.
    let suspend = p(root, "suspend-lyon.txt");
    ok(&[
        "roster",
        "propose",
        "suspend",
        "--charter",
        &charter,
        "--out",
        &suspend,
        "--city",
        "Lyon",
        "--last-seq",
        "4",
        "--reason",
        "missed two reporting periods",
    ]);
    ok(&["roster", "sign", &suspend, "--committee-key", &k2]);
    ok(&[
        "roster",
        "sign",
        &suspend,
        "--committee-key",
        &p(root, "c/committee-3.key"),
    ]);
    ok(&["roster", "publish", &suspend, "--roster", &roster]);
    let shown = ok(&["roster", "show", "--charter", &charter, "--roster", &roster]);
    assert!(shown.contains("suspended after seq 4"), "{shown}");
}

/// Issue 17: a candidate city applies (`coalition apply`, signed with its own key) and the
/// committee's admission starts from that file; a changed application fails its signature.
#[test]
fn admission_starts_from_the_city_s_signed_application() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    ok(&[
        "charter",
        "new",
        "--name",
        "Applying Coalition",
        "--out",
        &p(root, "c"),
        "--committee",
        "3",
        "--threshold",
        "2",
    ]);
    let charter = p(root, "c/charter.toml");
    let roster = p(root, "c/roster.txt");
    let node = p(root, "candidate");
    ok(&[
        "init",
        "--data-dir",
        &node,
        "--charter",
        &charter,
        "--city",
        "Rivaux",
        "--country",
        "FR",
    ]);
    let letter = p(root, "letter.txt");
    std::fs::write(
        &letter,
        "The City of Rivaux commits to the Ten-Point Plan of Action and will report every year.",
    )
    .expect("letter");
    let application = p(root, "application.toml");
    let out = ok(&[
        "apply",
        "--data-dir",
        &node,
        "--contact-office",
        "Equality Office, City of Rivaux",
        "--letter",
        &letter,
        "--out",
        &application,
    ]);
    assert!(out.contains("application of Rivaux (FR)"), "{out}");
    let text = std::fs::read_to_string(&application).expect("application");
    assert!(
        text.contains("Ten-Point Plan") && text.contains("signature"),
        "{text}"
    );

    // Tampered: another name under the city's signature.
    let tampered = p(root, "tampered.toml");
    std::fs::write(
        &tampered,
        text.replace("\"Rivaux\"", "\"Rivaux-la-Grande\""),
    )
    .expect("write");
    let refused = fails(&[
        "roster",
        "propose",
        "admit",
        "--charter",
        &charter,
        "--out",
        &p(root, "x.txt"),
        "--application",
        &tampered,
    ]);
    assert!(refused.contains("signature"), "{refused}");
    assert!(!root.join("x.txt").exists(), "nothing written");

    let proposal = p(root, "admit-rivaux.txt");
    let out = ok(&[
        "roster",
        "propose",
        "admit",
        "--charter",
        &charter,
        "--out",
        &proposal,
        "--application",
        &application,
    ]);
    assert!(
        out.contains("contact office: Equality Office, City of Rivaux"),
        "{out}"
    );
    for key in ["c/committee-1.key", "c/committee-2.key"] {
        ok(&[
            "roster",
            "sign",
            &proposal,
            "--committee-key",
            &p(root, key),
        ]);
    }
    let out = ok(&["roster", "publish", &proposal, "--roster", &roster]);
    assert!(out.contains("admit Rivaux (FR)"), "{out}");
    // The admitted key is the one the candidate node signs with.
    ok(&["roster", "apply", "--data-dir", &node, "--roster", &roster]);
    // `status` exits 1 here (the node is not running); its JSON names the city active.
    let status = run(&["status", "--data-dir", &node, "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(status["city"]["name"], "Rivaux", "{status}");
    assert_eq!(status["city"]["state"], "active", "{status}");
}
