//! Profiling aid for ingest (issue #14): generates N practices (default 50,000), then ingests
//! them into a fresh store with `Store::ingest_pipelined` in batches of 128, and prints the rate,
//! the CPU time per entry, the cores used and the ratio to raw `verify_strict` of the same entries
//! measured in the same run, and the CPU time of the calling thread, which applies and writes
//! each batch (the serial part of the pipeline, and much steadier than the rate on a shared
//! machine). Under `perf record -p` (attach after it prints "start"), the profile
//! holds ingest alone, without the data generation.
//!
//! `cargo run --release -p coalition-bench --example ingest_profile -- [N] [single]`; `single`
//! checks each signature alone instead of in batches.
use anyhow::Context;
use coalition_bench::data;
use coalition_bench::ingest::{ingest_all_timed, verify_strict_rate};
use coalition_bench::net::cpu_seconds;
use coalition_tests::Coalition;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let n: usize = match args.next() {
        Some(text) => text.parse().context("N: a number of entries")?,
        None => 50_000,
    };
    let batch_mode = args.next().as_deref() != Some("single");
    let coalition = Coalition::new(data::CITIES)?;
    let entries = data::entries_sized(&coalition, n, 1, None)?;
    let baseline = verify_strict_rate(&entries)?;
    let dir = tempfile::tempdir()?;
    let store = coalition.create_store(dir.path())?;
    store.set_batch_verification(batch_mode);
    eprintln!("start");
    let cpu_before = cpu_seconds()?;
    let writer_before = thread_schedstat()?;
    let (secs, times) = ingest_all_timed(&store, entries, 128)?;
    let cpu = cpu_seconds()? - cpu_before;
    let writer_after = thread_schedstat()?;
    let writer_ns = writer_after.0 - writer_before.0;
    let writer_queued_ns = writer_after.1 - writer_before.1;
    let rate = n as f64 / secs;
    println!(
        "{n} entries in {secs:.2} s = {rate:.0}/s; CPU {cpu:.2} s = {:.1} us per entry, {:.2} cores",
        cpu * 1e6 / n as f64,
        cpu / secs
    );
    println!(
        "ratio {:.2} to verify_strict on 1 core ({baseline:.0}/s, same run)",
        rate / baseline
    );
    println!(
        "writer thread (apply, write, sync): {:.1} us CPU per entry, {:.1} us ready but waiting \
         for a core, {:.1} us asleep (I/O, locks, waiting for checks)",
        writer_ns as f64 / 1e3 / n as f64,
        writer_queued_ns as f64 / 1e3 / n as f64,
        (secs * 1e9 - writer_ns as f64 - writer_queued_ns as f64).max(0.0) / 1e3 / n as f64,
    );
    println!(
        "writer wall time: {:.1} us per entry writing (of which {:.1} us waiting for a sync), \
         {:.1} us waiting for the checks",
        times.writing.as_secs_f64() * 1e6 / n as f64,
        times.waiting_for_sync.as_secs_f64() * 1e6 / n as f64,
        times.waiting_for_checks.as_secs_f64() * 1e6 / n as f64,
    );
    Ok(())
}

/// Nanoseconds this thread has run on a CPU and has waited, ready, for one (the first two
/// fields of /proc/thread-self/schedstat).
fn thread_schedstat() -> anyhow::Result<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat")?;
    let mut fields = text.split_whitespace().map(str::parse::<u64>);
    let ran = fields.next().context("schedstat is empty")??;
    let queued = fields.next().context("schedstat has one field")??;
    Ok((ran, queued))
}
