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

    let dir = tempfile::tempdir()?;
    let store = coalition.create_store(dir.path())?;
    let secs = ingest_all(&store, entries, sizes.batch)?;
    let rate = n as f64 / secs;
    Ok(vec![
        Row::new("ingest", &format!("Store::ingest, batches of {}", sizes.batch), "entries/s", rate)
            .baseline("verify_strict, 1 core", verify_rate)
            .target(Target::RatioAtLeast(0.85))
            .note(format!("n={n}, avg wire entry {avg_payload} B; single verify per entry (no batch path in the store)")),
        Row::new("ingest", "per-entry ingest cost", "us", secs * 1e6 / n as f64),
        Row::new("ingest", "ed25519 verify_batch (informational)", "entries/s", batch_rate)
            .baseline("verify_strict, 1 core", verify_rate)
            .note("batch verification is not strict; not used by the store"),
    ])
}
