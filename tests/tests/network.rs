//! Multi-node tests: real swarms on loopback, each with its own store, every test under a bounded
//! timeout. Run with `--nocapture` to see the timings they print.

use anyhow::{anyhow, ensure, Result};
use coalition_net::NetConfig;
use coalition_store::Store;
use coalition_tests::*;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Runs a test body under a hard timeout.
async fn bounded<F: Future<Output = Result<()>>>(
    what: &str,
    limit: Duration,
    body: F,
) -> Result<()> {
    match tokio::time::timeout(limit, body).await {
        Ok(result) => result,
        Err(_) => Err(anyhow!("{what}: the whole test took longer than {limit:?}")),
    }
}

/// Starts `n` nodes, node i with store dir `dirs[i]`.
async fn start_nodes(
    coalition: &Coalition,
    dirs: &[TempDir],
    config: impl Fn(usize) -> Result<NetConfig>,
) -> Result<Vec<Node>> {
    let mut nodes = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let store = coalition.create_store(dir.path())?;
        nodes.push(Node::start(&format!("n{i}"), dir.path(), store, config(i)?).await?);
    }
    Ok(nodes)
}

fn temp_dirs(n: usize) -> Result<Vec<TempDir>> {
    (0..n).map(|_| Ok(tempfile::tempdir()?)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entry_reaches_ten_nodes_in_a_sparse_graph() -> Result<()> {
    bounded("ten nodes", Duration::from_secs(60), async {
        let coalition = Coalition::new(10)?;
        let dirs = temp_dirs(10)?;
        // Sync only on connect: what arrives later arrives by gossip.
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(60))).await?;
        // A ring plus two chords: every node has 2 or 3 peers, the diameter is 4.
        let mut edges: Vec<(usize, usize)> = (0..10).map(|i| (i, (i + 1) % 10)).collect();
        edges.extend([(0, 5), (2, 7)]);
        for (a, b) in &edges {
            connect(&nodes[*a], &nodes[*b]).await?;
        }
        let all: Vec<&Node> = nodes.iter().collect();
        let mesh = wait_for_mesh(&all, 2, Duration::from_secs(10)).await?;
        report(format!("10 nodes, {} edges, meshes formed in {mesh:?}", edges.len()));

        let started = Instant::now();
        let id = nodes[0]
            .publish_practice(&coalition.cities[0], &practice(0, 1))
            .await?;
        let took = wait_for_entry(&all, id, Duration::from_secs(20)).await?;
        let mut via_gossip = 0;
        for node in &nodes[1..] {
            via_gossip += node.status().await?.entries_via_gossip;
        }
        report(format!(
            "one entry published at n0 stored by all 10 nodes in {took:?} ({:?} including the local append); {via_gossip} of 9 arrived by gossip",
            started.elapsed()
        ));
        ensure!(via_gossip == 9, "expected all 9 remote copies by gossip, got {via_gossip}");
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_node_catches_up_by_sync_with_only_what_it_missed() -> Result<()> {
    bounded("offline catch-up", Duration::from_secs(90), async {
        const CITIES: usize = 5;
        const PER_CITY: usize = 100;
        const MISSED: u64 = (CITIES * PER_CITY) as u64;
        let coalition = Coalition::new(CITIES + 1)?;
        let dirs = temp_dirs(CITIES + 1)?;
        let mut nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(2))).await?;
        // Publishers in a ring; the sixth node hangs off two of them.
        for i in 0..CITIES {
            connect(&nodes[i], &nodes[(i + 1) % CITIES]).await?;
        }
        connect(&nodes[CITIES], &nodes[0]).await?;
        connect(&nodes[CITIES], &nodes[2]).await?;

        let offline = nodes.pop().ok_or_else(|| anyhow!("no sixth node"))?;
        let offline_config = offline.config.clone();
        let offline_dir = offline.stop().await?;
        report("n5 stopped");

        let started = Instant::now();
        for n in 0..PER_CITY {
            for (city, node) in nodes.iter().enumerate() {
                node.publish_practice(&coalition.cities[city], &practice(city, n))
                    .await?;
            }
        }
        let published = started.elapsed();
        let online: Vec<&Node> = nodes.iter().collect();
        let spread = wait_for_count(&online, MISSED, Duration::from_secs(40)).await?;
        report(format!(
            "{MISSED} entries from {CITIES} cities published in {published:?}; all 5 online nodes held them {spread:?} later"
        ));

        let store = Arc::new(Store::open(&offline_dir)?);
        let mut config = offline_config;
        config.bootstrap = vec![nodes[0].addr.clone(), nodes[2].addr.clone()];
        let restarted = Node::start("n5", &offline_dir, store, config).await?;
        let caught_up = wait_for_count(&[&restarted], MISSED, Duration::from_secs(30)).await?;
        // The counters follow the store by one message from the store worker.
        wait_until("n5's counters to catch up with its store", Duration::from_secs(5), || async {
            let s = restarted.status().await?;
            let stored = s.entries_via_sync + s.entries_via_gossip + s.entries_via_held;
            Ok((stored == MISSED, format!("{stored} counted")))
        })
        .await?;
        let status = restarted.status().await?;
        report(format!(
            "restarted n5 caught up on {MISSED} entries in {caught_up:?}: {} by sync ({} received by sync in {} requests, {} sessions), {} by gossip, {} held",
            status.entries_via_sync,
            status.sync_entries_received,
            status.sync_requests,
            status.sync_rounds,
            status.entries_via_gossip,
            status.entries_via_held,
        ));
        ensure!(
            status.sync_entries_received <= MISSED + 10,
            "sync carried {} entries for {MISSED} missing",
            status.sync_entries_received
        );
        ensure!(
            status.entries_via_sync + status.entries_via_gossip + status.entries_via_held == MISSED,
            "entries stored do not add up"
        );
        restarted.stop().await?;
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}
