//! Scenario 1: Store::ingest throughput against raw ed25519 verification of the same entries.

use crate::data;
use crate::report::{Row, Target};
use crate::{per_sec, Sizes};
use anyhow::{bail, Context, Result};
use coalition_record::{EntryHeader, SignedEntry, WireEntry};
use coalition_store::Store;
use coalition_tests::Coalition;
use ed25519_dalek::{Signature, VerifyingKey};
use std::time::Instant;

/// Ingests `entries` in batches of `batch`; returns seconds spent in `Store::ingest`.
pub fn ingest_all(store: &Store, entries: Vec<WireEntry>, batch: usize) -> Result<f64> {
    let n = entries.len();
    let mut batches: Vec<Vec<WireEntry>> = Vec::with_capacity(n / batch + 1);
    let mut it = entries.into_iter().peekable();
    while it.peek().is_some() {
        batches.push(it.by_ref().take(batch).collect());
    }
    let started = Instant::now();
    let mut stored = 0usize;
    for b in batches {
        for outcome in store.ingest(b)? {
            if outcome.is_stored() {
                stored += 1;
            } else {
                bail!("entry not stored: {outcome:?}");
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    if stored != n {
        bail!("stored {stored} of {n}");
    }
    Ok(secs)
}

pub struct Verifiable {
    key: VerifyingKey,
    message: Vec<u8>,
    sig: Signature,
}

pub fn verifiables(entries: &[WireEntry]) -> Result<Vec<Verifiable>> {
    entries
        .iter()
        .map(|w| {
            let e = SignedEntry::decode(&w.entry)?;
            let key = VerifyingKey::from_bytes(&e.header.author.0).context("author key")?;
            Ok(Verifiable {
                key,
                message: EntryHeader::signing_message(e.header_bytes()),
                sig: Signature::from_bytes(&e.signature.0),
            })
        })
        .collect()
}

pub fn run(sizes: &Sizes) -> Result<Vec<Row>> {
    let coalition = Coalition::new(data::CITIES)?;
    let entries = data::entries(&coalition, sizes.ingest, 1)?;
    let n = entries.len();
    let avg_payload = data::wire_bytes(&entries) / n.max(1);

    // Baseline: raw strict verification, single core, same entries.
    let v = verifiables(&entries)?;
    let started = Instant::now();
    for x in &v {
        x.key
            .verify_strict(&x.message, &x.sig)
            .context("baseline verification failed")?;
    }
    let verify_rate = per_sec(n, started);
    // Informational: ed25519 batch verification (not strict; the store does not use it).
    let started = Instant::now();
    for chunk in v.chunks(sizes.batch) {
        let msgs: Vec<&[u8]> = chunk.iter().map(|x| x.message.as_slice()).collect();
        let sigs: Vec<Signature> = chunk.iter().map(|x| x.sig).collect();
        let keys: Vec<VerifyingKey> = chunk.iter().map(|x| x.key).collect();
        ed25519_dalek::verify_batch(&msgs, &sigs, &keys).context("batch verification failed")?;
    }
    let batch_rate = per_sec(n, started);
    drop(v);

    // The store, first checking each signature alone, then in batches (the default). Two fresh
    // stores, the same entries.
    let single_dir = tempfile::tempdir()?;
    let single_store = coalition.create_store(single_dir.path())?;
    single_store.set_batch_verification(false);
    let checked = coalition_record::signature::signatures_checked();
    let single_secs = ingest_all(&single_store, entries.clone(), sizes.batch)?;
    let single_checks = coalition_record::signature::signatures_checked() - checked;
    drop(single_store);
    let single_rate = n as f64 / single_secs;

    let dir = tempfile::tempdir()?;
    let store = coalition.create_store(dir.path())?;
    let checked = coalition_record::signature::signatures_checked();
    let secs = ingest_all(&store, entries, sizes.batch)?;
    let batch_checks = coalition_record::signature::signatures_checked() - checked;
    let rate = n as f64 / secs;
    Ok(vec![
        Row::new("ingest", &format!("Store::ingest, single verification, batches of {}", sizes.batch), "entries/s", single_rate)
            .baseline("verify_strict, 1 core", verify_rate)
            .target(Target::RatioAtLeast(0.85))
            .note(format!("n={n}, avg wire entry {avg_payload} B; {:.2} signature checks per entry", single_checks as f64 / n as f64)),
        Row::new("ingest", &format!("Store::ingest, batch verification, batches of {}", sizes.batch), "entries/s", rate)
            .baseline("verify_strict, 1 core", verify_rate)
            .target(Target::RatioAtLeast(1.5))
            .note(format!("cofactored batch check (crates/record/src/signature.rs); {:.2} signature checks per entry", batch_checks as f64 / n as f64)),
        Row::new("ingest", "per-entry ingest cost (batch verification)", "us", secs * 1e6 / n as f64),
        Row::new("ingest", "ed25519-dalek verify_batch (informational)", "entries/s", batch_rate)
            .baseline("verify_strict, 1 core", verify_rate)
            .note("the raw crypto ceiling for batches; cofactorless, so not the store's rule"),
    ])
}
