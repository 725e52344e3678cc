//! Scenarios 3 and 4 and the idle-CPU figure: real coalition_net nodes on loopback TCP, each with
//! its own RocksDB store, in this process.

use crate::data;
use crate::ingest::ingest_all;
use crate::report::{percentile, Row, Target};
use crate::Sizes;
use anyhow::{Context, Result};
use coalition_net::NetEvent;
use coalition_record::EntryId;
use coalition_tests::{connect, test_config, wait_for_mesh, wait_until, Coalition, Node};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Scenario `catchup` (3): a fresh node syncs `sizes.catchup` entries from a full one over
/// loopback TCP: wall time against local ingest of the same entries, rate against raw
/// `verify_strict`, bytes against the encoded entries, and the cost of fetching one missing entry.
pub fn catchup(sizes: &Sizes) -> Result<Vec<Row>> {
    let coalition = Coalition::new(data::CITIES)?;
    let entries = data::entries_sized(&coalition, sizes.catchup, 3, sizes.payload_bytes)?;
    let n = entries.len();
    let wire = data::wire_bytes(&entries);
    // The rate catch-up is judged against: raw strict verification of the same signatures.
    let verify_rate = crate::ingest::verify_strict_rate(&entries)?;
    let full_dir = tempfile::tempdir()?;
    let full_store = coalition.create_store(full_dir.path())?;
    // Baseline: the same entries through the store's (pipelined) ingest locally, batches as in
    // scenario 1.
    let ingest_secs = ingest_all(&full_store, entries, sizes.batch)?;
    // The full node stands for one that has held its entries a while: the compactions of the
    // bulk load above finish before the catch-up is timed, instead of running beside it.
    full_store.settle(Duration::from_secs(120))?;
    let fresh_dir = tempfile::tempdir()?;
    let fresh_store = coalition.create_store(fresh_dir.path())?;

    let rt = runtime()?;
    let (secs, status, refused, one) = rt.block_on(async {
        // A long sync interval: the catch-up runs on connect (and continues while the responder
        // has more), and the one-missing measurement below is not disturbed by periodic rounds.
        let full = Node::start(
            "full",
            full_dir.path(),
            full_store,
            test_config(Duration::from_secs(600))?,
        )
        .await?;
        let fresh = Node::start(
            "fresh",
            fresh_dir.path(),
            fresh_store,
            test_config(Duration::from_secs(600))?,
        )
        .await?;
        let started = Instant::now();
        connect(&fresh, &full).await?;
        wait_until("fresh node caught up", Duration::from_secs(300), || async {
            let have = fresh.store.entry_count();
            Ok((have == n as u64, format!("{have} of {n}")))
        })
        .await?;
        let secs = started.elapsed().as_secs_f64();
        // The store holds everything before the worker's last report reaches the network task;
        // wait for the counters to catch up too.
        wait_until("the last sync report", Duration::from_secs(10), || async {
            let s = fresh.status().await?;
            let counted = s.counters.entries_via_sync
                + s.counters.entries_via_held
                + s.counters.entries_via_gossip;
            Ok((counted >= n as u64, format!("{counted} of {n} counted")))
        })
        .await?;
        let status = fresh.status().await?;
        // Requests the serving node refused over its per-peer rate: each costs the requester a
        // wait (its retry time) in which nothing arrives.
        let refused = full.status().await?.counters.sync_refused;

        // One entry missing out of n: the full node appends one without gossiping it, then the
        // fresh node runs one sync round.
        let mut rng = StdRng::seed_from_u64(9);
        let payload = data::practice(&mut rng, 0, 2048);
        let extra = full
            .store
            .append_local(&coalition.cities[0], &payload, 1_900_000_000_000)?;
        let extra_bytes = extra.to_wire().to_bytes().len();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let before = fresh.status().await?;
        fresh.handle.sync_now().await?;
        wait_until("the one missing entry", Duration::from_secs(30), || async {
            let have = fresh.store.entry_count();
            Ok((have == n as u64 + 1, format!("{have} of {}", n + 1)))
        })
        .await?;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let after = fresh.status().await?;
        fresh.stop().await?;
        full.stop().await?;
        let one = OneMissing {
            round_trips: after.counters.sync_requests - before.counters.sync_requests,
            bytes: (after.counters.sync_request_bytes_sent
                - before.counters.sync_request_bytes_sent)
                + (after.counters.sync_response_bytes_received
                    - before.counters.sync_response_bytes_received),
            entry_bytes: extra_bytes,
        };
        anyhow::Ok((secs, status, refused, one))
    })?;
    let baseline = ingest_secs;
    let carried =
        status.counters.sync_request_bytes_sent + status.counters.sync_response_bytes_received;
    Ok(vec![
        Row::new("catchup", "fresh node sync wall time", "s", secs)
            .baseline("local Store::ingest_pipelined of same entries", baseline)
            .target(Target::RatioAtMost(1.3))
            .note(format!("n={n}, {:.0} entries/s", n as f64 / secs)),
        Row::new("catchup", "fresh node catch-up rate", "entries/s", n as f64 / secs)
            .baseline("verify_strict, 1 core", verify_rate)
            .target(Target::RatioAtLeast(1.0))
            .note(match sizes.payload_bytes {
                Some(p) => format!("n={n}, payloads of ~{p} B"),
                None => format!("n={n}, practices of 1-4 KiB"),
            }),
        Row::new(
            "catchup",
            "sync requests / entries received",
            "requests",
            status.counters.sync_requests as f64,
        )
        .note(format!(
            "{} entries received via sync, {} stored via sync, {refused} refused over the peer's rate",
            status.counters.sync_entries_received, status.counters.entries_via_sync
        )),
        Row::new(
            "catchup",
            "sync bytes (requests sent + responses received)",
            "MiB",
            carried as f64 / 1048576.0,
        )
        .baseline("encoded entries and payloads", wire as f64 / 1048576.0)
        .target(Target::RatioAtMost(1.10))
        .note("sync frames incl. length prefixes; Noise and Yamux framing (<0.1 %) not counted"),
        Row::new(
            "catchup",
            "one missing of n: round trips",
            "requests",
            one.round_trips as f64,
        )
        .target(Target::ValueAtMost(3.0)),
        Row::new("catchup", "one missing of n: sync bytes", "KiB", one.bytes as f64 / 1024.0)
            .target(Target::ValueAtMost(4.0))
            .note(format!(
                "the missing entry itself is {} B; the rest is the requester's frontier ({} cities) and framing",
                one.entry_bytes,
                coalition.cities.len()
            )),
    ])
}

