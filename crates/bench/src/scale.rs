//! Scenario `scale` (issue #19): N real coalition_net nodes (real swarm, protocols, validation
//! and one RocksDB store each) in this process on loopback TCP, for each N of `Sizes::scale_nodes`,
//! in a random sparse topology like bootstrap lists (each node dials a few random earlier nodes).
//! Every city publishes; the rows give per N the delivery delay, gossip copies, bytes, signature
//! checks, RSS, idle CPU, the frontier a sync round carries and a new node's catch-up, then a
//! least-squares fit of a·N^b per figure and its value at 5,000 nodes.

use crate::data;
use crate::net::cpu_seconds;
use crate::report::{percentile, Row, Target};
use crate::Sizes;
use anyhow::{bail, Context, Result};
use coalition_net::gossip::GossipTuning;
use coalition_net::NetEvent;
use coalition_record::EntryId;
use coalition_tests::{test_config, wait_until, Coalition, Node};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

/// Nodes the fits are extrapolated to.
pub const EXTRAPOLATE_TO: f64 = 5_000.0;

/// The gossipsub parameter sets the scenario can run with (`--gossip-preset`).
pub const PRESETS: [&str; 7] = ["default", "libp2p", "idw", "d5", "d4", "d4-noflood", "d8"];

/// `default`: the node's own (`GossipTuning::default()`, equal to d5 since the fourth session).
/// `libp2p`: libp2p's (mesh 6/5/12, gossip factor 0.25, flood publishing, IDONTWANT for
/// messages of 1,000 B and more). `d4`: mesh 4/3/8, gossip to 4, and a publisher's IDONTWANT.
/// `d4-noflood`: as d4, publishing to the mesh only. `d5`: mesh 5/4/10, gossip to 5, and a
/// publisher's IDONTWANT. `idw`: libp2p's with a publisher's IDONTWANT. `d8`: mesh 8/6/12,
/// for comparison.
pub fn preset(name: &str) -> Result<GossipTuning> {
    let d = GossipTuning::libp2p();
    let d4 = GossipTuning {
        mesh_n: 4,
        mesh_n_low: 3,
        mesh_n_high: 8,
        mesh_outbound_min: 1,
        gossip_lazy: 4,
        idontwant_on_publish: true,
        ..d
    };
    Ok(match name {
        "default" => GossipTuning::default(),
        "libp2p" => d,
        "d4" => d4,
        "idw" => GossipTuning {
            idontwant_on_publish: true,
            ..d
        },
        "d5" => GossipTuning {
            mesh_n: 5,
            mesh_n_low: 4,
            mesh_n_high: 10,
            mesh_outbound_min: 2,
            gossip_lazy: 5,
            ..d4
        },
        "d4-noflood" => GossipTuning {
            flood_publish: false,
            ..d4
        },
        "d8" => GossipTuning {
            mesh_n: 8,
            mesh_n_low: 6,
            mesh_n_high: 12,
            mesh_outbound_min: 3,
            gossip_lazy: 8,
            ..d
        },
        other => bail!(
            "unknown gossip preset {other}; known: {}",
            PRESETS.join(", ")
        ),
    })
}

/// What one size measured (also the input of the fits).
#[derive(Debug, Clone)]
struct Measured {
    n: usize,
    p50_ms: f64,
    p99_ms: f64,
    copies: f64,
    bytes_sent: f64,
    bytes_received: f64,
    lo_bytes: f64,
    checks: f64,
    rss_mib: f64,
    idle_cpu: f64,
    frontier_bytes: f64,
    catchup_secs: f64,
}

