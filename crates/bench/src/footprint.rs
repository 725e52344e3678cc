//! Scenario 6: a node's resident memory and start-up time on a populated store (measured in a
//! child process so the harness's own data does not count), and idle CPU of a network.

use crate::data;
use crate::ingest::ingest_all;
use crate::report::{Row, Target};
use crate::Sizes;
use anyhow::{Context, Result};
use coalition_store::{Query, Store};
use coalition_tests::Coalition;
use std::path::Path;
use std::time::{Duration, Instant};

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// The child: open the store, serve one query, start the network, idle, report as JSON.
pub fn child(dir: &Path) -> Result<()> {
    let started = Instant::now();
    let store = Store::open(dir)?;
    let open_ms = started.elapsed().as_secs_f64() * 1e3;
    let ids = store.query_ids(&Query {
        commitment: Some(3),
        limit: 20,
        ..Query::default()
    })?;
    let first = ids.first().context("no entries")?;
    store.entry(first)?.context("entry")?;
    let first_query_ms = started.elapsed().as_secs_f64() * 1e3;
    let rss_store = status_kb("VmRSS:");
    let store = std::sync::Arc::new(store);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let rss_idle = rt.block_on(async {
        let config = coalition_net::NetConfig::for_tests(coalition_net::generate_keypair()?);
        let (handle, task) =
            coalition_net::spawn(config, store.clone(), &mut Default::default()).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss = status_kb("VmRSS:");
        handle.shutdown().await?;
        let _ = task.await;
        anyhow::Ok(rss)
    })?;
    println!(
        "{}",
        serde_json::json!({
            "open_ms": open_ms,
            "first_query_ms": first_query_ms,
            "rss_kb_store": rss_store,
            "rss_kb_idle": rss_idle,
            "hwm_kb": status_kb("VmHWM:"),
        })
    );
    Ok(())
}

/// Scenario `footprint`: start-up time (open, first query) and RSS of a child process on a
/// store of `sizes.footprint` entries, then the idle CPU of `sizes.idle_nodes` connected nodes.
pub fn run(sizes: &Sizes) -> Result<Vec<Row>> {
    let coalition = Coalition::new(data::CITIES)?;
    let entries = data::entries(&coalition, sizes.footprint, 6)?;
    let n = entries.len();
    let dir = tempfile::tempdir()?;
    {
        let store = coalition.create_store(dir.path())?;
        ingest_all(&store, entries, sizes.batch)?;
    }
    let disk: u64 = std::fs::read_dir(dir.path())?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    let exe = std::env::current_exe()?;
    let out = std::process::Command::new(exe)
        .arg("--footprint-child")
        .arg(dir.path())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "footprint child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().context("child printed nothing")?;
    let v: serde_json::Value = serde_json::from_str(line)?;
    let f = |k: &str| v.get(k).and_then(|x| x.as_f64()).unwrap_or(f64::NAN);
    let note = format!(
        "store of {n} entries, {:.0} MiB on disk",
        disk as f64 / 1048576.0
    );
    let mut rows = vec![
        Row::new("footprint", "start-up: Store::open", "ms", f("open_ms")).note(note.clone()),
        Row::new(
            "footprint",
            "start-up to first query served",
            "ms",
            f("first_query_ms"),
        )
        .target(Target::ValueAtMost(1000.0))
        .note("open + query_ids(commitment, limit 20) + entry"),
        Row::new(
            "footprint",
            "RSS after open + query",
            "MiB",
            f("rss_kb_store") / 1024.0,
        ),
        Row::new(
            "footprint",
            "RSS of node idle 2 s (store + network)",
            "MiB",
            f("rss_kb_idle") / 1024.0,
        )
        .target(Target::ValueAtMost(143.0))
        .note(format!(
            "target 150 MB = 143 MiB; peak {:.0} MiB",
            f("hwm_kb") / 1024.0
        )),
    ];
    rows.push(crate::net::idle_cpu(sizes)?);
    Ok(rows)
}
