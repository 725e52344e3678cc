//! Erasures in the store (issue #16): a city's erasure deletes the payload on every store that
//! takes it, out of RocksDB's files too; the target re-offered with its payload stays without it;
//! a committee order needs the threshold and is obeyed even when it arrives before its target;
//! receipts say who has done it. Real RocksDB in temporary directories.

use crate::common;

use coalition_record::erasing::erasure_payloads;
use coalition_record::erasure::{ErasureOrder, ErasureReceipt, SignedErasureOrder};
use coalition_record::{
    Contact, Hash32, Payload, RecordError, SecretKey, VerifiedEntry, WireEntry,
};
use coalition_store::{IngestOutcome, Store, StoreError};
use common::*;
use std::path::Path;

const EMAIL: &str = "q7.erasable.person@lyon-test.example";
const PHONE: &str = "+33 4 99 17 23 58";

fn practice_with_contact(title: &str, city: &str, country: &str) -> Payload {
    let mut p = practice(&["en"], &[3], country, "2024-01");
    p.city = city.into();
    p.title.insert("en".into(), title.into());
    p.contact = Some(Contact {
        name: "Q. Person".into(),
        role: Some("coordinator".into()),
        email: Some(EMAIL.into()),
        phone: Some(PHONE.into()),
    });
    Payload::Practice(p)
}