/// Scenario `scale`: one network per size of `sizes.scale_nodes`, with per-size rows and a
/// fitted a·N^b per figure extrapolated to 5,000 nodes.
pub fn run(sizes: &Sizes) -> Result<Vec<Row>> {
    preset(&sizes.gossip_preset)?;
    let mut rows = Vec::new();
    let mut measured = Vec::new();
    for &n in &sizes.scale_nodes {
        let started = Instant::now();
        let (m, r) = one_size(sizes, n).with_context(|| format!("scale at N={n}"))?;
        eprintln!("scale N={n} took {:.1} s", started.elapsed().as_secs_f64());
        eprint!("{}", crate::report::table(&r));
        rows.extend(r);
        measured.push(m);
    }
    if measured.len() >= 2 {
        rows.extend(fits(&measured));
    }
    Ok(rows)
}

/// Each node's store worker holds one of the runtime's blocking threads for the node's lifetime:
/// with tokio's default of 512, 500 nodes would leave the others (a publish's append) queueing.
fn runtime(nodes: usize) -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(nodes + 64)
        .enable_all()
        .build()?)
}

/// Resident set size of this process, in bytes.
fn rss_bytes() -> Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .context("VmRSS")?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?;
    Ok(kib * 1024.0)
}

/// Bytes through the loopback interface of this process's network namespace (received; on
/// loopback every byte sent is received once).
fn loopback_bytes() -> Result<f64> {
    let text = std::fs::read_to_string("/proc/self/net/dev")?;
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("lo:"))
        .context("no lo in /proc/self/net/dev")?;
    let fields: Vec<&str> = line
        .split_once(':')
        .map(|(_, s)| s)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    Ok(fields.first().context("lo rx bytes")?.parse()?)
}

/// Copies a closed store's directory (a template with the roster applied: applying 500 roster
/// changes to each of 500 stores would dominate the run).
pub(crate) fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
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

/// The random sparse topology: node i dials `dials` distinct random nodes among 0..i (all of
/// them while i <= dials), as a city configured with a bootstrap list of earlier members would.
fn topology(n: usize, dials: usize, rng: &mut StdRng) -> Vec<(usize, usize)> {
    let mut edges = Vec::new();
    for i in 1..n {
        let mut earlier: Vec<usize> = (0..i).collect();
        earlier.shuffle(rng);
        for &j in earlier.iter().take(dials) {
            edges.push((i, j));
        }
    }
    edges
}

/// Dials every edge at once, then waits until each node sees all its neighbours.
async fn connect_all(nodes: &[Node], edges: &[(usize, usize)]) -> Result<()> {
    let mut want: Vec<HashSet<coalition_net::PeerId>> = vec![HashSet::new(); nodes.len()];
    for &(a, b) in edges {
        nodes[a].handle.dial(nodes[b].addr.clone()).await?;
        want[a].insert(nodes[b].peer_id());
        want[b].insert(nodes[a].peer_id());
    }
    wait_until(
        "every edge of the topology connected",
        Duration::from_secs(120),
        || async {
            let mut lacking = 0usize;
            for (node, want) in nodes.iter().zip(&want) {
                let status = node.status().await?;
                let have: HashSet<_> = status.connected_peers.into_iter().collect();
                lacking += want.difference(&have).count();
            }
            Ok((lacking == 0, format!("{lacking} connections missing")))
        },
    )
    .await?;
    Ok(())
}

