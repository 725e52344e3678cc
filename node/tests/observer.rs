//! Issue 17, acceptance 3 (at the level of real `coalition run` processes): an observer node (an
//! equality body, UNESCO, a researcher: `coalition init --observer`, no city key) syncs and
//! searches everything the cities publish, and is refused, with a message saying why, when it
//! tries to publish, from the CLI and over its API.

use crate::common;
use common::procs::{
    head_of, http_json, publish_update, start_node, stop, two_cities, update_file, wait_until,
};
use common::*;

#[test]
fn an_observer_receives_and_searches_everything_and_cannot_publish() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let (a_dir, b_dir) = two_cities(root);
    let obs_dir = root.join("observer").display().to_string();
    let said = ok(&[
        "init",
        "--observer",
        "--city",
        "National equality body",
        "--data-dir",
        &obs_dir,
        "--charter",
        &root.join("coalition/charter.toml").display().to_string(),
    ]);
    assert!(said.contains("observer"), "{said}");
    assert!(
        !root.join("observer/city.key").exists(),
        "an observer has no city key"
    );
    let config = std::fs::read_to_string(root.join("observer/config.toml")).expect("config");
    assert!(config.contains("observer = true"), "{config}");
    // --city and --country are required for a city, not for an observer.
    let refused = run(&[
        "init",
        "--data-dir",
        &root.join("nobody").display().to_string(),
        "--charter",
        &root.join("coalition/charter.toml").display().to_string(),
    ]);
    assert!(!refused.status.success());

    let a = start_node(&a_dir, None);
    let b = start_node(&b_dir, Some(&a.listen));
    let observer = start_node(&obs_dir, Some(&b.listen));
    for (dir, title) in [(&a_dir, "Valmeuse forum"), (&b_dir, "Lindenfeld festival")] {
        let out = publish_update(dir, &update_file(root, title));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    wait_until("the observer to hold both cities' entries", 60, || {
        head_of(&obs_dir, "Valmeuse") == 1 && head_of(&obs_dir, "Lindenfeld") == 1
    });
    wait_until("the observer's search to find both", 30, || {
        http_json(&observer.api, "/api/v1/practices?kind=any&q=festival")
            .is_some_and(|(_, v)| v["total"] == 1)
            && http_json(&observer.api, "/api/v1/practices?kind=any&q=forum")
                .is_some_and(|(_, v)| v["total"] == 1)
    });

    // Publishing: refused from the CLI (through the running node or not) and over the API.
    let out = publish_update(&obs_dir, &update_file(root, "Observer note"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "an observer cannot publish: {err}");
    assert!(err.contains("observer"), "{err}");
    let token = std::fs::read_to_string(root.join("observer/api.token")).expect("token");
    let (status, body) = procs::http_post(
        &observer.api,
        "/api/v1/updates",
        token.trim(),
        r#"{"date":"2025-03-21","category":"event","commitments":[1],"title":{"en":"Observer note"},"text":{"en":"Not allowed."}}"#,
    );
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("no_city_key"), "{body}");
    assert_eq!(head_of(&obs_dir, "Valmeuse"), 1);
    // `status` says what this node is (its exit code reflects warnings such as no peers).
    let said =
        String::from_utf8_lossy(&run(&["status", "--data-dir", &obs_dir]).stdout).into_owned();
    assert!(
        said.contains("observer      National equality body"),
        "{said}"
    );

    stop(observer);
    stop(b);
    stop(a);
}
