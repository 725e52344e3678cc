//! Ingesting entries made elsewhere (gossip, sync): batches in order, duplicates, gaps, forgeries,
//! strangers, other networks, tampered payloads, and forks with their proofs.

use crate::common;

use coalition_record::{Hash32, PayloadBlob, RecordError, SignedEntry, WireEntry};
use coalition_store::{IngestOutcome, Query};
use common::*;

/// Two stores with the same charter and roster; `a` holds `n` entries of Lyon's.
fn pair(n: usize) -> (TestStore, TestStore, Vec<WireEntry>) {
    let a = TestStore::new();
    let b = TestStore::new();
    let wires = append_updates(&a.store, &city_a(), n);
    (a, b, wires)
}

fn id_of(wire: &WireEntry) -> Hash32 {
    Hash32::of(&wire.entry)
}

/// A valid entry by `key` at `seq` naming `prev`, with a payload distinguishing it.
fn signed(
    key: &coalition_record::SecretKey,
    network: Hash32,
    seq: u64,
    prev: Option<Hash32>,
    title: &str,
) -> WireEntry {
    let (entry, blob) = SignedEntry::create(
        key,
        network,
        seq,
        prev,
        T0,
        &update(title, "2024-06-01", &[2]),
    );
    WireEntry::new(&entry, Some(blob))
}

