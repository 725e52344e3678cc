//! Fixtures shared by the store's integration tests: a charter with one committee key, a roster
//! admitting two cities (Lyon, FR and Montréal, CA), sample payloads, and a store in a temporary
//! directory on real RocksDB.

#![allow(dead_code)]

pub use coalition_record::calendar::DAY_MS;
pub use coalition_record::testing::{
    admit, bare_practice, charter_named, committee_key, event_update, signed_change, stranger_key,
    text, CREATED_MS,
};
use coalition_record::{
    payload::Retraction, Charter, Hash32, LangText, Payload, Practice, SecretKey,
    SignedRosterChange, WireEntry,
};
use coalition_store::{IngestOutcome, Store, StoreError};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// 2024-01-01T00:00:00Z: a base for entry timestamps.
pub const T0: i64 = 1_704_067_200_000;

/// Lyon, FR.
pub fn city_a() -> SecretKey {
    SecretKey::from_seed([2u8; 32])
}

/// Montréal, CA.
pub fn city_b() -> SecretKey {
    SecretKey::from_seed([3u8; 32])
}

/// Admitted by [`admit_c`] only, in the roster tests.
pub fn city_c() -> SecretKey {
    SecretKey::from_seed([4u8; 32])
}

pub fn charter() -> Charter {
    charter_named("Store Test Coalition")
}

/// Roster versions 1 (admit Lyon) and 2 (admit Montréal).
pub fn roster_changes(charter: &Charter) -> Vec<SignedRosterChange> {
    let first = signed_change(
        charter.network_id(),
        1,
        None,
        admit(city_a().public(), "Lyon", "FR"),
    );
    let second = signed_change(
        charter.network_id(),
        2,
        Some(first.id()),
        admit(city_b().public(), "Montréal", "CA"),
    );
    vec![first, second]
}

/// Roster version 3: admit city C, to be applied on top of [`roster_changes`].
pub fn admit_c(charter: &Charter) -> SignedRosterChange {
    let prev = roster_changes(charter)[1].id();
    signed_change(
        charter.network_id(),
        3,
        Some(prev),
        admit(city_c().public(), "Graz", "AT"),
    )
}

/// A fresh store in its own temporary directory, with the two-city roster applied.
pub struct TestStore {
    pub tmp: TempDir,
    pub store: Store,
}

impl TestStore {
    pub fn new() -> Self {
        Self::with_charter(&charter())
    }

    pub fn with_charter(charter: &Charter) -> Self {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let store = create_store(&tmp.path().join("store"), charter);
        TestStore { tmp, store }
    }

    pub fn path(&self) -> PathBuf {
        self.tmp.path().join("store")
    }

    /// Drops the store (closing RocksDB) and opens it again for writing.
    pub fn reopen(self) -> Self {
        let TestStore { tmp, store } = self;
        let path = store.dir().to_path_buf();
        drop(store);
        let store = Store::open(&path).expect("reopen the store");
        TestStore { tmp, store }
    }
}

/// Creates a store in `dir` and applies the two-city roster.
pub fn create_store(dir: &Path, charter: &Charter) -> Store {
    let store = Store::create(dir, charter).expect("create the store");
    for change in roster_changes(charter) {
        store
            .apply_roster_change(&change)
            .expect("apply the test roster");
    }
    store
}

/// A valid practice: title in the given languages, the given commitments (sorted), country and
/// start date.
pub fn practice(langs: &[&str], commitments: &[u8], country: &str, start: &str) -> Practice {
    let title: LangText = langs
        .iter()
        .map(|l| (l.to_string(), format!("Practice title ({l})")))
        .collect();
    Practice {
        themes: vec!["housing".into()],
        city: "Test city".into(),
        country: country.into(),
        links: vec!["https://example.org/practice".into()],
        ..bare_practice(title.clone(), title, commitments, start)
    }
}

/// A simple valid practice payload (en, commitments 3 and 7, FR, 2024).
pub fn sample_practice() -> Payload {
    Payload::Practice(practice(&["en"], &[3, 7], "FR", "2024-01"))
}

/// An activity update with a distinguishing title, so every call can yield a different entry.
pub fn update(title: &str, date: &str, commitments: &[u8]) -> Payload {
    Payload::ActivityUpdate(event_update(
        date,
        text(&[("en", title)]),
        text(&[("en", "An open day at the equality office.")]),
        commitments,
    ))
}

pub fn retraction(target: Hash32, reason: &str) -> Payload {
    Payload::Retraction(Retraction {
        target,
        reason: reason.into(),
    })
}

/// Appends `n` updates to `key`'s log, one day apart from `T0`, returning their wire forms.
pub fn append_updates(store: &Store, key: &SecretKey, n: usize) -> Vec<WireEntry> {
    (0..n)
        .map(|i| {
            let payload = update(&format!("Update {i}"), "2024-05-01", &[1]);
            store
                .append_local(key, &payload, T0 + i as i64 * DAY_MS)
                .expect("append an update")
                .to_wire()
        })
        .collect()
}

pub fn stored_ids(outcomes: &[IngestOutcome]) -> Vec<Hash32> {
    outcomes
        .iter()
        .map(|o| match o {
            IngestOutcome::Stored { id } => *id,
            other => panic!("expected every entry stored, got {other:?}"),
        })
        .collect()
}

/// The error of `result`, which must be one (`Store` has no `Debug`, so `expect_err` cannot be used).
pub fn expect_err<T>(result: Result<T, StoreError>, what: &str) -> StoreError {
    match result {
        Ok(_) => panic!("{what}: expected an error, got Ok"),
        Err(e) => e,
    }
}

pub mod fixture;

pub fn second_committee_key() -> SecretKey {
    SecretKey::from_seed([21u8; 32])
}

/// A charter whose committee is two of three keys (the first [`committee_key`]).
pub fn two_of_three() -> Charter {
    Charter::new(
        "Cycle Test Coalition",
        vec![
            committee_key().public(),
            second_committee_key().public(),
            SecretKey::from_seed([22u8; 32]).public(),
        ],
        2,
        CREATED_MS,
    )
    .expect("charter")
}

/// A store for a two-of-three charter, with Lyon and Montréal admitted by two signatures.
pub fn store_two_of_three(charter: &Charter, dir: &std::path::Path) -> Store {
    let store = Store::create(dir, charter).expect("create");
    let mut prev = None;
    for (seq, (key, name, country)) in [(city_a(), "Lyon", "FR"), (city_b(), "Montréal", "CA")]
        .into_iter()
        .enumerate()
    {
        let mut change = signed_change(
            charter.network_id(),
            seq as u64 + 1,
            prev,
            admit(key.public(), name, country),
        );
        change.sign_with(&second_committee_key());
        prev = Some(change.id());
        store.apply_roster_change(&change).expect("roster");
    }
    store
}

/// Runs the test `name` (its full path in this binary, e.g. `pipeline::some_test`) alone in a
/// child process, for tests that count process-wide figures which the tests running beside them
/// in this binary would change. Returns true in the child, where the caller runs the test's body;
/// in the parent it waits for the child, fails if the child failed or ran no test, and returns
/// false.
pub fn alone_in_child(name: &str) -> bool {
    const ALONE: &str = "COALITION_TEST_ALONE";
    if std::env::var(ALONE).is_ok_and(|v| v == name) {
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(ALONE, name)
        .output()
        .expect("run the test binary as a child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} alone in a child process failed:\n{stdout}\n{stderr}"
    );
    false
}