struct OneMissing {
    round_trips: u64,
    bytes: u64,
    entry_bytes: usize,
}

/// Connects node i to i+1 and (for 6 or more nodes) i+3: a sparse ring with chords.
async fn sparse_graph(nodes: &[Node]) -> Result<()> {
    let k = nodes.len();
    for i in 0..k {
        connect(&nodes[i], &nodes[(i + 1) % k]).await?;
        if k >= 6 {
            connect(&nodes[i], &nodes[(i + 3) % k]).await?;
        }
    }
    Ok(())
}

async fn start_nodes(
    coalition: &Coalition,
    k: usize,
    dirs: &[tempfile::TempDir],
    sync: Duration,
    heartbeat: Duration,
) -> Result<Vec<Node>> {
    let mut nodes = Vec::new();
    for (i, dir) in dirs.iter().enumerate().take(k) {
        let store = coalition.create_store(dir.path())?;
        let mut config = test_config(sync)?;
        config.gossip_heartbeat = heartbeat;
        nodes.push(Node::start(&format!("n{i}"), dir.path(), store, config).await?);
    }
    Ok(nodes)
}

/// Scenario `propagation` (4): `sizes.prop_nodes` nodes in a sparse graph, `sizes.prop_messages`
/// entries published at `sizes.prop_rate` a second: delay from publish to the last node's store
/// (p50, p99), gossip copies and signature checks per entry and node.
pub fn propagation(sizes: &Sizes) -> Result<Vec<Row>> {
    let k = sizes.prop_nodes.max(2);
    let m = sizes.prop_messages;
    let coalition = Coalition::new(k.max(data::CITIES))?;
    let dirs: Vec<_> = (0..k)
        .map(|_| tempfile::tempdir())
        .collect::<Result<_, _>>()?;
    let rt = runtime()?;
    rt.block_on(async {
        // Production sync interval (30 s) so delivery is by gossip; test heartbeat (200 ms).
        let nodes = start_nodes(&coalition, k, &dirs, Duration::from_secs(30), Duration::from_millis(200)).await?;
        sparse_graph(&nodes).await?;
        let refs: Vec<&Node> = nodes.iter().collect();
        wait_for_mesh(&refs, 1, Duration::from_secs(20)).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, EntryId, Instant)>();
        let mut collectors = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let mut events = node.handle.subscribe();
            let tx = tx.clone();
            collectors.push(tokio::spawn(async move {
                while let Ok(event) = events.recv().await {
                    if let NetEvent::EntryStored { id, .. } = event {
                        let _ = tx.send((i, id, Instant::now()));
                    }
                }
            }));
        }
        drop(tx);
        let checks_before = coalition_record::signature::signatures_checked();
        let mut rng = StdRng::seed_from_u64(4);
        let mut published: HashMap<EntryId, (usize, Instant)> = HashMap::new();
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / sizes.prop_rate));
        for _ in 0..m {
            tick.tick().await;
            let origin = rng.random_range(0..k);
            let size = rng.random_range(1024..=4096);
            let payload = data::practice(&mut rng, origin, size);
            let t0 = Instant::now();
            let id = nodes[origin].publish_practice(&coalition.cities[origin], &payload).await?;
            published.insert(id, (origin, t0));
        }
        let expected = m * (k - 1);
        let (last, arrivals) =
            collect_arrivals(&mut rx, &published, expected, Duration::from_secs(30)).await;
        let checks = coalition_record::signature::signatures_checked() - checks_before;
        let mut latencies: Vec<f64> = published
            .iter()
            .filter_map(|(id, (_, t0))| {
                last.get(id)
                    .filter(|(count, _)| *count == k - 1)
                    .map(|(_, at)| at.duration_since(*t0).as_secs_f64() * 1e3)
            })
            .collect();
        let complete = latencies.len();
        let mut gossip_received = 0u64;
        let mut via_sync = 0u64;
        let mut wire_messages = 0.0;
        for node in &nodes {
            let s = node.status().await?;
            gossip_received += s.counters.gossip_received;
            via_sync += s.counters.entries_via_sync + s.counters.entries_via_held;
            let text = node.libp2p_metrics()?;
            wire_messages += metric_sum(&text, "libp2p_topic_msg_recv_counts_unfiltered_total");
        }
        for c in collectors {
            c.abort();
        }
        for node in nodes {
            node.stop().await?;
        }
        let note = format!("{k} nodes, degree ~{}, {m} entries at {}/s", if k >= 6 { 4 } else { 2 }, sizes.prop_rate);
        anyhow::Ok(vec![
            Row::new("propagation", "publish-to-last-delivery p50", "ms", percentile(&mut latencies, 50.0)).note(note),
            Row::new("propagation", "publish-to-last-delivery p99", "ms", percentile(&mut latencies, 99.0))
                .note(format!("{complete} of {m} entries reached all {} other nodes; {arrivals}/{expected} deliveries", k - 1)),
            Row::new("propagation", "gossip messages handed to the app per entry per node", "msgs", gossip_received as f64 / expected.max(1) as f64)
                .note(format!("gossipsub drops duplicates by message id before the app; {via_sync} arrived via sync/held")),
            Row::new("propagation", "gossip copies received per entry per node (duplicates included)", "msgs", wire_messages / expected.max(1) as f64)
                .target(Target::ValueAtMost(3.0))
                .note("gossipsub's own count before its duplicate filter (libp2p_topic_msg_recv_counts_unfiltered)"),
            Row::new("propagation", "signature verifications per entry per receiving node", "checks", checks as f64 / arrivals.max(1) as f64)
                .target(Target::ValueEquals(1.0))
                .note(format!("{checks} checks for {arrivals} deliveries (all nodes share one process and one counter)")),
        ])
    })
    .context("propagation")
}

