//! Multi-node tests: real swarms on loopback, each with its own store, every test under a bounded
//! timeout. Run with `--nocapture` to see the timings they print.

use anyhow::{anyhow, ensure, Result};
use coalition_net::{GossipMessage, NetConfig};
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
        // Ten city nodes and an observer (n10: an equality body's node, no city on the roster).
        let dirs = temp_dirs(11)?;
        // Sync only on connect: what arrives later arrives by gossip.
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(60))).await?;
        // A ring plus two chords: every node has 2 or 3 peers, the diameter is 4; the observer
        // hangs off two of them.
        let mut edges: Vec<(usize, usize)> = (0..10).map(|i| (i, (i + 1) % 10)).collect();
        edges.extend([(0, 5), (2, 7), (10, 5), (10, 9)]);
        for (a, b) in &edges {
            connect(&nodes[*a], &nodes[*b]).await?;
        }
        let all: Vec<&Node> = nodes.iter().collect();
        let mesh = wait_for_mesh(&all, 2, Duration::from_secs(10)).await?;
        report(format!("10 nodes and an observer, {} edges, meshes formed in {mesh:?}", edges.len()));

        let started = Instant::now();
        let id = nodes[0]
            .publish_practice(&coalition.cities[0], &practice(0, 1))
            .await?;
        let took = wait_for_entry(&all, id, Duration::from_secs(20)).await?;
        wait_for_counters(&all[1..], 1, Duration::from_secs(5)).await?;
        let mut via_gossip = 0;
        for node in &nodes[1..] {
            via_gossip += node.status().await?.counters.entries_via_gossip;
        }
        report(format!(
            "one entry published at n0 stored by all 10 nodes and the observer in {took:?} ({:?} including the local append); {via_gossip} of 10 arrived by gossip",
            started.elapsed()
        ));
        ensure!(via_gossip == 10, "expected all 10 remote copies by gossip, got {via_gossip}");

        // The observer has no city on the roster: what it tries to publish is refused, nothing
        // is stored, and no other node hears of it.
        let observer = &nodes[10];
        let before = observer.store.entry_count();
        let refused = observer
            .publish_practice(&coalition_record::SecretKey::generate(), &practice(10, 1))
            .await;
        ensure!(refused.is_err(), "the observer's publish must be refused");
        ensure!(
            format!("{:#}", refused.err().ok_or_else(|| anyhow!("no error"))?).contains("not a member city"),
            "the refusal names the rule"
        );
        ensure!(observer.store.entry_count() == before, "nothing stored");
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
        wait_for_counters(&[&restarted], MISSED, Duration::from_secs(5)).await?;
        let status = restarted.status().await?;
        report(format!(
            "restarted n5 caught up on {MISSED} entries in {caught_up:?}: {} by sync ({} received by sync in {} requests, {} sessions), {} by gossip, {} held",
            status.counters.entries_via_sync,
            status.counters.sync_entries_received,
            status.counters.sync_requests,
            status.counters.sync_rounds,
            status.counters.entries_via_gossip,
            status.counters.entries_via_held,
        ));
        ensure!(
            status.counters.sync_entries_received <= MISSED + 10,
            "sync carried {} entries for {MISSED} missing",
            status.counters.sync_entries_received
        );
        ensure!(
            status.counters.entries_via_sync + status.counters.entries_via_gossip + status.counters.entries_via_held == MISSED,
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

/// The frontier of every node, for comparison.
fn frontiers(nodes: &[&Node]) -> Vec<std::collections::BTreeMap<String, u64>> {
    nodes
        .iter()
        .map(|n| {
            n.store
                .frontier()
                .into_iter()
                .map(|(author, (seq, id))| (format!("{}:{}", author.short(), id.short()), seq))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitioned_halves_converge_after_they_connect() -> Result<()> {
    bounded("partition", Duration::from_secs(60), async {
        const PER_CITY: usize = 10;
        let coalition = Coalition::new(6)?;
        let dirs = temp_dirs(6)?;
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(1))).await?;
        for half in [[0, 1, 2], [3, 4, 5]] {
            connect(&nodes[half[0]], &nodes[half[1]]).await?;
            connect(&nodes[half[1]], &nodes[half[2]]).await?;
            connect(&nodes[half[2]], &nodes[half[0]]).await?;
        }
        for n in 0..PER_CITY {
            for (city, node) in nodes.iter().enumerate() {
                node.publish_practice(&coalition.cities[city], &practice(city, n))
                    .await?;
            }
        }
        let half_a: Vec<&Node> = nodes[..3].iter().collect();
        let half_b: Vec<&Node> = nodes[3..].iter().collect();
        let each_half = (3 * PER_CITY) as u64;
        wait_for_count(&half_a, each_half, Duration::from_secs(20)).await?;
        wait_for_count(&half_b, each_half, Duration::from_secs(20)).await?;
        let all: Vec<&Node> = nodes.iter().collect();
        ensure!(
            frontiers(&half_a)[0] != frontiers(&half_b)[0],
            "the halves should differ before they connect"
        );
        report(format!("two halves of 3 nodes each hold {each_half} entries of their own 3 cities"));

        let joined = Instant::now();
        connect(&nodes[0], &nodes[3]).await?;
        let took = wait_until("identical frontiers on all 6 nodes", Duration::from_secs(30), || async {
            let f = frontiers(&all);
            let same = f.iter().all(|x| *x == f[0]) && f[0].values().sum::<u64>() == 2 * each_half;
            let counts: Vec<u64> = all.iter().map(|n| n.store.entry_count()).collect();
            Ok((same, format!("entry counts {counts:?}")))
        })
        .await?;
        report(format!(
            "after one link between the halves, all 6 frontiers identical ({} entries) in {took:?} ({:?} since the dial)",
            2 * each_half,
            joined.elapsed()
        ));
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_unknown_author_gossip_is_rejected_and_not_forwarded() -> Result<()> {
    bounded("rogue gossip", Duration::from_secs(60), async {
        let coalition = Coalition::new(2)?;
        let dirs = temp_dirs(2)?;
        // B and C in a line, no periodic sync: what C gets, it gets by gossip through B.
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(60))).await?;
        let (b, c) = (&nodes[0], &nodes[1]);
        connect(b, c).await?;
        let mut rogue = RawPeer::spawn(coalition.network_id())?;
        rogue.connect(&b.addr).await?;
        wait_for_mesh(&[b], 2, Duration::from_secs(10)).await?;
        wait_for_mesh(&[c], 1, Duration::from_secs(10)).await?;

        // A valid entry through the rogue reaches C: B does forward what it accepts.
        let valid = coalition.sign_entry(0, 1, None, &practice(0, 1))?;
        let valid_id = coalition_record::Hash32::of(&valid.entry);
        rogue.publish(GossipMessage::Entry(valid).to_bytes()).await?;
        wait_for_entry(&[b, c], valid_id, Duration::from_secs(10)).await?;

        // A forged signature: a city's entry with one signature bit flipped.
        let mut forged = coalition.sign_entry(1, 1, None, &practice(1, 1))?;
        if let Some(last) = forged.entry.last_mut() {
            *last ^= 1;
        }
        let forged_id = coalition_record::Hash32::of(&forged.entry);
        // A well-signed entry by a key that is not on the roster.
        let stranger = coalition_record::SecretKey::from_seed([77; 32]);
        let (entry, blob) = coalition_record::SignedEntry::create(
            &stranger,
            coalition.network_id(),
            1,
            None,
            CREATED_MS,
            &practice(0, 2),
        );
        let unknown = coalition_record::WireEntry::new(&entry, Some(blob));
        let unknown_id = entry.id();
        rogue.publish(GossipMessage::Entry(forged).to_bytes()).await?;
        rogue.publish(GossipMessage::Entry(unknown).to_bytes()).await?;

        let judged = wait_until("B to judge both rogue messages", Duration::from_secs(10), || async {
            let s = b.status().await?;
            Ok((
                s.counters.gossip_received >= 3
                    && s.counters.gossip_rejected >= 1
                    && s.counters.gossip_ignored >= 1
                    && s.held_entries == 0,
                format!(
                    "received {} accepted {} rejected {} ignored {} held {}",
                    s.counters.gossip_received, s.counters.gossip_accepted, s.counters.gossip_rejected, s.counters.gossip_ignored, s.held_entries
                ),
            ))
        })
        .await?;
        // Give any (wrong) forwarding time to show.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let sb = b.status().await?;
        let sc = c.status().await?;
        report(format!(
            "B judged the rogue's messages in {judged:?}: received {}, accepted {}, rejected {}, ignored {}; C received {} gossip message(s)",
            sb.counters.gossip_received, sb.counters.gossip_accepted, sb.counters.gossip_rejected, sb.counters.gossip_ignored, sc.counters.gossip_received
        ));
        for (name, id) in [("forged", forged_id), ("unknown author", unknown_id)] {
            ensure!(!b.store.contains(&id)?, "B stored the {name} entry");
            ensure!(!c.store.contains(&id)?, "C stored the {name} entry");
        }
        ensure!(sb.counters.gossip_rejected == 1, "the forged entry should be rejected (score penalty)");
        ensure!(sb.counters.gossip_accepted == 1, "only the valid entry should be accepted");
        ensure!(
            sc.counters.gossip_received == 1,
            "C saw {} gossip messages; only the valid one should have been forwarded",
            sc.counters.gossip_received
        );
        ensure!(c.store.entry_count() == 1, "C holds exactly the valid entry");
        rogue.stop();
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entry_arriving_before_its_predecessor_is_stored_after_sync() -> Result<()> {
    bounded("gap", Duration::from_secs(60), async {
        let coalition = Coalition::new(1)?;
        let dirs = temp_dirs(2)?;
        // No periodic sync: only the gap may trigger one.
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(60))).await?;
        let (b, c) = (&nodes[0], &nodes[1]);
        connect(b, c).await?;
        let mut rogue = RawPeer::spawn(coalition.network_id())?;
        rogue.connect(&b.addr).await?;

        // C holds entry 1 (not gossiped); entry 2 reaches B by gossip from a peer that cannot sync.
        let first = coalition.sign_entry(0, 1, None, &practice(0, 1))?;
        let first_id = coalition_record::Hash32::of(&first.entry);
        let second = coalition.sign_entry(0, 2, Some(first_id), &practice(0, 2))?;
        let second_id = coalition_record::Hash32::of(&second.entry);
        let outcome = c.store.ingest(vec![first])?;
        ensure!(outcome.iter().all(|o| o.is_stored()), "C stores entry 1: {outcome:?}");

        let sent = Instant::now();
        rogue.publish(GossipMessage::Entry(second).to_bytes()).await?;
        let took = wait_for_entry(&[b], second_id, Duration::from_secs(15)).await?;
        wait_for_counters(&[b], 2, Duration::from_secs(5)).await?;
        ensure!(b.store.contains(&first_id)?, "B holds entry 1 too");
        let s = b.status().await?;
        report(format!(
            "entry 2 arrived before entry 1; B stored both {took:?} after the gossip ({:?}): gaps seen {}, stored after holding {}, by sync {}",
            sent.elapsed(),
            s.counters.gaps_seen,
            s.counters.entries_via_held,
            s.counters.entries_via_sync
        ));
        ensure!(s.counters.gaps_seen >= 1, "B should have seen the gap");
        rogue.stop();
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_at_the_size_cap_are_delivered_by_gossip() -> Result<()> {
    bounded("size cap", Duration::from_secs(60), async {
        const BIG: usize = 3;
        let coalition = Coalition::new(1)?;
        let dirs = temp_dirs(3)?;
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(60))).await?;
        connect(&nodes[0], &nodes[1]).await?;
        connect(&nodes[1], &nodes[2]).await?;
        let all: Vec<&Node> = nodes.iter().collect();
        wait_for_mesh(&all, 1, Duration::from_secs(10)).await?;

        let payload_size = coalition_record::limits::MAX_PAYLOAD_BYTES;
        let started = Instant::now();
        for n in 0..BIG {
            // Distinct payloads of exactly the cap, back to back, so they queue behind each other.
            let payload = big_practice(0, n, payload_size)?;
            ensure!(payload.to_bytes().len() == payload_size, "payload at the cap");
            nodes[0].publish_practice(&coalition.cities[0], &payload).await?;
        }
        let took = wait_for_count(&all, BIG as u64, Duration::from_secs(20)).await?;
        wait_for_counters(&all[1..], BIG as u64, Duration::from_secs(5)).await?;
        let mut via_gossip = Vec::new();
        for node in &nodes[1..] {
            via_gossip.push(node.status().await?.counters.entries_via_gossip);
        }
        report(format!(
            "{BIG} entries with {payload_size}-byte payloads (the cap) crossed a 3-node line in {took:?} ({:?} including signing and storing); by gossip at n1, n2: {via_gossip:?}",
            started.elapsed()
        ));
        ensure!(via_gossip.iter().all(|n| *n == BIG as u64), "all should come by gossip");

        // One byte over: refused before it reaches the swarm.
        let too_big = coalition_record::WireEntry {
            entry: vec![0; 200],
            payload: Some(coalition_record::PayloadBlob {
                salt: [0; 16],
                bytes: vec![0; coalition_net::MAX_GOSSIP_MESSAGE_BYTES],
            }),
        };
        ensure!(
            nodes[0].handle.publish(too_big).await.is_err(),
            "a message over the gossip limit must be refused"
        );
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kademlia_finds_peers_beyond_the_bootstrap_list_over_quic_and_tcp() -> Result<()> {
    bounded("kademlia", Duration::from_secs(60), async {
        let coalition = Coalition::new(3)?;
        let dirs = temp_dirs(3)?;
        let config = |_| -> Result<NetConfig> {
            let mut config = test_config(Duration::from_secs(2))?;
            config.kademlia = true;
            config.target_peers = 8;
            config.listen.push("/ip4/127.0.0.1/udp/0/quic-v1".parse()?);
            Ok(config)
        };
        let nodes = start_nodes(&coalition, &dirs, config).await?;
        let hub = &nodes[0];
        let quic = hub
            .status()
            .await?
            .listen_addrs
            .into_iter()
            .find(|a| a.to_string().contains("quic-v1"))
            .ok_or_else(|| anyhow!("the hub does not listen on QUIC"))?
            .with(libp2p::multiaddr::Protocol::P2p(hub.peer_id()));
        // n1 reaches the hub over QUIC, n2 over TCP; neither knows the other.
        nodes[1].handle.dial(quic).await?;
        connect(&nodes[2], hub).await?;
        let (a, b) = (&nodes[1], &nodes[2]);
        let took = wait_until(
            "n1 and n2 to find each other through the hub's DHT",
            Duration::from_secs(30),
            || async {
                let s = a.status().await?;
                Ok((
                    s.connected_peers.contains(&b.peer_id()),
                    format!("n1 connected to {} peers", s.connected_peers.len()),
                ))
            },
        )
        .await?;
        report(format!(
            "Kademlia: n1 (QUIC to the hub) found n2 (TCP to the hub) in {took:?}"
        ));
        let id = a
            .publish_practice(&coalition.cities[1], &practice(1, 1))
            .await?;
        let all: Vec<&Node> = nodes.iter().collect();
        wait_for_entry(&all, id, Duration::from_secs(10)).await?;
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

/// `cities` × `per_city` practices of about 8 KB, signed in chain order, for stores to ingest.
fn large_logs(
    coalition: &Coalition,
    cities: usize,
    per_city: usize,
) -> Result<Vec<coalition_record::WireEntry>> {
    let mut out = Vec::new();
    for city in 0..cities {
        let mut prev = None;
        for n in 0..per_city {
            let mut payload = practice(city, n);
            if let coalition_record::Payload::Practice(p) = &mut payload {
                p.body = [(
                    "en".to_string(),
                    "A paired-testing visit, written up. ".repeat(220),
                )]
                .into_iter()
                .collect();
            }
            let wire = coalition.sign_entry(city, n as u64 + 1, prev, &payload)?;
            prev = Some(coalition_record::Hash32::of(&wire.entry));
            out.push(wire);
        }
    }
    Ok(out)
}

/// A node joins three peers that hold the same logs (several sync batches' worth). With all
/// three on `/coalition/sync/2` it fetches a third of the cities from each at once; with one of
/// them from before version 2, that one is never given a range, and nothing is fetched twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joining_node_fetches_from_three_peers_at_once_and_an_old_peer_never_gets_a_range(
) -> Result<()> {
    bounded("catch-up from three peers", Duration::from_secs(120), async {
        const CITIES: usize = 24;
        const PER_CITY: usize = 10;
        const TOTAL: u64 = (CITIES * PER_CITY) as u64;
        let coalition = Coalition::new(CITIES)?;
        let logs = large_logs(&coalition, CITIES, PER_CITY)?;
        for old_peer in [None, Some(0usize), Some(1), Some(2)] {
            let dirs = temp_dirs(4)?;
            let mut peers = Vec::new();
            for (i, dir) in dirs.iter().take(3).enumerate() {
                let store = coalition.create_store(dir.path())?;
                store.ingest(logs.clone())?;
                let mut config = test_config(Duration::from_secs(60))?;
                // Small batches: the logs (about 2 MB) take several.
                config.max_sync_response = coalition_record::limits::MAX_WIRE_ENTRY_BYTES + 64 * 1024;
                config.sync_v2 = old_peer != Some(i);
                peers.push(Node::start(&format!("p{i}"), dir.path(), store, config).await?);
            }
            let mut config = test_config(Duration::from_secs(60))?;
            config.bootstrap = peers.iter().map(|p| p.addr.clone()).collect();
            let store = coalition.create_store(dirs[3].path())?;
            let joiner = Node::start("joiner", dirs[3].path(), store, config).await?;
            let took = wait_for_count(&[&joiner], TOTAL, Duration::from_secs(60)).await?;
            let status = joiner.status().await?;
            let mut sent = Vec::new();
            for peer in &peers {
                sent.push(peer.status().await?.counters.sync_response_bytes_sent);
            }
            let all: u64 = sent.iter().sum();
            report(format!(
                "old peer {old_peer:?}: joiner held {TOTAL} entries after {took:?}; {} entries received by sync in {} requests; bytes served per peer {sent:?}",
                status.counters.sync_entries_received, status.counters.sync_requests
            ));
            ensure!(
                status.counters.sync_entries_received <= TOTAL + TOTAL / 5,
                "{} entries received for {TOTAL}: fetched twice",
                status.counters.sync_entries_received
            );
            if old_peer.is_none() {
                for (i, bytes) in sent.iter().enumerate() {
                    ensure!(
                        *bytes * 8 >= all,
                        "peer {i} served {bytes} of {all} bytes: the catch-up was not split"
                    );
                }
            }
            joiner.stop().await?;
            for peer in peers {
                peer.stop().await?;
            }
        }
        Ok(())
    })
    .await
}
