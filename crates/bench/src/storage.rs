//! Scenario 2: the store's writes and reads against bare RocksDB doing the same job without the
//! store's validation, summaries and indexes.

use crate::data;
use crate::ingest::ingest_all_timed;
use crate::report::{Row, Target};
use crate::Sizes;
use anyhow::{Context, Result};
use coalition_record::{Hash32, Payload, SignedEntry, WireEntry};
use coalition_store::Query;
use coalition_tests::Coalition;
use rocksdb::{Options, WriteBatch, WriteOptions, DB};
use std::time::Instant;

fn bare_options() -> Options {
    let mut opts = Options::default();
    opts.create_if_missing(true);
    opts.set_compression_type(rocksdb::DBCompressionType::Lz4);
    opts.set_max_open_files(256);
    opts.set_keep_log_file_num(4);
    opts
}

fn ekey(author: &[u8; 32], seq: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(41);
    k.push(b'e');
    k.extend_from_slice(author);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

type Kv = (Vec<u8>, Vec<u8>);

/// The bare layout: 'e'‖author‖seq → wire bytes, 'i'‖id → the 'e' key, 'c'‖commitment‖ts‖id → ().
fn bare_kvs(entries: &[WireEntry]) -> Result<Vec<Vec<Kv>>> {
    entries
        .iter()
        .map(|w| {
            let e = SignedEntry::decode(&w.entry)?;
            let id = e.id();
            let ek = ekey(&e.header.author.0, e.header.seq);
            let mut kvs = vec![(ek.clone(), w.to_bytes())];
            let mut ik = vec![b'i'];
            ik.extend_from_slice(&id.0);
            kvs.push((ik, ek));
            let blob = w.payload.as_ref().context("payload")?;
            for c in Payload::decode(&blob.bytes)?.commitments() {
                let mut ck = vec![b'c', c];
                ck.extend_from_slice(&e.header.timestamp_ms.to_be_bytes());
                ck.extend_from_slice(&id.0);
                kvs.push((ck, Vec::new()));
            }
            Ok(kvs)
        })
        .collect()
}

/// Bare RocksDB reading every city's 'e' records in turn, filling its block cache or not;
/// returns how many records it read.
fn bare_city_scans(bare: &DB, coalition: &Coalition, fill_cache: bool) -> Result<usize> {
    let mut count = 0;
    for city in &coalition.cities {
        let mut prefix = vec![b'e'];
        prefix.extend_from_slice(&city.public().0);
        let mut options = rocksdb::ReadOptions::default();
        options.fill_cache(fill_cache);
        let mode = rocksdb::IteratorMode::From(&prefix, rocksdb::Direction::Forward);
        for item in bare.iterator_opt(mode, options) {
            let (k, v) = item?;
            if !k.starts_with(&prefix) {
                break;
            }
            count += usize::from(!v.is_empty());
        }
    }
    Ok(count)
}

/// Scenario `storage`: writes, gets by id, per-city log scans and a commitment index scan of
/// `sizes.storage` entries through the store, against bare RocksDB doing the same job.
pub fn run(sizes: &Sizes) -> Result<Vec<Row>> {
    let coalition = Coalition::new(data::CITIES)?;
    let entries = data::entries(&coalition, sizes.storage, 2)?;
    let n = entries.len();
    let ids: Vec<Hash32> = entries.iter().map(|w| Hash32::of(&w.entry)).collect();
    let kvs = bare_kvs(&entries)?;

    // Bare writes: same bytes, one WriteBatch per batch, WAL synced.
    let bare_dir = tempfile::tempdir()?;
    let bare = DB::open(&bare_options(), bare_dir.path())?;
    let mut sync = WriteOptions::default();
    sync.set_sync(true);
    let started = Instant::now();
    for chunk in kvs.chunks(sizes.batch) {
        let mut batch = WriteBatch::default();
        for (k, v) in chunk.iter().flatten() {
            batch.put(k, v);
        }
        bare.write_opt(batch, &sync)?;
    }
    let bare_write = n as f64 / started.elapsed().as_secs_f64();
    drop(kvs);
    // The bare load's compactions must not run on the cores during the store's write.
    bare.wait_for_compact(&rocksdb::WaitForCompactOptions::default())?;

    let dir = tempfile::tempdir()?;
    let store = coalition.create_store(dir.path())?;
    let (secs, times) = ingest_all_timed(&store, entries, sizes.batch)?;
    let store_write = n as f64 / secs;
    // The write path alone: the writer's time applying the rules to checked entries, writing
    // and syncing, the same job as the bare write (the checks are the ingest scenario's rows).
    let store_write_path = n as f64 / times.writing.as_secs_f64().max(f64::EPSILON);
    // Reads are timed on settled trees on both sides: the bare database finished its
    // compactions above, the store finishes its own here (they would otherwise run on the same
    // two cores during the store's reads, and its scans would merge unsettled level-0 files).
    store.settle(std::time::Duration::from_secs(120))?;

    // Gets by id: a deterministic spread of up to 20,000 ids.
    let step = (n / 20_000).max(1);
    let sample: Vec<Hash32> = ids.iter().step_by(step).copied().collect();
    let started = Instant::now();
    for id in &sample {
        store.entry(id)?.context("entry missing")?;
    }
    let store_get = sample.len() as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    for id in &sample {
        let mut ik = vec![b'i'];
        ik.extend_from_slice(&id.0);
        let at = bare.get_pinned(&ik)?.context("bare id missing")?;
        bare.get_pinned(&*at)?.context("bare entry missing")?;
    }
    let bare_get = sample.len() as f64 / started.elapsed().as_secs_f64();
    // The same gets, bytes only: what the layout costs without decoding.
    let started = Instant::now();
    for id in &sample {
        store.wire_entry(id)?.context("entry missing")?;
    }
    let store_get_bytes = sample.len() as f64 / started.elapsed().as_secs_f64();

    // Per-city range scans.
    let started = Instant::now();
    let mut count = 0;
    for city in &coalition.cities {
        count += store.log(&city.public(), 1, usize::MAX)?.len();
    }
    anyhow::ensure!(count == n, "log scan saw {count} of {n}");
    let store_scan = count as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let count = bare_city_scans(&bare, &coalition, true)?;
    anyhow::ensure!(count == n, "bare scan saw {count} of {n}");
    let bare_scan = count as f64 / started.elapsed().as_secs_f64();
    // The same bare scan reading past the block cache, as the store's long scans do.
    let started = Instant::now();
    let count = bare_city_scans(&bare, &coalition, false)?;
    anyhow::ensure!(count == n, "bare uncached scan saw {count} of {n}");
    let bare_scan_uncached = count as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut count = 0;
    for city in &coalition.cities {
        count += store
            .log_wire(&city.public(), 1, usize::MAX, usize::MAX)?
            .len();
    }
    anyhow::ensure!(count == n, "bytes scan saw {count} of {n}");
    let store_scan_bytes = count as f64 / started.elapsed().as_secs_f64();
    // The same scan with every payload decoded, as the search index and the audit read it.
    let started = Instant::now();
    let mut decoded = 0;
    for city in &coalition.cities {
        for stored in store.log(&city.public(), 1, usize::MAX)? {
            decoded += usize::from(stored.payload().is_some());
        }
    }
    anyhow::ensure!(decoded == n, "decoded {decoded} payloads of {n}");
    let store_scan_decoded = decoded as f64 / started.elapsed().as_secs_f64();

    // Commitment-index scans, every commitment.
    let started = Instant::now();
    let mut store_hits = 0;
    for c in 1..=10u8 {
        let q = Query {
            commitment: Some(c),
            ..Query::default()
        };
        store_hits += store.query_ids(&q)?.len();
    }
    let store_idx = store_hits as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut bare_hits = 0;
    for c in 1..=10u8 {
        let prefix = [b'c', c];
        let mut out = Vec::new();
        for item in bare.prefix_iterator(prefix) {
            let (k, _) = item?;
            if !k.starts_with(&prefix) {
                break;
            }
            out.push(k[k.len() - 32..].to_vec());
        }
        bare_hits += out.len();
    }
    let bare_idx = bare_hits as f64 / started.elapsed().as_secs_f64();
    anyhow::ensure!(
        store_hits == bare_hits,
        "index scans disagree: {store_hits} vs {bare_hits}"
    );

    let note = format!("n={n}");
    Ok(vec![
        Row::new(
            "storage",
            "writes: the store's write path (chain rules, records, indexes, WriteBatch+sync)",
            "entries/s",
            store_write_path,
        )
        .baseline("bare WriteBatch+sync", bare_write)
        .target(Target::RatioAtLeast(0.7))
        .note(format!(
            "{note}; the writer's time in Store::ingest_pipelined, {:.2} s over {} batches; it waited {:.2} s for the checks, which run on the other threads (the ingest rows time them)",
            times.writing.as_secs_f64(),
            times.batches,
            times.waiting_for_checks.as_secs_f64()
        )),
        // Info: the whole ingest, every signature and payload check included, which the bare
        // write does not do.
        Row::new(
            "storage",
            "writes with every check: Store::ingest_pipelined (validates, indexes)",
            "entries/s",
            store_write,
        )
        .baseline("bare WriteBatch+sync", bare_write)
        .note(note.clone()),
        Row::new("storage", "get by id: Store::entry", "ops/s", store_get)
            .baseline("bare 2 gets", bare_get)
            .target(Target::RatioAtLeast(0.8))
            .note(format!("{} ids", sample.len())),
        // Info rows: the same reads without decoding, as sync and export read (the bare
        // baseline decodes nothing either); the gap to the rows above is decoding.
        Row::new(
            "storage",
            "get by id, bytes only: Store::wire_entry",
            "ops/s",
            store_get_bytes,
        )
        .baseline("bare 2 gets", bare_get),
        Row::new(
            "storage",
            "per-city scan, bytes only: Store::log_wire",
            "entries/s",
            store_scan_bytes,
        )
        .baseline("bare prefix iterator", bare_scan),
        Row::new(
            "storage",
            "per-city scan: Store::log",
            "entries/s",
            store_scan,
        )
        .baseline("bare prefix iterator", bare_scan)
        .target(Target::RatioAtLeast(0.8))
        .note("entries decoded, payloads decoded on first use; a scan of over 256 entries does not fill the block cache, the bare iterator's default does"),
        // Info: the same scan against a bare iterator that does not fill its cache either, so
        // the gap is the store's own work alone.
        Row::new(
            "storage",
            "per-city scan: Store::log, against a bare scan that skips the cache too",
            "entries/s",
            store_scan,
        )
        .baseline("bare iterator, fill_cache off", bare_scan_uncached),
        Row::new(
            "storage",
            "per-city scan, every payload decoded: Store::log + payload()",
            "entries/s",
            store_scan_decoded,
        )
        .baseline("bare prefix iterator", bare_scan),
        Row::new(
            "storage",
            "commitment scan: Store::query_ids",
            "ids/s",
            store_idx,
        )
        .baseline("bare prefix iterator", bare_idx)
        .target(Target::RatioAtLeast(0.8))
        .note(format!("{store_hits} hits over 10 commitments")),
    ])
}