/// The sum of every sample of one metric in Prometheus text (all label sets).
fn metric_sum(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// utime + stime of this process, in seconds (assumes the usual 100 Hz clock tick).
pub fn cpu_seconds() -> Result<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    let after = stat.rsplit_once(')').map(|(_, s)| s).context("stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the comm field: state is field 3, utime 14, stime 15 (1-based) -> index 11, 12.
    let utime: f64 = fields.get(11).context("utime")?.parse()?;
    let stime: f64 = fields.get(12).context("stime")?.parse()?;
    Ok((utime + stime) / 100.0)
}

/// Idle CPU of `k` connected nodes (production heartbeat 1 s and sync interval 30 s) over `secs`.
pub fn idle_cpu(sizes: &Sizes) -> Result<Row> {
    let k = sizes.idle_nodes.max(2);
    let coalition = Coalition::new(k.max(data::CITIES))?;
    let dirs: Vec<_> = (0..k)
        .map(|_| tempfile::tempdir())
        .collect::<Result<_, _>>()?;
    let rt = runtime()?;
    rt.block_on(async {
        let nodes = start_nodes(
            &coalition,
            k,
            &dirs,
            Duration::from_secs(30),
            Duration::from_secs(1),
        )
        .await?;
        sparse_graph(&nodes).await?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before = cpu_seconds()?;
        let started = Instant::now();
        tokio::time::sleep(Duration::from_secs_f64(sizes.idle_secs)).await;
        let used = cpu_seconds()? - before;
        let wall = started.elapsed().as_secs_f64();
        for node in nodes {
            node.stop().await?;
        }
        anyhow::Ok(
            Row::new(
                "footprint",
                &format!("idle CPU, {k}-node network"),
                "% of one core",
                100.0 * used / wall,
            )
            .target(Target::ValueAtMost(1.0))
            .note(format!(
                "\"close to zero\" read as under 1 % of one core; all {k} nodes in one process, {wall:.1} s, heartbeat 1 s, sync 30 s"
            )),
        )
    })
}

/// Arrivals of published entries at nodes other than their origin, until `expected` came or
/// `wait` passed: per entry, (nodes it reached, when the last one got it), and the count.
pub(crate) async fn collect_arrivals(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(usize, EntryId, Instant)>,
    published: &HashMap<EntryId, (usize, Instant)>,
    expected: usize,
    wait: Duration,
) -> (HashMap<EntryId, (usize, Instant)>, usize) {
    let mut last: HashMap<EntryId, (usize, Instant)> = HashMap::new();
    let mut arrivals = 0usize;
    let deadline = tokio::time::Instant::now() + wait;
    while arrivals < expected {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some((node, id, at))) => {
                if published.get(&id).is_some_and(|(o, _)| *o != node) {
                    arrivals += 1;
                    let e = last.entry(id).or_insert((0, at));
                    e.0 += 1;
                    e.1 = e.1.max(at);
                }
            }
            _ => break,
        }
    }
    (last, arrivals)
}
