//! Scenario 1: the store's ingest throughput (pipelined, as sync feeds it, and batch by batch)
//! against raw ed25519 verification of the same entries.

use crate::data;
use crate::report::{Row, Target};
use crate::{per_sec, Sizes};
use anyhow::{bail, Context, Result};
use coalition_record::{EntryHeader, SignedEntry, WireEntry};
use coalition_store::{IngestOutcome, PipelineTimes, Store};
use coalition_tests::Coalition;
use ed25519_dalek::{Signature, VerifyingKey};
use std::time::Instant;

fn into_batches(entries: Vec<WireEntry>, batch: usize) -> Vec<Vec<WireEntry>> {
    let mut batches: Vec<Vec<WireEntry>> = Vec::with_capacity(entries.len() / batch + 1);
    let mut it = entries.into_iter().peekable();
    while it.peek().is_some() {
        batches.push(it.by_ref().take(batch).collect());
    }
    batches
}

fn count_stored(outcomes: &[IngestOutcome], stored: &mut usize) -> Result<()> {
    for outcome in outcomes {
        if outcome.is_stored() {
            *stored += 1;
        } else {
            bail!("entry not stored: {outcome:?}");
        }
    }
    Ok(())
}

/// Ingests `entries` in batches of `batch` through `Store::ingest_pipelined` (batch n+1 checked
/// while batch n is written); returns the seconds it took.
pub fn ingest_all(store: &Store, entries: Vec<WireEntry>, batch: usize) -> Result<f64> {
    Ok(ingest_all_timed(store, entries, batch)?.0)
}

/// As [`ingest_all`], with where the store's writer spent its time.
pub fn ingest_all_timed(
    store: &Store,
    entries: Vec<WireEntry>,
    batch: usize,
) -> Result<(f64, PipelineTimes)> {
    let n = entries.len();
    let batches = into_batches(entries, batch);
    let started = Instant::now();
    let mut stored = 0usize;
    let mut failed = None;
    let times = store.ingest_pipelined(batches, |outcomes| {
        if let Err(e) = count_stored(&outcomes, &mut stored) {
            failed.get_or_insert(e);
        }
    })?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(e) = failed {
        return Err(e);
    }
    if stored != n {
        bail!("stored {stored} of {n}");
    }
    Ok((secs, times))
}

/// As [`ingest_all`], one `Store::ingest` call per batch (no overlap between batches).
pub fn ingest_serial(store: &Store, entries: Vec<WireEntry>, batch: usize) -> Result<f64> {
    let n = entries.len();
    let batches = into_batches(entries, batch);
    let started = Instant::now();
    let mut stored = 0usize;
    for b in batches {
        count_stored(&store.ingest(b)?, &mut stored)?;
    }
    let secs = started.elapsed().as_secs_f64();
    if stored != n {
        bail!("stored {stored} of {n}");
    }
    Ok(secs)
}

/// Raw `verify_strict` of every entry's signature on one core, entries per second.
pub fn verify_strict_rate(entries: &[WireEntry]) -> Result<f64> {
    let v = verifiables(entries)?;
    let started = Instant::now();
    for x in &v {
        x.key
            .verify_strict(&x.message, &x.sig)
            .context("baseline verification failed")?;
    }
    Ok(per_sec(v.len(), started))
}

/// One entry's signature check, decoded ahead so that the baseline times verification alone.
struct Verifiable {
    key: VerifyingKey,
    message: Vec<u8>,
    sig: Signature,
}

/// The signature check of each entry (author key, signing message, signature).
fn verifiables(entries: &[WireEntry]) -> Result<Vec<Verifiable>> {
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

/// The store's ingest rate with batch verification on or off, pipelined or serial, on a fresh
/// store; returns (entries/s, signature checks per entry).
fn store_rate(
    coalition: &Coalition,
    entries: &[WireEntry],
    batch: usize,
    batch_verification: bool,
    pipelined: bool,
) -> Result<(f64, f64)> {
    let n = entries.len();
    let dir = tempfile::tempdir()?;
    let store = coalition.create_store(dir.path())?;
    store.set_batch_verification(batch_verification);
    let checked = coalition_record::signature::signatures_checked();
    let secs = if pipelined {
        ingest_all(&store, entries.to_vec(), batch)?
    } else {
        ingest_serial(&store, entries.to_vec(), batch)?
    };
    let checks = coalition_record::signature::signatures_checked() - checked;
    Ok((n as f64 / secs, checks as f64 / n as f64))
}

/// Scenario `ingest`: the store's ingest rate (single and batch verification, pipelined and one
/// call per batch) against raw `verify_strict` of the same entries on one core.
pub fn run(sizes: &Sizes) -> Result<Vec<Row>> {
    let coalition = Coalition::new(data::CITIES)?;
    let entries = data::entries_sized(&coalition, sizes.ingest, 1, sizes.payload_bytes)?;
    let n = entries.len();
    let avg_payload = data::wire_bytes(&entries) / n.max(1);

    // Baseline: raw strict verification, single core, same entries.
    let verify_rate = verify_strict_rate(&entries)?;
    let v = verifiables(&entries)?;
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

    // The store, checking each signature alone, then in batches (the default); pipelined (as
    // sync feeds it) and one call per batch. Fresh stores, the same entries.
    let b = sizes.batch;
    let (single_rate, single_checks) = store_rate(&coalition, &entries, b, false, true)?;
    let (rate, batch_checks) = store_rate(&coalition, &entries, b, true, true)?;
    let (serial_single, _) = store_rate(&coalition, &entries, b, false, false)?;
    let (serial_batch, _) = store_rate(&coalition, &entries, b, true, false)?;
    let size = match sizes.payload_bytes {
        Some(p) => format!("payloads of ~{p} B"),
        None => "practices of 1-4 KiB".into(),
    };
    Ok(vec![
        Row::new("ingest", &format!("Store::ingest_pipelined, single verification, batches of {b}"), "entries/s", single_rate)
            .baseline("verify_strict, 1 core", verify_rate)
            .target(Target::RatioAtLeast(0.85))
            .note(format!("n={n}, {size}, avg wire entry {avg_payload} B; {single_checks:.2} signature checks per entry")),
        Row::new("ingest", &format!("Store::ingest_pipelined, batch verification, batches of {b}"), "entries/s", rate)
            .baseline("verify_strict, 1 core", verify_rate)
            .target(Target::RatioAtLeast(1.5))
            .note(format!("cofactored batch check (crates/record/src/signature.rs); {batch_checks:.2} signature checks per entry")),
        Row::new("ingest", "per-entry ingest cost (pipelined, batch verification)", "us", 1e6 / rate),
        Row::new("ingest", "Store::ingest one call per batch, single verification (informational)", "entries/s", serial_single)
            .baseline("verify_strict, 1 core", verify_rate),
        Row::new("ingest", "Store::ingest one call per batch, batch verification (informational)", "entries/s", serial_batch)
            .baseline("verify_strict, 1 core", verify_rate),
        Row::new("ingest", "ed25519-dalek verify_batch (informational)", "entries/s", batch_rate)
            .baseline("verify_strict, 1 core", verify_rate)
            .note("the raw crypto ceiling for batches; cofactorless, so not the store's rule"),
    ])
}