/// Whether any file under `dir` holds `needle` as bytes.
fn files_hold(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for item in std::fs::read_dir(dir).expect("read dir") {
        let path = item.expect("dir entry").path();
        if path.is_dir() {
            found.extend(files_hold(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

fn wire_log(store: &Store, key: &SecretKey) -> Vec<WireEntry> {
    store
        .log(&key.public(), 1, 1000)
        .expect("log")
        .iter()
        .map(|e| e.to_wire())
        .collect()
}

fn ingest_all(store: &Store, entries: Vec<WireEntry>) -> Vec<IngestOutcome> {
    store.ingest(entries).expect("ingest")
}

/// Lyon and a peer (stores in `dir`) under a two-of-three charter, and a practice with a
/// contact that Lyon published.
fn lyon_peer_and_a_practice(
    charter: &coalition_record::Charter,
    dir: &Path,
) -> (Store, Store, Payload, VerifiedEntry) {
    let lyon = store_two_of_three(charter, &dir.join("lyon"));
    let peer = store_two_of_three(charter, &dir.join("peer"));
    let practice = practice_with_contact("Housing mediation", "Lyon", "FR");
    let target = lyon
        .append_local(&city_a(), &practice, T0)
        .expect("publish the practice");
    (lyon, peer, practice, target)
}

#[test]
fn an_erasure_deletes_the_payload_everywhere_and_a_re_offered_copy_stays_erased() {
    let charter = two_of_three();
    let tmp = tempfile::tempdir().expect("tmp");
    let (lyon, peer, practice, target) = lyon_peer_and_a_practice(&charter, tmp.path());
    let original = target.to_wire();
    ingest_all(&peer, vec![original.clone()]);
    // The test can see the address in the files before: its absence after means something.
    assert!(!files_hold(&tmp.path().join("peer"), EMAIL).is_empty());

    let payloads = erasure_payloads(target.id(), Some(&practice), true, "the contact left");
    let appended = lyon
        .publish_local(&city_a(), &payloads, T0 + DAY_MS)
        .expect("publish the revision and the erasure");
    let erasure_id = appended[1].entry.id();
    let outcomes = ingest_all(&peer, wire_log(&lyon, &city_a())[1..].to_vec());
    assert_eq!(stored_ids(&outcomes).len(), 2, "{outcomes:?}");

    for (name, store) in [("lyon", &lyon), ("peer", &peer)] {
        let held = store.entry(&target.id()).expect("read").expect("held");
        assert!(held.payload().is_none(), "{name}: the payload is gone");
        assert!(!store.payload_held(&target.id()).expect("read"));
        let revision = store
            .entry(&appended[0].entry.id())
            .expect("read")
            .expect("the revision");
        let Some(Payload::PracticeRevision(r)) = revision.payload() else {
            panic!("{name}: a revision");
        };
        assert_eq!(r.practice.contact, None, "{name}");
        let erasures = store.erasures().expect("erasures");
        assert_eq!(erasures.len(), 1, "{name}");
        assert_eq!(erasures[0].id, erasure_id);
        assert_eq!(erasures[0].reason, "the contact left");
        assert!(!erasures[0].by_committee);
        let problems = store.verify_all(|_| {}).expect("verify").0;
        assert!(
            problems.is_empty(),
            "{name}: the log still verifies: {problems:?}"
        );
    }
    let left = files_hold(&tmp.path().join("peer"), EMAIL);
    assert!(left.is_empty(), "the e-mail address is still in {left:?}");
    let left = files_hold(&tmp.path().join("peer"), PHONE);
    assert!(left.is_empty(), "the phone number is still in {left:?}");
    let left = files_hold(&tmp.path().join("lyon"), EMAIL);
    assert!(left.is_empty(), "the e-mail address is still in {left:?}");

    // A rogue peer offers the original with its payload again: a duplicate, still erased.
    let again = ingest_all(&peer, vec![original]);
    assert!(
        matches!(again[..], [IngestOutcome::Duplicate { .. }]),
        "{again:?}"
    );
    assert!(!peer.payload_held(&target.id()).expect("read"));
    // A fresh node that syncs the whole log stores the entry without its payload: the erasure
    // later in the batch vouches for the missing payload (and, first in the batch, as sync
    // sends it, too). Without it, an entry lacking its payload is refused.
    let log = wire_log(&lyon, &city_a());
    assert!(
        log[0].payload.is_none(),
        "Lyon serves the target without payload"
    );
    let fresh = store_two_of_three(&charter, &tmp.path().join("fresh"));
    let alone = ingest_all(&fresh, vec![log[0].clone()]);
    assert!(
        matches!(alone[..], [IngestOutcome::PayloadMissing { .. }]),
        "{alone:?}"
    );
    let outcomes = ingest_all(&fresh, log.clone());
    assert_eq!(stored_ids(&outcomes).len(), 3, "{outcomes:?}");
    assert!(!fresh.payload_held(&target.id()).expect("read"));
    let sent_first = lyon
        .erasure_of(&target.id())
        .expect("read")
        .expect("the erasure");
    assert_eq!(sent_first, log[2]);
    let fresh2 = store_two_of_three(&charter, &tmp.path().join("fresh2"));
    let mut batch = vec![sent_first];
    batch.extend(log.iter().cloned());
    let outcomes = ingest_all(&fresh2, batch);
    assert!(
        matches!(outcomes[0], IngestOutcome::Gap { .. }),
        "{outcomes:?}"
    );
    assert!(fresh2.entry(&target.id()).expect("read").is_some());
    assert_eq!(fresh2.erasures().expect("erasures").len(), 1);

    // Receipts: the peer's city (Montréal) confirms; Lyon has not yet.
    assert_eq!(
        peer.erasures_awaiting_receipt(&city_b().public())
            .expect("awaiting")
            .len(),
        1
    );
    let receipt = Payload::ErasureReceipt(ErasureReceipt {
        erasure: erasure_id,
    });
    let signed = peer
        .publish_local(&city_b(), &[receipt], T0 + 2 * DAY_MS)
        .expect("receipt");
    assert!(peer
        .erasures_awaiting_receipt(&city_b().public())
        .expect("awaiting")
        .is_empty());
    ingest_all(&lyon, vec![signed[0].entry.to_wire()]);
    let receipts = lyon.erasure_receipts().expect("receipts");
    assert_eq!(
        receipts[&erasure_id].get(&city_b().public()),
        Some(&(T0 + 2 * DAY_MS))
    );
    assert_eq!(
        lyon.erasures_awaiting_receipt(&city_a().public())
            .expect("awaiting")
            .len(),
        1
    );
}

/// A publish refused after its erasure was built (a later payload in the same call breaks a
/// rule) writes nothing, and the next write neither purges the erasure's target nor counts the
/// erasure as applied.
#[test]
fn a_refused_publish_with_an_erasure_leaves_the_target_payload_to_the_next_write() {
    let charter = two_of_three();
    let tmp = tempfile::tempdir().expect("tmp");
    let lyon = store_two_of_three(&charter, &tmp.path().join("lyon"));
    let practice = practice_with_contact("Housing mediation", "Lyon", "FR");
    let target = lyon
        .append_local(&city_a(), &practice, T0)
        .expect("publish the practice");
    let mut payloads = erasure_payloads(target.id(), Some(&practice), true, "the contact left");
    // Names an entry no node holds: refused when the call reaches it, after the erasure.
    payloads.push(retraction(Hash32([9; 32]), "no such entry"));
    let refused = lyon.publish_local(&city_a(), &payloads, T0 + DAY_MS);
    let error = expect_err(refused, "a retraction of an unknown entry");
    assert!(
        error
            .to_string()
            .contains("is not an entry this node holds"),
        "{error}"
    );
    assert_eq!(lyon.entry_count(), 1, "nothing of the call was written");
    lyon.publish_local(
        &city_a(),
        &[update("An unrelated update", "2024-05-01", &[1])],
        T0 + 2 * DAY_MS,
    )
    .expect("the next publish");
    assert!(
        lyon.payload_held(&target.id()).expect("read"),
        "the payload of an entry whose erasure was never written is still held"
    );
    assert!(lyon.erasures().expect("erasures").is_empty());
    assert_eq!(lyon.erasures_applied(), 0, "no erasure was applied");
}

/// `n` updates appended to `store` by `key`, dated one day apart from `T0 + first_day` days.
fn dated_updates(store: &Store, key: &SecretKey, first_day: i64, n: i64) -> Vec<WireEntry> {
    (first_day..first_day + n)
        .map(|day| {
            let payload = update(&format!("Update of day {day}"), "2024-05-01", &[1]);
            store
                .append_local(key, &payload, T0 + day * DAY_MS)
                .expect("append an update")
                .to_wire()
        })
        .collect()
}

/// A pipelined stream writes a batch without waiting for its sync while the next is applied;
/// a batch that carries an erasure is written and synced before its target's payload is
/// deleted, with the batches before and after it stored as in any other stream.
#[test]
fn an_erasure_in_a_pipelined_stream_is_synced_before_its_purge_and_the_stream_goes_on() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (lyon, peer, practice, target) = lyon_peer_and_a_practice(&two_of_three(), tmp.path());
    let original = target.to_wire();
    let before = dated_updates(&lyon, &city_a(), 1, 20);
    let payloads = erasure_payloads(target.id(), Some(&practice), true, "the contact left");
    lyon.publish_local(&city_a(), &payloads, T0 + 30 * DAY_MS)
        .expect("publish the revision and the erasure");
    let after = dated_updates(&lyon, &city_a(), 31, 20);
    let log = wire_log(&lyon, &city_a());
    let erasing = log[21..23].to_vec();

    let mut first = vec![original];
    first.extend_from_slice(&before[..10]);
    let batches = vec![
        first,
        before[10..].to_vec(),
        erasing,
        after[..10].to_vec(),
        after[10..].to_vec(),
    ];
    let mut reported = Vec::new();
    peer.ingest_pipelined(batches, |outcomes| {
        reported.extend(stored_ids(&outcomes));
        // What the store shows (search and sync read up to its frontier) is what was reported
        // durable, never the batch written after it.
        assert_eq!(peer.entry_count(), reported.len() as u64);
    })
    .expect("pipelined ingest");
    assert_eq!(reported.len(), 43);
    assert_eq!(peer.frontier(), lyon.frontier());
    assert!(!peer.payload_held(&target.id()).expect("read"));
    assert_eq!(peer.erasures().expect("erasures").len(), 1);
    let left = files_hold(&tmp.path().join("peer"), EMAIL);
    assert!(left.is_empty(), "the e-mail address is still in {left:?}");
    let problems = peer.verify_all(|_| {}).expect("verify").0;
    assert!(problems.is_empty(), "{problems:?}");
    // The batches written after the erasure's are durable too: a reopened store holds them.
    drop(peer);
    let reopened = Store::open(&tmp.path().join("peer")).expect("reopen");
    assert_eq!(reopened.frontier(), lyon.frontier());
}

fn order(charter: &coalition_record::Charter, target: Hash32) -> SignedErasureOrder {
    SignedErasureOrder::unsigned(ErasureOrder {
        network_id: charter.network_id(),
        target,
        reason: "a data subject's request; the city did not act".into(),
        decided_ms: T0,
    })
}

#[test]
fn a_committee_order_needs_the_threshold_and_is_obeyed_even_before_its_target_arrives() {
    let charter = two_of_three();
    let tmp = tempfile::tempdir().expect("tmp");
    let montreal = store_two_of_three(&charter, &tmp.path().join("montreal"));
    let lyon = store_two_of_three(&charter, &tmp.path().join("lyon"));
    let practice = practice_with_contact("Anti-discrimination desk", "Montréal", "CA");
    let target = montreal
        .append_local(&city_b(), &practice, T0)
        .expect("Montréal publishes");
    ingest_all(&lyon, vec![target.to_wire()]);

    // k − 1 signatures: refused when Lyon publishes it, and refused from a peer.
    let mut below = order(&charter, target.id());
    below.sign_with(&committee_key());
    let refused = lyon
        .publish_local(&city_a(), &[Payload::ErasureOrder(below.clone())], T0 + 1)
        .expect_err("one signature of two");
    assert!(
        matches!(
            refused,
            StoreError::Record(RecordError::BelowThreshold {
                valid: 1,
                threshold: 2
            })
        ),
        "{refused}"
    );
    assert!(lyon.payload_held(&target.id()).expect("read"));

    // k signatures: applied where it is published and wherever it arrives.
    let mut signed = below;
    signed.sign_with(&second_committee_key());
    lyon.publish_local(&city_a(), &[Payload::ErasureOrder(signed)], T0 + 2)
        .expect("two signatures of two");
    assert!(!lyon.payload_held(&target.id()).expect("read"));
    let erasures = lyon.erasures().expect("erasures");
    assert!(erasures[0].by_committee, "{erasures:?}");
    assert!(files_hold(&tmp.path().join("lyon"), EMAIL).is_empty());

    // A node that gets Lyon's log (with the order) before Montréal's (with the target) never
    // keeps the payload.
    let late = store_two_of_three(&charter, &tmp.path().join("late"));
    ingest_all(&late, wire_log(&lyon, &city_a()));
    let outcomes = ingest_all(&late, vec![target.to_wire()]);
    assert_eq!(stored_ids(&outcomes), vec![target.id()]);
    assert!(!late.payload_held(&target.id()).expect("read"));
    assert!(files_hold(&tmp.path().join("late"), EMAIL).is_empty());
    // And Montréal's own node obeys too.
    ingest_all(&montreal, wire_log(&lyon, &city_a()));
    assert!(!montreal.payload_held(&target.id()).expect("read"));
}