fn one_size(sizes: &Sizes, n: usize) -> Result<(Measured, Vec<Row>)> {
    if n < 2 {
        bail!("the scale scenario needs at least 2 nodes");
    }
    let m = sizes.scale_messages;
    // Entries per second such that the whole process handles about `scale_deliveries` stores a
    // second: all N nodes share 2 cores, and past that the figures measure the queue of this
    // simulation rather than the network (a real coalition publishes a few entries a day).
    let rate = (sizes.scale_deliveries / (n - 1) as f64).min(50.0);
    let tuning = preset(&sizes.gossip_preset)?;
    let coalition = Coalition::new(n)?;
    let root = tempfile::tempdir()?;
    let template = root.path().join("template");
    // Every store starts with one earlier practice of each city, so that frontiers hold all N
    // cities and the new node has N + m entries to catch up on.
    {
        let store = coalition.create_store(&template)?;
        let mut rng = StdRng::seed_from_u64(7);
        let mut earlier = Vec::with_capacity(n);
        for city in 0..n {
            let size = rng.random_range(1024..=4096);
            let payload = data::practice(&mut rng, city, size);
            earlier.push(coalition.sign_entry(city, 1, None, &payload)?);
        }
        crate::ingest::ingest_all(&store, earlier, 128)?;
    }
    let total = (n + m) as u64;
    let mut dirs = Vec::new();
    for i in 0..=n {
        let dir = root.path().join(format!("n{i}"));
        copy_dir(&template, &dir)?;
        dirs.push(dir);
    }
    let mut rng = StdRng::seed_from_u64(19 + n as u64);
    let edges = topology(n, sizes.scale_dials, &mut rng);
    let rt = runtime(n + 1)?;
    rt.block_on(async {
        let rss_before = rss_bytes()?;
        let mut nodes = Vec::with_capacity(n);
        for (i, dir) in dirs.iter().enumerate().take(n) {
            let store = std::sync::Arc::new(coalition_store::Store::open(dir)?);
            // Production heartbeat (1 s) and sync interval (30 s): delivery is by gossip.
            let mut config = test_config(Duration::from_secs(30))?;
            config.gossip_heartbeat = Duration::from_secs(1);
            config.gossip_tuning = tuning;
            nodes.push(Node::start(&format!("n{i}"), dir, store, config).await?);
        }
        let started = Instant::now();
        connect_all(&nodes, &edges).await?;
        let connect_secs = started.elapsed().as_secs_f64();
        let refs: Vec<&Node> = nodes.iter().collect();
        coalition_tests::wait_for_mesh(&refs, 1, Duration::from_secs(60)).await?;
        // Let meshes settle past a few heartbeats before measuring idle.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rss_idle = rss_bytes()?;
        let cpu0 = cpu_seconds()?;
        let idle_started = Instant::now();
        tokio::time::sleep(Duration::from_secs_f64(sizes.scale_idle_secs)).await;
        let idle_cpu = 100.0 * (cpu_seconds()? - cpu0) / idle_started.elapsed().as_secs_f64();

        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, EntryId, Instant)>();
        let mut collectors = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let mut events = node.handle.subscribe();
            let tx = tx.clone();
            collectors.push(tokio::spawn(async move {
                while let Ok(event) = events.recv().await {
                    if let NetEvent::EntryStored { id, .. } = event {
                        if tx.send((i, id, Instant::now())).is_err() {
                            break;
                        }
                    }
                }
            }));
        }
        drop(tx);
        let metrics_before = gossip_metrics(&nodes).await?;
        let lo_before = loopback_bytes()?;
        let checks_before = coalition_record::signature::signatures_checked();
        let origins: Vec<usize> = (0..m).map(|_| rng.random_range(0..n)).collect();
        let cpu_publish = cpu_seconds()?;
        let publish_started = Instant::now();
        let mut published: HashMap<EntryId, (usize, Instant)> = HashMap::new();
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
        for &origin in &origins {
            tick.tick().await;
            let size = rng.random_range(1024..=4096);
            let payload = data::practice(&mut rng, origin, size);
            let t0 = Instant::now();
            let id = nodes[origin]
                .publish_practice(&coalition.cities[origin], &payload)
                .await?;
            published.insert(id, (origin, t0));
        }
        let expected = m * (n - 1);
        let (last, arrivals) =
            crate::net::collect_arrivals(&mut rx, &published, expected, Duration::from_secs(60))
                .await;
        let busy = 100.0 * (cpu_seconds()? - cpu_publish)
            / publish_started.elapsed().as_secs_f64()
            / sizes_cores();
        // Gossip settles (IHAVE/IWANT and late duplicates) before the counters are read.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let checks = coalition_record::signature::signatures_checked() - checks_before;
        let lo = loopback_bytes()? - lo_before;
        let metrics_after = gossip_metrics(&nodes).await?;
        let rss_loaded = rss_bytes()?;
        for c in collectors {
            c.abort();
        }
        let mut latencies: Vec<f64> = published
            .iter()
            .filter_map(|(id, (_, t0))| {
                last.get(id)
                    .filter(|(count, _)| *count >= n - 1)
                    .map(|(_, at)| at.duration_since(*t0).as_secs_f64() * 1e3)
            })
            .collect();
        let complete = latencies.len();
        let mut via_sync = 0u64;
        for node in &nodes {
            let s = node.status().await?;
            via_sync += s.counters.entries_via_sync + s.counters.entries_via_held;
        }

        // One sync round of a node holding every city: the frontier it sends.
        let probe = &nodes[n / 2];
        let before = probe.status().await?;
        probe.handle.sync_now().await?;
        wait_until("the probe's sync round", Duration::from_secs(20), || async {
            let s = probe.status().await?;
            Ok((s.counters.sync_requests > before.counters.sync_requests, String::new()))
        })
        .await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = probe.status().await?;
        let frontier_bytes = (after.counters.sync_request_bytes_sent - before.counters.sync_request_bytes_sent)
            as f64
            / (after.counters.sync_requests - before.counters.sync_requests).max(1) as f64;

        // A new city's node joins with a bootstrap list of 3 random members.
        let fresh_dir = &dirs[n];
        let fresh_store = std::sync::Arc::new(coalition_store::Store::open(fresh_dir)?);
        let fresh = Node::start(
            "fresh",
            fresh_dir,
            fresh_store,
            test_config(Duration::from_secs(30))?,
        )
        .await?;
        let joined = Instant::now();
        let mut members: Vec<usize> = (0..n).collect();
        members.shuffle(&mut rng);
        for &j in members.iter().take(3) {
            fresh.handle.dial(nodes[j].addr.clone()).await?;
        }
        wait_until("the new node caught up", Duration::from_secs(120), || async {
            let have = fresh.store.entry_count();
            Ok((have >= total, format!("{have} of {total}")))
        })
        .await?;
        let catchup_secs = joined.elapsed().as_secs_f64();
        fresh.stop().await?;
        for node in nodes {
            node.stop().await?;
        }
        let receivers = expected.max(1) as f64;
        let result = Measured {
            n,
            p50_ms: percentile(&mut latencies, 50.0),
            p99_ms: percentile(&mut latencies, 99.0),
            copies: (metrics_after.copies - metrics_before.copies) / receivers,
            bytes_sent: (metrics_after.sent_bytes - metrics_before.sent_bytes) / receivers,
            bytes_received: (metrics_after.recv_bytes - metrics_before.recv_bytes) / receivers,
            lo_bytes: lo / receivers,
            checks: checks as f64 / arrivals.max(1) as f64,
            rss_mib: (rss_loaded - rss_before) / n as f64 / 1048576.0,
            idle_cpu: idle_cpu / n as f64,
            frontier_bytes,
            catchup_secs,
        };
        let s = |f: &str| format!("N={n}: {f}");
        let x = &result;
        let degree = 2.0 * edges.len() as f64 / n as f64;
        let rows = vec![
            Row::new("scale", &s("publish-to-last-delivery p50"), "ms", x.p50_ms).note(format!(
                "{n} nodes, {} edges (mean degree {degree:.1}), {m} entries of 1-4 KiB at {rate:.2}/s; gossip preset {}; connecting took {connect_secs:.1} s",
                edges.len(),
                sizes.gossip_preset,
            )),
            Row::new("scale", &s("process CPU while publishing"), "% of all cores", busy).note(
                "near 100 % the delays measure this simulation's CPU queue, not the network",
            ),
            Row::new("scale", &s("publish-to-last-delivery p99"), "ms", x.p99_ms)
                .target(Target::ValueAtMost(2000.0))
                .note(format!(
                    "{complete} of {m} entries reached all {} other nodes; {arrivals}/{expected} deliveries, {via_sync} via sync/held",
                    n - 1
                )),
            Row::new("scale", &s("every entry reached every node"), "entries", complete as f64)
                .target(Target::ValueAtLeast(m as f64)),
            Row::new("scale", &s("gossip copies received per entry per node"), "msgs", x.copies)
                .target(Target::ValueAtMost(3.0))
                .note("libp2p_topic_msg_recv_counts_unfiltered: duplicates included"),
            Row::new("scale", &s("gossip bytes sent per entry per node"), "B", x.bytes_sent)
                .note("libp2p_topic_msg_sent_bytes: message data only, no control messages or framing"),
            Row::new("scale", &s("gossip bytes received per entry per node"), "B", x.bytes_received)
                .note("libp2p_topic_msg_recv_bytes_unfiltered: duplicates included, no control messages"),
            Row::new("scale", &s("all loopback bytes per entry per node"), "B", x.lo_bytes)
                .note("lo rx bytes of the namespace while publishing (TCP/IP headers, Noise, Yamux, control, identify, ping; each byte once); mean entry ~2.6 KB"),
            Row::new(
                "scale",
                &s("gossip messages dropped from send queues"),
                "msgs",
                metrics_after.failed - metrics_before.failed,
            )
            .note("libp2p_failed_messages: a peer's queue full or a message past its send timeout; all nodes, while publishing"),
            Row::new("scale", &s("signature checks per entry per node"), "checks", x.checks)
                .target(Target::ValueEquals(1.0))
                .note(format!("{checks} checks for {arrivals} deliveries")),
            Row::new("scale", &s("RSS per node"), "MiB", x.rss_mib).note(format!(
                "(process RSS after publishing - before starting) / N; idle {:.1} MiB/node",
                (rss_idle - rss_before) / n as f64 / 1048576.0
            )),
            Row::new("scale", &s("idle CPU per node"), "% of one core", x.idle_cpu).note(format!(
                "process CPU over {:.0} s idle / N; heartbeat 1 s, sync 30 s",
                sizes.scale_idle_secs
            )),
            Row::new("scale", &s("frontier sent in one sync round"), "B", x.frontier_bytes)
                .target(Target::ValueAtMost(65536.0))
                .note(format!("sync request of a node holding entries of all {n} cities")),
            Row::new("scale", &s("new node catch-up, 3 bootstrap peers"), "s", x.catchup_secs)
                .note(format!("{total} entries, from dialling until it holds all")),
        ];
        anyhow::Ok((result, rows))
    })
}

