//! Pipelined ingest (`Store::ingest_pipelined`): the same outcomes and the same store as ingesting
//! batch after batch, each batch reported only once durable (a read-only open sees it) and shown
//! in the frontier no earlier, each signature checked once.
//! It counts the process's signature checks, so it runs alone in a child process.

use crate::common;

use coalition_record::signature::signatures_checked;
use coalition_record::{Hash32, SignedEntry, WireEntry};
use coalition_store::{IngestOutcome, Store};
use common::*;

fn forged(wire: &WireEntry) -> WireEntry {
    let mut bad = wire.clone();
    // The last byte of the entry is the signature's.
    let last = bad.entry.len() - 1;
    bad.entry[last] ^= 0x01;
    bad
}

#[test]
fn pipelined_ingest_matches_batch_by_batch_and_checks_each_signature_once() {
    if !common::alone_in_child(
        "pipeline::pipelined_ingest_matches_batch_by_batch_and_checks_each_signature_once",
    ) {
        return;
    }
    let source = TestStore::new();
    let a = append_updates(&source.store, &city_a(), 80);
    let b = append_updates(&source.store, &city_b(), 60);
    let mut stream: Vec<WireEntry> = Vec::new();
    for i in 0..80 {
        stream.push(a[i].clone());
        if i < 60 {
            stream.push(b[i].clone());
        }
    }
    let batches: Vec<Vec<WireEntry>> = stream.chunks(16).map(|c| c.to_vec()).collect();

    // Clean stream: every entry new, every signature checked exactly once.
    let target = TestStore::new();
    let dir = target.path();
    let mut reported = Vec::new();
    // Opening a store checks the roster's committee signatures (not the entries'): measured
    // once here, where nothing else runs, and taken off per open below (the callback's opens
    // overlap the look-ahead thread, so they cannot be measured there).
    let opening = signatures_checked();
    drop(Store::open_read_only(&dir).expect("read-only open"));
    let per_open = signatures_checked() - opening;
    let mut opens = 0;
    let before = signatures_checked();
    target
        .store
        .ingest_pipelined(batches.clone(), |outcomes| {
            // Reported only once durable: a separate read-only open already sees the batch.
            let reader = Store::open_read_only(&dir).expect("read-only open");
            opens += 1;
            for outcome in &outcomes {
                if let IngestOutcome::Stored { id } = outcome {
                    assert!(
                        reader.contains(id).expect("contains"),
                        "{id} reported before durable"
                    );
                }
            }
            reported.extend(outcomes);
            // The next batch may be written already, its sync running: the frontier (which
            // search and sync read up to) shows only what was reported.
            assert_eq!(target.store.entry_count(), reported.len() as u64);
        })
        .expect("pipelined ingest");
    let checks = signatures_checked() - before - opens * per_open;
    assert_eq!(reported.len(), 140);
    assert!(
        reported.iter().all(IngestOutcome::is_stored),
        "{reported:?}"
    );
    assert_eq!(checks, 140, "one signature check per entry");
    assert_eq!(target.store.frontier(), source.store.frontier());
    assert_eq!(
        target
            .store
            .log_wire(&city_a().public(), 1, 100, usize::MAX)
            .expect("log"),
        a
    );
    // The records the check threads built ahead (log and facet records, document and commitment
    // keys) are the ones the publishing store built on its writer: every read answers the same.
    assert_eq!(
        common::fixture::dump(&target.store),
        common::fixture::dump(&source.store)
    );
    // One call with the whole clean stream (looked ahead in pieces): one check per entry.
    let one_call = TestStore::new();
    let before = signatures_checked();
    let outcomes = one_call.store.ingest(stream.clone()).expect("one call");
    assert!(outcomes.iter().all(IngestOutcome::is_stored));
    assert_eq!(
        signatures_checked() - before,
        140,
        "one check per entry in one call"
    );
    assert_eq!(one_call.store.frontier(), source.store.frontier());
    // Again: all duplicates, no signature checked.
    let before = signatures_checked();
    let mut again = Vec::new();
    target
        .store
        .ingest_pipelined(batches.clone(), |o| again.extend(o))
        .expect("again");
    assert_eq!(
        signatures_checked() - before,
        0,
        "held entries are not checked again"
    );
    assert!(again
        .iter()
        .all(|o| matches!(o, IngestOutcome::Duplicate { .. })));

    // A hostile stream: a forgery, a fork, a gap and a duplicate among valid entries. Pipelined
    // and batch-by-batch give the same outcomes and the same store.
    let (fork, blob) = SignedEntry::create(
        &city_a(),
        source.store.network_id(),
        5,
        Some(Hash32::of(&a[3].entry)),
        T0,
        &update("Fork", "2024-06-01", &[2]),
    );
    let mut hostile = stream.clone();
    hostile.insert(10, forged(&a[5]));
    hostile.insert(30, WireEntry::new(&fork, Some(blob)));
    hostile.insert(12, b[29].clone());
    hostile.insert(40, a[0].clone());
    // In batches of 64 the signature and payload checks of a batch are split between threads
    // (on a machine with more than one core): same outcomes again.
    let wide: Vec<Vec<WireEntry>> = hostile.chunks(64).map(|c| c.to_vec()).collect();
    let hostile: Vec<Vec<WireEntry>> = hostile.chunks(9).map(|c| c.to_vec()).collect();
    let piped = TestStore::new();
    let mut piped_outcomes = Vec::new();
    piped
        .store
        .ingest_pipelined(hostile.clone(), |o| piped_outcomes.extend(o))
        .expect("pipelined");
    // The whole stream in one call: looked ahead in pieces on a second thread, one write.
    let whole = TestStore::new();
    let whole_outcomes = whole.store.ingest(hostile.concat()).expect("one call");
    let serial = TestStore::new();
    let mut serial_outcomes = Vec::new();
    for batch in hostile {
        serial_outcomes.extend(serial.store.ingest(batch).expect("ingest"));
    }
    let split = TestStore::new();
    let mut split_outcomes = Vec::new();
    split
        .store
        .ingest_pipelined(wide, |o| split_outcomes.extend(o))
        .expect("pipelined, wide batches");
    assert_eq!(split_outcomes, serial_outcomes);
    assert_eq!(split.store.frontier(), serial.store.frontier());
    let expected = common::fixture::dump(&serial.store);
    assert_eq!(common::fixture::dump(&split.store), expected);
    assert_eq!(common::fixture::dump(&piped.store), expected);
    assert_eq!(common::fixture::dump(&whole.store), expected);
    assert_eq!(piped_outcomes, serial_outcomes);
    assert_eq!(whole_outcomes, serial_outcomes);
    assert_eq!(whole.store.frontier(), serial.store.frontier());
    assert!(piped_outcomes
        .iter()
        .any(|o| matches!(o, IngestOutcome::Fork { .. })));
    assert!(piped_outcomes
        .iter()
        .any(|o| matches!(o, IngestOutcome::Gap { .. })));
    assert!(piped_outcomes
        .iter()
        .any(|o| matches!(o, IngestOutcome::Rejected { .. })));
    assert_eq!(piped.store.frontier(), serial.store.frontier());
    assert_eq!(
        piped.store.forks().expect("forks"),
        serial.store.forks().expect("forks")
    );
    let (problems, _) = piped.store.verify_all(|_| {}).expect("verify");
    assert!(problems.is_empty(), "{problems:?}");
}