fn rejected(outcome: &IngestOutcome) -> &RecordError {
    match outcome {
        IngestOutcome::Rejected { error, .. } => error,
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[test]
fn a_batch_in_order_is_stored_whole_with_the_same_frontier() {
    let (a, b, wires) = pair(3);
    let from_b = append_updates(&a.store, &city_b(), 2);
    let mut batch = wires.clone();
    batch.extend(from_b.iter().cloned());
    let outcomes = b.store.ingest(batch).expect("ingest");
    let ids = stored_ids(&outcomes);
    assert_eq!(
        ids,
        wires.iter().chain(&from_b).map(id_of).collect::<Vec<_>>()
    );
    assert!(outcomes.iter().all(IngestOutcome::is_stored));
    assert_eq!(b.store.frontier(), a.store.frontier());
    assert_eq!(b.store.entry_count(), 5);
    for author in [city_a().public(), city_b().public()] {
        assert_eq!(
            b.store.log_wire(&author, 1, 100, usize::MAX).expect("log"),
            a.store.log_wire(&author, 1, 100, usize::MAX).expect("log"),
        );
    }
    // The indexes were written too.
    let q = Query {
        commitment: Some(1),
        ..Query::default()
    };
    assert_eq!(
        b.store.query_ids(&q).expect("query"),
        a.store.query_ids(&q).expect("query")
    );
    // And it was durable.
    let frontier = a.store.frontier();
    let b = b.reopen();
    assert_eq!(b.store.frontier(), frontier);
    let (problems, checked) = b.store.verify_all(|_| {}).expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(checked, 5);
}

#[test]
fn a_held_entry_is_a_duplicate_in_a_later_batch_and_in_the_same_batch() {
    let (_a, b, wires) = pair(2);
    stored_ids(&b.store.ingest(wires.clone()).expect("ingest"));
    let frontier = b.store.frontier();
    let outcomes = b.store.ingest(wires.clone()).expect("ingest again");
    assert_eq!(
        outcomes,
        wires
            .iter()
            .map(|w| IngestOutcome::Duplicate { id: id_of(w) })
            .collect::<Vec<_>>()
    );
    assert_eq!(b.store.frontier(), frontier);

    let c = TestStore::new();
    let outcomes = c
        .store
        .ingest(vec![wires[0].clone(), wires[0].clone()])
        .expect("ingest");
    assert!(outcomes[0].is_stored());
    assert_eq!(
        outcomes[1],
        IngestOutcome::Duplicate {
            id: id_of(&wires[0])
        }
    );
    assert_eq!(c.store.entry_count(), 1);
}

#[test]
fn out_of_order_is_a_gap_naming_what_is_held() {
    let (_a, b, wires) = pair(3);
    let outcomes = b
        .store
        .ingest(vec![wires[0].clone(), wires[2].clone()])
        .expect("ingest");
    assert!(outcomes[0].is_stored());
    assert_eq!(
        outcomes[1],
        IngestOutcome::Gap {
            id: id_of(&wires[2]),
            author: city_a().public(),
            seq: 3,
            have: 1,
        }
    );
    assert_eq!(
        b.store.head(&city_a().public()),
        Some((1, id_of(&wires[0])))
    );
    assert!(!b.store.contains(&id_of(&wires[2])).expect("contains"));
    // With nothing held, the gap says have 0.
    let c = TestStore::new();
    match &c.store.ingest(vec![wires[1].clone()]).expect("ingest")[0] {
        IngestOutcome::Gap { have, seq, .. } => assert_eq!((*have, *seq), (0, 2)),
        other => panic!("expected Gap, got {other:?}"),
    }
    assert_eq!(c.store.entry_count(), 0);
    // Filling the gap then works.
    let outcomes = b
        .store
        .ingest(vec![wires[1].clone(), wires[2].clone()])
        .expect("ingest");
    stored_ids(&outcomes);
    assert_eq!(
        b.store.head(&city_a().public()),
        Some((3, id_of(&wires[2])))
    );
}

#[test]
fn a_forged_signature_is_rejected_and_not_stored() {
    let (_a, b, wires) = pair(2);
    let mut forged = wires[0].clone();
    let last = forged.entry.len() - 1;
    forged.entry[last] ^= 0x01;
    let outcomes = b.store.ingest(vec![forged.clone()]).expect("ingest");
    match &outcomes[0] {
        IngestOutcome::Rejected { id, error } => {
            assert_eq!(*id, Some(id_of(&forged)));
            assert_eq!(
                *error,
                RecordError::BadSignature {
                    author: city_a().public()
                }
            );
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    assert!(!b.store.contains(&id_of(&forged)).expect("contains"));
    assert_eq!(b.store.entry_count(), 0);
    assert!(b
        .store
        .entry_at(&city_a().public(), 1)
        .expect("read")
        .is_none());
    // The genuine entry is still accepted afterwards.
    stored_ids(&b.store.ingest(wires).expect("ingest"));
    // A forgery at a held seq is no fork: it is rejected, and no proof is kept.
    let outcomes = b.store.ingest(vec![forged]).expect("ingest");
    assert_eq!(rejected(&outcomes[0]).rule(), "signature");
    assert!(b.store.forks().expect("forks").is_empty());
}

#[test]
fn a_flipped_header_bit_is_rejected() {
    let (_a, b, wires) = pair(1);
    let mut forged = wires[0].clone();
    // The timestamp is near the end of the header; flip a bit in it (any rule may catch it, but
    // the entry must not be stored).
    let header_len = forged.entry.len() - 64;
    forged.entry[header_len - 40] ^= 0x01;
    let outcomes = b.store.ingest(vec![forged]).expect("ingest");
    rejected(&outcomes[0]);
    assert_eq!(b.store.entry_count(), 0);
}

#[test]
fn an_author_not_on_the_roster_is_rejected() {
    let b = TestStore::new();
    let wire = signed(&stranger_key(), b.store.network_id(), 1, None, "Stranger");
    let outcomes = b.store.ingest(vec![wire.clone()]).expect("ingest");
    assert_eq!(
        *rejected(&outcomes[0]),
        RecordError::UnknownAuthor {
            author: stranger_key().public()
        }
    );
    assert!(!b.store.contains(&id_of(&wire)).expect("contains"));
    assert!(b.store.frontier().is_empty());
}

#[test]
fn an_entry_of_another_network_is_rejected() {
    let b = TestStore::new();
    let other = charter_named("Another Coalition").network_id();
    let wire = signed(&city_a(), other, 1, None, "Elsewhere");
    let outcomes = b.store.ingest(vec![wire]).expect("ingest");
    assert_eq!(
        *rejected(&outcomes[0]),
        RecordError::WrongNetwork {
            expected: b.store.network_id(),
            found: other,
        }
    );
    assert_eq!(b.store.entry_count(), 0);
}

#[test]
fn a_tampered_or_missing_payload_is_handled() {
    let (_a, b, wires) = pair(2);
    let mut tampered = wires[0].clone();
    if let Some(blob) = tampered.payload.as_mut() {
        let last = blob.bytes.len() - 1;
        blob.bytes[last] ^= 0x01;
    }
    let outcomes = b.store.ingest(vec![tampered]).expect("ingest");
    assert_eq!(*rejected(&outcomes[0]), RecordError::CommitmentMismatch);
    let mut salted = wires[0].clone();
    salted.payload = salted.payload.map(|p| PayloadBlob {
        salt: [0xAA; 16],
        ..p
    });
    let outcomes = b.store.ingest(vec![salted]).expect("ingest");
    assert_eq!(*rejected(&outcomes[0]), RecordError::CommitmentMismatch);
    assert_eq!(b.store.entry_count(), 0);

    // A copy without its payload is not stored while no erasure of it is held (a peer may have
    // stripped it); the full copy is stored afterwards.
    let mut stripped = wires[0].clone();
    stripped.payload = None;
    let outcomes = b.store.ingest(vec![stripped]).expect("ingest");
    assert_eq!(
        outcomes[0],
        IngestOutcome::PayloadMissing {
            id: id_of(&wires[0])
        }
    );
    assert_eq!(b.store.entry_count(), 0);
    stored_ids(&b.store.ingest(vec![wires[0].clone()]).expect("ingest"));
    let held = b
        .store
        .entry(&id_of(&wires[0]))
        .expect("read")
        .expect("held");
    assert!(held.blob.is_some() && held.payload().is_some());
}

#[test]
fn a_wrong_prev_is_rejected() {
    let (_a, b, wires) = pair(1);
    stored_ids(&b.store.ingest(wires.clone()).expect("ingest"));
    let wire = signed(
        &city_a(),
        b.store.network_id(),
        2,
        Some(Hash32::of(b"not the head")),
        "Wrong prev",
    );
    let outcomes = b.store.ingest(vec![wire]).expect("ingest");
    assert_eq!(rejected(&outcomes[0]).rule(), "prev_mismatch");
    assert_eq!(
        b.store.head(&city_a().public()),
        Some((1, id_of(&wires[0])))
    );
}

fn assert_fork_recorded(
    store: &coalition_store::Store,
    original: &WireEntry,
    fork: &WireEntry,
    seq: u64,
) {
    let proofs = store.forks().expect("forks");
    assert_eq!(proofs.len(), 1, "one fork proof held");
    let (author, at) = proofs[0].verify().expect("the proof verifies on its own");
    assert_eq!((author, at), (city_a().public(), seq));
    let mut pair = [proofs[0].first.clone(), proofs[0].second.clone()];
    pair.sort();
    let mut expected = [original.entry.clone(), fork.entry.clone()];
    expected.sort();
    assert_eq!(pair, expected, "the proof holds exactly the two entries");
    // The original stays; the fork is not part of the log.
    let held = store
        .entry_at(&city_a().public(), seq)
        .expect("read")
        .expect("the original is held");
    assert_eq!(held.to_wire(), *original);
    assert!(!store.contains(&id_of(fork)).expect("contains"));
}

#[test]
fn a_second_valid_entry_at_a_held_seq_is_a_fork_with_a_proof() {
    let (_a, b, wires) = pair(3);
    stored_ids(&b.store.ingest(wires.clone()).expect("ingest"));
    let frontier = b.store.frontier();
    // Lyon signs another seq 2, naming the real seq 1.
    let fork = signed(
        &city_a(),
        b.store.network_id(),
        2,
        Some(id_of(&wires[0])),
        "Other",
    );
    let outcomes = b.store.ingest(vec![fork.clone()]).expect("ingest");
    assert_eq!(
        outcomes,
        [IngestOutcome::Fork {
            id: id_of(&fork),
            existing: id_of(&wires[1]),
        }]
    );
    assert_fork_recorded(&b.store, &wires[1], &fork, 2);
    assert_eq!(b.store.frontier(), frontier);
    // Seeing the fork again keeps one proof; the proof survives a reopen.
    b.store.ingest(vec![fork.clone()]).expect("ingest");
    let b = b.reopen();
    assert_fork_recorded(&b.store, &wires[1], &fork, 2);
    // A fork at the head seq is detected too.
    let head_fork = signed(
        &city_a(),
        b.store.network_id(),
        3,
        Some(id_of(&wires[1])),
        "X",
    );
    let outcomes = b.store.ingest(vec![head_fork]).expect("ingest");
    assert!(
        matches!(outcomes[0], IngestOutcome::Fork { .. }),
        "{outcomes:?}"
    );
    assert_eq!(b.store.forks().expect("forks").len(), 2);
}

#[test]
fn a_fork_within_one_batch_keeps_its_proof() {
    let (_a, b, wires) = pair(1);
    let fork = signed(&city_a(), b.store.network_id(), 1, None, "Equivocation");
    let outcomes = b
        .store
        .ingest(vec![wires[0].clone(), fork.clone()])
        .expect("ingest");
    assert!(outcomes[0].is_stored());
    assert_eq!(
        outcomes[1],
        IngestOutcome::Fork {
            id: id_of(&fork),
            existing: id_of(&wires[0]),
        }
    );
    assert_fork_recorded(&b.store, &wires[0], &fork, 1);
}

#[test]
fn a_retraction_arriving_by_ingest_is_checked_like_a_local_one() {
    let a = TestStore::new();
    let lyon = a
        .store
        .append_local(&city_a(), &sample_practice(), T0)
        .expect("Lyon's practice");
    // Montréal (in another node) signs a retraction of Lyon's entry.
    let bad = signed_payload(
        &city_b(),
        a.store.network_id(),
        1,
        None,
        &retraction(lyon.id(), "Not yours"),
    );
    let outcomes = a.store.ingest(vec![bad]).expect("ingest");
    assert_eq!(rejected(&outcomes[0]).rule(), "payload_schema");
    assert_eq!(
        a.store.status(&lyon.id()).expect("status"),
        Default::default()
    );

    // Lyon's own retraction, in the same batch as its target, is stored and applied.
    let b = TestStore::new();
    let first = lyon.to_wire();
    let own = signed_payload(
        &city_a(),
        b.store.network_id(),
        2,
        Some(lyon.id()),
        &retraction(lyon.id(), "Outdated"),
    );
    let ids = stored_ids(&b.store.ingest(vec![first, own]).expect("ingest"));
    assert_eq!(
        b.store.status(&lyon.id()).expect("status").retracted_by,
        Some(ids[1])
    );
}

fn signed_payload(
    key: &coalition_record::SecretKey,
    network: Hash32,
    seq: u64,
    prev: Option<Hash32>,
    payload: &coalition_record::Payload,
) -> WireEntry {
    let (entry, blob) = SignedEntry::create(key, network, seq, prev, T0 + 10, payload);
    WireEntry::new(&entry, Some(blob))
}

/// A batch large enough for batch verification, two cities interleaved, one forged signature in
/// the middle of Graz's run: the batch check fails, every entry is then judged on its own, and
/// the verdicts are what one-by-one ingestion would give.
#[test]
fn one_forgery_in_a_verified_batch_costs_only_its_own_chain() {
    let a = TestStore::new();
    a.store
        .apply_roster_change(&admit_c(&charter()))
        .expect("admit Graz");
    let lyon = append_updates(&a.store, &city_a(), 10);
    let mut graz = append_updates(&a.store, &city_c(), 10);
    let last = graz[4].entry.len() - 1;
    graz[4].entry[last] ^= 0x01;
    let batch: Vec<WireEntry> = lyon
        .iter()
        .zip(&graz)
        .flat_map(|(l, g)| [l.clone(), g.clone()])
        .collect();

    let b = TestStore::new();
    b.store
        .apply_roster_change(&admit_c(&charter()))
        .expect("admit Graz");
    let outcomes = b.store.ingest(batch).expect("ingest");
    let (lyon_out, graz_out): (Vec<_>, Vec<_>) =
        outcomes.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    assert!(lyon_out.iter().all(|(_, o)| o.is_stored()), "{lyon_out:?}");
    for (n, (_, outcome)) in graz_out.iter().enumerate() {
        match n {
            0..=3 => assert!(outcome.is_stored(), "Graz seq {}: {outcome:?}", n + 1),
            4 => assert_eq!(rejected(outcome).rule(), "signature"),
            _ => assert!(
                matches!(outcome, IngestOutcome::Gap { have: 4, .. }),
                "Graz seq {}: {outcome:?}",
                n + 1
            ),
        }
    }
    assert_eq!(b.store.entry_count(), 14);
    assert!(!b.store.contains(&id_of(&graz[4])).expect("contains"));
    // The genuine entries complete Graz's log afterwards.
    let rest: Vec<WireEntry> = a
        .store
        .log_wire(&city_c().public(), 5, 6, usize::MAX)
        .expect("read Graz's log");
    assert_eq!(stored_ids(&b.store.ingest(rest).expect("ingest")).len(), 6);
    assert_eq!(b.store.entry_count(), 20);
}