fn sizes_cores() -> f64 {
    std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64)
}

struct GossipMetrics {
    copies: f64,
    sent_bytes: f64,
    recv_bytes: f64,
    /// Messages gossipsub gave up sending to a peer: its send queue full, or a message waiting
    /// past the forward (1 s) or publish (5 s) timeout.
    failed: f64,
}

async fn gossip_metrics(nodes: &[Node]) -> Result<GossipMetrics> {
    let mut m = GossipMetrics {
        copies: 0.0,
        sent_bytes: 0.0,
        recv_bytes: 0.0,
        failed: 0.0,
    };
    for node in nodes {
        let text = node.libp2p_metrics()?;
        m.copies += metric_sum(&text, "libp2p_topic_msg_recv_counts_unfiltered_total");
        m.sent_bytes += metric_sum(&text, "libp2p_topic_msg_sent_bytes_total");
        m.recv_bytes += metric_sum(&text, "libp2p_topic_msg_recv_bytes_unfiltered_total");
        m.failed += metric_sum(&text, "libp2p_failed_messages_sum");
    }
    Ok(m)
}

/// Least-squares fit of y = a·N^b (a line in log-log space). Power laws are what gossip costs
/// follow (constant: b≈0, logarithmic delay: small b, per-peer state: b≈1); a fit of
/// a + b·log N is given beside it for the figures that should grow with the number of hops.
pub fn fit_power(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0 && y.is_finite())
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    let (a, b) = fit_line(&pts)?;
    Some((a.exp(), b))
}

