//! The high-water mark (a store that went back in time never makes the city sign twice at one
//! seq), idempotent and all-or-nothing local publishing, and the publish-time status rules.

use crate::common;

use coalition_record::payload::PracticeRevision;
use coalition_record::{Payload, WireEntry};
use coalition_store::{Store, StoreError, HIGH_WATER_FILE};
use common::*;
use std::path::PathBuf;

struct Node {
    t: TestStore,
    mark: PathBuf,
}

impl Node {
    fn new() -> Self {
        let t = TestStore::new();
        let mark = t.tmp.path().join(HIGH_WATER_FILE);
        let status = t
            .store
            .attach_high_water(&mark, &city_a().public())
            .expect("attach");
        assert_eq!((status.signed, status.stored), (0, 0));
        Node { t, mark }
    }

    fn publish(&self, n: usize) -> Vec<WireEntry> {
        (0..n)
            .map(|_| {
                let payload = update(&format!("Update {}", rand_title()), "2024-05-01", &[1]);
                let mut out = self
                    .t
                    .store
                    .publish_local(&city_a(), &[payload], T0)
                    .expect("publish");
                out.pop().expect("one entry").entry.to_wire()
            })
            .collect()
    }

    fn backup(&self, name: &str) -> PathBuf {
        let target = self.t.tmp.path().join(name);
        self.t.store.checkpoint(&target).expect("checkpoint");
        target
    }

    /// Stops the store, puts `backup` in its place (as an operator restoring a backup would,
    /// keeping the high-water file), opens it again and attaches the mark.
    fn restore(self, backup: PathBuf) -> (Self, coalition_store::HighWaterStatus) {
        let Node { t, mark } = self;
        let TestStore { tmp, store } = t;
        let dir = store.dir().to_path_buf();
        drop(store);
        std::fs::remove_dir_all(&dir).expect("remove the store");
        std::fs::rename(&backup, &dir).expect("restore the backup");
        let store = Store::open(&dir).expect("open the restored store");
        let status = store
            .attach_high_water(&mark, &city_a().public())
            .expect("attach");
        (
            Node {
                t: TestStore { tmp, store },
                mark,
            },
            status,
        )
    }
}

fn rand_title() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn head(node: &Node) -> u64 {
    node.t.store.head(&city_a().public()).map_or(0, |(s, _)| s)
}