/// Least-squares fit of y = a + b·ln N.
pub fn fit_log(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && y.is_finite())
        .map(|(x, y)| (x.ln(), *y))
        .collect();
    fit_line(&pts)
}

fn fit_line(pts: &[(f64, f64)]) -> Option<(f64, f64)> {
    if pts.len() < 2 {
        return None;
    }
    let k = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / k;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / k;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 {
        return None;
    }
    let b = sxy / sxx;
    Some((my - b * mx, b))
}

fn fits(measured: &[Measured]) -> Vec<Row> {
    type Get = fn(&Measured) -> f64;
    let figures: [(&str, &str, Get); 11] = [
        ("publish-to-last-delivery p50", "ms", |m| m.p50_ms),
        ("publish-to-last-delivery p99", "ms", |m| m.p99_ms),
        ("gossip copies received per entry per node", "msgs", |m| {
            m.copies
        }),
        ("gossip bytes sent per entry per node", "B", |m| {
            m.bytes_sent
        }),
        ("gossip bytes received per entry per node", "B", |m| {
            m.bytes_received
        }),
        ("all loopback bytes per entry per node", "B", |m| m.lo_bytes),
        ("signature checks per entry per node", "checks", |m| {
            m.checks
        }),
        ("RSS per node", "MiB", |m| m.rss_mib),
        ("idle CPU per node", "% of one core", |m| m.idle_cpu),
        ("frontier sent in one sync round", "B", |m| m.frontier_bytes),
        ("new node catch-up, 3 bootstrap peers", "s", |m| {
            m.catchup_secs
        }),
    ];
    let mut rows = Vec::new();
    for (name, unit, get) in figures {
        let points: Vec<(f64, f64)> = measured.iter().map(|m| (m.n as f64, get(m))).collect();
        let Some((a, b)) = fit_power(&points) else {
            continue;
        };
        let log = fit_log(&points);
        let at = a * EXTRAPOLATE_TO.powf(b);
        let mut note = format!("fit {a:.4}·N^{b:.3}");
        if let Some((c, d)) = log {
            note.push_str(&format!(
                "; or {c:.3} + {d:.3}·ln N -> {:.3} at 5000",
                c + d * EXTRAPOLATE_TO.ln()
            ));
        }
        let ns: Vec<String> = measured.iter().map(|m| m.n.to_string()).collect();
        note.push_str(&format!("; from N = {}", ns.join(", ")));
        rows.push(Row::new("scale", &format!("fit, at N=5000: {name}"), unit, at).note(note));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_power_fit_recovers_a_power_law_and_the_log_fit_a_logarithm() {
        let pts: Vec<(f64, f64)> = [30.0, 100.0, 300.0, 500.0]
            .iter()
            .map(|&n: &f64| (n, 2.5 * n.powf(0.7)))
            .collect();
        let (a, b) = fit_power(&pts).expect("fit");
        assert!((a - 2.5).abs() < 1e-9 && (b - 0.7).abs() < 1e-9, "{a} {b}");
        let pts: Vec<(f64, f64)> = [30.0, 100.0, 300.0]
            .iter()
            .map(|&n: &f64| (n, 4.0 + 3.0 * n.ln()))
            .collect();
        let (c, d) = fit_log(&pts).expect("fit");
        assert!((c - 4.0).abs() < 1e-9 && (d - 3.0).abs() < 1e-9, "{c} {d}");
        assert!(fit_power(&[(10.0, 1.0)]).is_none());
    }

    #[test]
    fn the_topology_dials_distinct_earlier_nodes() {
        let mut rng = StdRng::seed_from_u64(1);
        let edges = topology(50, 3, &mut rng);
        assert_eq!(edges.len(), 1 + 2 + 3 * 47);
        let set: HashSet<_> = edges.iter().collect();
        assert_eq!(set.len(), edges.len());
        assert!(edges.iter().all(|(a, b)| b < a));
    }
}