#[test]
fn a_restored_backup_refuses_to_publish_until_sync_brings_the_citys_entries_back() {
    let node = Node::new();
    node.publish(2);
    let backup = node.backup("backup");
    let later = node.publish(3);
    let (node, status) = node.restore(backup);
    assert_eq!((status.signed, status.stored), (5, 2));
    assert!(!status.can_publish());

    let err = expect_err(
        node.t
            .store
            .publish_local(&city_a(), &[sample_practice_in_lyon()], T0),
        "a store behind the mark",
    );
    assert!(
        matches!(
            err,
            StoreError::BehindSigned {
                signed: 5,
                stored: 2
            }
        ),
        "got {err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("seq 5, store has 2"), "{text}");
    assert!(text.contains("docs/OPERATIONS.md"), "{text}");
    assert_eq!(head(&node), 2, "nothing was signed");

    // Sync brings seqs 3 and 4 back from a peer; seq 5 (the last signed) comes from the file.
    let outcomes = node.t.store.ingest(later[..2].to_vec()).expect("ingest");
    assert!(outcomes.iter().all(|o| o.is_stored()), "{outcomes:?}");
    let published = node.publish(1);
    let entry = coalition_record::SignedEntry::decode(&published[0].entry).expect("decode");
    assert_eq!(entry.header.seq, 6, "publishing continues at the right seq");
    assert_eq!(
        node.t
            .store
            .entry_at(&city_a().public(), 5)
            .expect("read")
            .map(|e| e.to_wire()),
        Some(later[2].clone()),
        "seq 5 is the entry the city signed, not a second one"
    );
    assert!(node.t.store.forks().expect("forks").is_empty());
}

#[test]
fn a_crash_between_the_mark_and_the_store_is_repaired_from_the_file_at_open() {
    let node = Node::new();
    node.publish(2);
    let backup = node.backup("before-the-third");
    let third = node.publish(1);
    // The store as it would be had the process died after writing the file, before the store.
    let (node, status) = node.restore(backup);
    assert_eq!(status.recovered, 1);
    assert_eq!((status.signed, status.stored), (3, 3));
    assert_eq!(
        node.t
            .store
            .entry_at(&city_a().public(), 3)
            .expect("read")
            .map(|e| e.to_wire()),
        Some(third[0].clone())
    );
    let next = node.publish(1);
    let entry = coalition_record::SignedEntry::decode(&next[0].entry).expect("decode");
    assert_eq!(entry.header.seq, 4);
}

#[test]
fn a_lost_mark_is_rebuilt_from_the_store_and_peers_can_raise_it() {
    let node = Node::new();
    node.publish(2);
    std::fs::remove_file(&node.mark).expect("lose the file");
    let backup = node.backup("same");
    let (node, status) = node.restore(backup);
    assert_eq!((status.signed, status.stored), (2, 2));
    assert!(node.mark.exists(), "the file is written again");

    assert!(
        !node.t.store.raise_high_water(&city_b().public(), 9),
        "another city's seq is not ours"
    );
    assert!(node.t.store.raise_high_water(&city_a().public(), 4));
    let err = expect_err(
        node.t
            .store
            .publish_local(&city_a(), &[sample_practice_in_lyon()], T0),
        "a peer holds seq 4",
    );
    assert!(
        matches!(
            err,
            StoreError::BehindSigned {
                signed: 4,
                stored: 2
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_corrupt_mark_is_a_typed_error_naming_the_file() {
    let node = Node::new();
    node.publish(1);
    std::fs::write(&node.mark, b"not a mark").expect("damage the file");
    let err = expect_err(
        node.t
            .store
            .attach_high_water(&node.mark, &city_a().public()),
        "a damaged file",
    );
    assert!(matches!(err, StoreError::HighWater { .. }), "{err:?}");
    assert!(err.to_string().contains(HIGH_WATER_FILE), "{err}");
}

fn sample_practice_in_lyon() -> Payload {
    let mut p = practice(&["en"], &[3, 7], "FR", "2024-01");
    p.city = "Lyon".into();
    Payload::Practice(p)
}

#[test]
fn publishing_a_document_twice_gives_the_same_entry_once() {
    let node = Node::new();
    let doc = sample_practice_in_lyon();
    let first = node
        .t
        .store
        .publish_local(&city_a(), std::slice::from_ref(&doc), T0)
        .expect("first");
    assert!(!first[0].existing);
    let second = node
        .t
        .store
        .publish_local(&city_a(), std::slice::from_ref(&doc), T0 + 5)
        .expect("second");
    assert!(second[0].existing);
    assert_eq!(second[0].entry.id(), first[0].entry.id());
    assert_eq!(head(&node), 1);

    // Twice in one batch: one entry.
    let u = update("Twice", "2024-05-01", &[1]);
    let both = node
        .t
        .store
        .publish_local(&city_a(), &[u.clone(), u], T0)
        .expect("batch");
    assert_eq!(both[0].entry.id(), both[1].entry.id());
    assert_eq!(head(&node), 2);

    // Once retracted, the same document may be published anew.
    let retract = retraction(first[0].entry.id(), "Outdated");
    node.t
        .store
        .publish_local(&city_a(), &[retract], T0)
        .expect("retract");
    let again = node
        .t
        .store
        .publish_local(&city_a(), &[doc], T0)
        .expect("again");
    assert!(!again[0].existing);
    assert_eq!(again[0].entry.entry.header.seq, 4);
}

#[test]
fn a_batch_with_one_bad_document_stores_nothing() {
    let node = Node::new();
    node.publish(1);
    let before = std::fs::read(&node.mark).expect("mark");
    let bogus = retraction(coalition_record::Hash32([7; 32]), "No such entry");
    let err = expect_err(
        node.t.store.publish_local(
            &city_a(),
            &[update("Good one", "2024-05-01", &[1]), bogus],
            T0,
        ),
        "a batch with an unknown target",
    );
    assert!(err.to_string().contains("retraction.target"), "{err}");
    assert_eq!(head(&node), 1, "the good document was not stored either");
    assert_eq!(std::fs::read(&node.mark).expect("mark"), before);
}

#[test]
fn retracting_twice_retracting_a_retraction_and_revising_a_retracted_practice_are_refused() {
    let node = Node::new();
    let store = &node.t.store;
    let practice = store
        .publish_local(&city_a(), &[sample_practice_in_lyon()], T0)
        .expect("practice")
        .remove(0)
        .entry;
    let retraction_entry = store
        .publish_local(&city_a(), &[retraction(practice.id(), "Ended")], T0)
        .expect("retract")
        .remove(0)
        .entry;
    let rule = |payload: Payload| match store.publish_local(&city_a(), &[payload], T0) {
        Err(StoreError::PublishRule { rule, .. }) => rule,
        other => panic!("expected a publish rule error, got {other:?}"),
    };
    assert_eq!(
        rule(retraction(practice.id(), "Again")),
        "already_retracted"
    );
    assert_eq!(
        rule(retraction(retraction_entry.id(), "Undo")),
        "retract_retraction"
    );
    let Payload::Practice(p) = sample_practice_in_lyon() else {
        unreachable!()
    };
    assert_eq!(
        rule(Payload::PracticeRevision(PracticeRevision {
            supersedes: practice.id(),
            practice: p,
        })),
        "revise_retracted"
    );
    assert_eq!(head(&node), 2, "none of them was signed");
}

/// A restore without the city's own mark (a new machine) leaves a hold: publishing is refused
/// until the network reports a completed sync with a peer, which removes the hold file.
#[test]
fn a_publish_hold_refuses_until_a_sync_completes_and_survives_a_restart() {
    let node = Node::new();
    node.publish(1);
    coalition_store::high_water::hold_until_first_sync(&node.mark).expect("hold");
    let hold = node
        .mark
        .with_file_name(coalition_store::high_water::PUBLISH_HOLD_FILE);
    assert!(hold.exists());
    // Attached again (as at a node's start): the hold is read from the file.
    let backup = node.backup("same");
    let (node, status) = node.restore(backup);
    assert!(status.awaiting_first_sync);
    assert!(!status.can_publish());
    let err = expect_err(
        node.t
            .store
            .publish_local(&city_a(), &[sample_practice_in_lyon()], T0),
        "a held store",
    );
    assert!(matches!(err, StoreError::AwaitingFirstSync), "{err:?}");
    assert!(err.to_string().contains("publishing is held"), "{err}");
    assert_eq!(head(&node), 1, "nothing was signed");

    assert!(node.t.store.first_sync_completed());
    assert!(!hold.exists(), "the hold file is removed");
    assert!(!node.t.store.first_sync_completed(), "lifted once");
    assert!(node
        .t
        .store
        .high_water_status()
        .is_some_and(|s| s.can_publish()));
    node.publish(1);
    assert_eq!(head(&node), 2);
}
