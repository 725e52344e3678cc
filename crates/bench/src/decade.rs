//! Scenario `decade` (issue #19): ten years of a coalition replayed into a store (per city and
//! year a few practices, activity updates and two half-year reports), then a city joining at the
//! end catches up over real coalition_net nodes on loopback TCP, from one peer and from three
//! peers at once. Judged against the joining node's own local ingest and index build of the
//! same entries; then both joins again with each serving peer's uplink capped (in a network
//! namespace of the run's own), where three peers must beat one.

use crate::data;
use crate::ingest::ingest_all;
use crate::netns::PrivateLoopback;
use crate::report::{Row, Target};
use crate::scale::copy_dir;
use crate::Sizes;
use anyhow::{Context, Result};
use coalition_record::{
    ActivityReport, CommitmentReport, EntryId, Indicator, LangText, Payload, ReportStatus,
    WireEntry,
};
use coalition_search::{SearchIndex, SearchQuery};
use coalition_tests::{city_name, test_config, wait_until, Coalition, Node};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Years replayed.
pub const YEARS: u32 = 10;

/// A half-year report of `city` for `period` (`YYYY-H1`/`YYYY-H2`) of roughly `target` bytes:
/// a narrative and two to four commitments with a status, a narrative and an indicator each.
fn report(rng: &mut StdRng, city: usize, period: String, target: usize) -> Payload {
    let words = |rng: &mut StdRng, n: usize| -> String {
        (0..n)
            .map(|_| data::WORDS[rng.random_range(0..data::WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let text = |s: String| -> LangText { [("en".to_string(), s)].into_iter().collect() };
    let mut commitments: Vec<u8> = (0..rng.random_range(2..=4))
        .map(|_| rng.random_range(1..=10u8))
        .collect();
    commitments.sort();
    commitments.dedup();
    let per = target / (commitments.len() + 1) / 8;
    let commitments = commitments
        .into_iter()
        .map(|c| CommitmentReport {
            commitment: c,
            status: match rng.random_range(0..4) {
                0 => ReportStatus::Planned,
                1 => ReportStatus::Done,
                _ => ReportStatus::InProgress,
            },
            narrative: text(words(rng, per.max(5))),
            indicators: vec![Indicator {
                name: "participants".into(),
                value: f64::from(rng.random_range(10..2000u32)),
                unit: "people".into(),
            }],
        })
        .collect();
    Payload::ActivityReport(ActivityReport {
        cycle: None,
        city: city_name(city),
        country: data::COUNTRIES[city % data::COUNTRIES.len()].into(),
        period,
        narrative: text(words(rng, per.max(5))),
        commitments,
        illustrative: true,
        grounds: Vec::new(),
    })
}

/// Ten years of `cities` cities, each city's entries in chain order: per year 1-3 practices of
/// 1-4 KiB, 2-4 activity updates of 300-1,500 B and two half-year reports of 1-3 KiB (the demo
/// data's sizes). Entries carry the fixture's creation time; the years are in their periods.
pub fn generate(coalition: &Coalition, cities: usize, seed: u64) -> Result<Vec<WireEntry>> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut chains: Vec<(u64, Option<EntryId>)> = vec![(0, None); cities];
    let mut out = Vec::new();
    for year in 0..YEARS {
        let y = 2016 + year;
        for (city, chain) in chains.iter_mut().enumerate() {
            let mut payloads = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                let size = rng.random_range(1024..=4096);
                payloads.push(data::practice(&mut rng, city, size));
            }
            for _ in 0..rng.random_range(2..=4) {
                let size = rng.random_range(300..=1500);
                payloads.push(data::update_of_size(&mut rng, size));
            }
            for half in ["H1", "H2"] {
                let size = rng.random_range(1024..=3072);
                payloads.push(report(&mut rng, city, format!("{y}-{half}"), size));
            }
            for payload in payloads {
                payload
                    .validate()
                    .with_context(|| format!("generated payload of city {city}"))?;
                let wire = coalition.sign_entry(city, chain.0 + 1, chain.1, &payload)?;
                chain.0 += 1;
                chain.1 = Some(coalition_record::Hash32::of(&wire.entry));
                out.push(wire);
            }
        }
    }
    Ok(out)
}

/// Builds the search index of `store` and answers one query: seconds, documents, hits.
fn index_and_search(store: &coalition_store::Store) -> Result<(f64, u64, usize)> {
    let started = Instant::now();
    let index = SearchIndex::in_memory()?;
    let docs = index.rebuild(store, |_, _| {})?;
    let results = index.search(&SearchQuery {
        text: Some("housing discrimination".into()),
        ..SearchQuery::default()
    })?;
    Ok((started.elapsed().as_secs_f64(), docs, results.total))
}

struct Join {
    sync_secs: f64,
    index_secs: f64,
    bytes: u64,
    requests: u64,
    hits: usize,
    peers_asked: usize,
}

impl Join {
    /// The note of a join's sync row: requests, bytes, and how many peers served.
    fn traffic(&self) -> String {
        format!(
            "{} requests, {:.1} MiB of sync frames; {} of the peers served requests",
            self.requests,
            self.bytes as f64 / 1048576.0,
            self.peers_asked
        )
    }
}

/// A fresh node dials `peers` at once and catches up; then its index is built and searched.
async fn join(coalition: &Coalition, dir: &Path, peers: &[&Node], total: u64) -> Result<Join> {
    let store = coalition.create_store(dir)?;
    let fresh = Node::start(
        "joining",
        dir,
        store,
        test_config(Duration::from_secs(600))?,
    )
    .await?;
    let started = Instant::now();
    for peer in peers {
        fresh.handle.dial(peer.addr.clone()).await?;
    }
    wait_until(
        "the joining city caught up",
        Duration::from_secs(600),
        || async {
            let have = fresh.store.entry_count();
            Ok((have >= total, format!("{have} of {total}")))
        },
    )
    .await?;
    let sync_secs = started.elapsed().as_secs_f64();
    let status = fresh.status().await?;
    let mut peers_asked = 0;
    for peer in peers {
        let s = peer.status().await?;
        if s.counters.sync_served > 0 {
            peers_asked += 1;
        }
    }
    let store = fresh.store.clone();
    let (index_secs, _, hits) =
        tokio::task::spawn_blocking(move || index_and_search(&store)).await??;
    fresh.stop().await?;
    Ok(Join {
        sync_secs,
        index_secs,
        bytes: status.counters.sync_request_bytes_sent
            + status.counters.sync_response_bytes_received,
        requests: status.counters.sync_requests,
        hits,
        peers_asked,
    })
}

/// Starts a node on each of `dirs` (closed stores holding the ten years).
async fn start_peers(dirs: &[std::path::PathBuf]) -> Result<Vec<Node>> {
    let mut peers = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        let store = Arc::new(coalition_store::Store::open(dir)?);
        peers.push(
            Node::start(
                &format!("peer{i}"),
                dir,
                store,
                test_config(Duration::from_secs(600))?,
            )
            .await?,
        );
    }
    Ok(peers)
}

fn refs(peers: &[Node]) -> Vec<&Node> {
    peers.iter().collect()
}

async fn stop_all(peers: Vec<Node>) -> Result<()> {
    for peer in peers {
        peer.stop().await?;
    }
    Ok(())
}

/// The TCP port of a `/ip4/.../tcp/<port>/p2p/...` listen address.
fn tcp_port(node: &Node) -> Result<u16> {
    let text = node.addr.to_string();
    let mut parts = text.split('/');
    while let Some(part) = parts.next() {
        if part == "tcp" {
            let port = parts.next().unwrap_or_default();
            return port
                .parse()
                .with_context(|| format!("port {port:?} of {text}"));
        }
    }
    anyhow::bail!("no TCP port in {text}")
}

/// Both joins again in a network namespace of this thread's own, where what each serving peer
/// sends is capped at `mbit` Mbit/s, as over a city's uplink: there the peers bound a join, not
/// the joining node's CPU. Runs on a thread of its own, which the namespace ends with.
/// `Ok(Err(why))`: no namespace could be made here (not root, no iproute2), so the joins did
/// not run.
fn capped_joins(
    coalition: &Coalition,
    root: &Path,
    peer_dirs: &[std::path::PathBuf],
    total: u64,
    mbit: u32,
) -> Result<std::result::Result<(Join, Join), String>> {
    anyhow::ensure!(mbit > 0, "--decade-uplink-mbit must be at least 1");
    let mut lo = match PrivateLoopback::enter() {
        Ok(lo) => lo,
        Err(why) => return Ok(Err(format!("{why:#}"))),
    };
    // Built after the move: its threads start in the namespace.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut joins = Vec::new();
        for (count, dir) in [(1, "join1-capped"), (3, "join3-capped")] {
            let peers = start_peers(&peer_dirs[..count]).await?;
            lo.clear_caps()?;
            for peer in &peers {
                lo.cap_source_port(tcp_port(peer)?, mbit)?;
            }
            joins.push(join(coalition, &root.join(dir), &refs(&peers), total).await?);
            stop_all(peers).await?;
        }
        let three = joins.pop().context("three-peer join")?;
        let one = joins.pop().context("one-peer join")?;
        anyhow::Ok(Ok((one, three)))
    })
}

/// Scenario `decade`: replays ten years of `sizes.decade_cities` cities, then times a joining
/// node's sync from one and from three peers, and its first search, against local ingest and
/// index build of the same entries.
pub fn run(sizes: &Sizes) -> Result<Vec<Row>> {
    let cities = sizes.decade_cities;
    let coalition = Coalition::new(cities)?;
    let started = Instant::now();
    let entries = generate(&coalition, cities, 10)?;
    let gen_secs = started.elapsed().as_secs_f64();
    let n = entries.len();
    let total = n as u64;
    let wire = data::wire_bytes(&entries);
    let root = tempfile::tempdir()?;
    let full_dir = root.path().join("full");
    // Baseline: the joining node's own local ingest of the same entries, then its index.
    let (ingest_secs, index_secs, docs, hits) = {
        let store = coalition.create_store(&full_dir)?;
        let ingest_secs = ingest_all(&store, entries, sizes.batch)?;
        let (index_secs, docs, hits) = index_and_search(&store)?;
        (ingest_secs, index_secs, docs, hits)
    };
    let local = ingest_secs + index_secs;
    let peer_dirs: Vec<_> = (0..3)
        .map(|i| root.path().join(format!("peer{i}")))
        .collect();
    for dir in &peer_dirs {
        copy_dir(&full_dir, dir)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (one, three) = rt.block_on(async {
        let peers = start_peers(&peer_dirs[..1]).await?;
        let one = join(&coalition, &root.path().join("join1"), &refs(&peers), total).await?;
        stop_all(peers).await?;
        let peers = start_peers(&peer_dirs).await?;
        let three = join(&coalition, &root.path().join("join3"), &refs(&peers), total).await?;
        stop_all(peers).await?;
        anyhow::Ok((one, three))
    })?;
    drop(rt);
    let mbit = sizes.decade_uplink_mbit;
    let capped = std::thread::scope(|s| {
        s.spawn(|| capped_joins(&coalition, root.path(), &peer_dirs, total, mbit))
            .join()
            .map_err(|_| anyhow::anyhow!("the capped joins' thread panicked"))
    })??;
    let note = format!(
        "{cities} cities x {YEARS} years: {n} entries, {:.1} MiB encoded (generated and signed in {gen_secs:.1} s)",
        wire as f64 / 1048576.0
    );
    let mut rows = vec![
        Row::new("decade", "local ingest of the ten years", "s", ingest_secs).note(note),
        Row::new(
            "decade",
            "local index build + first search",
            "s",
            index_secs,
        )
        .note(format!("{docs} documents; the query found {hits}")),
    ];
    for (label, j) in [("1 peer", &one), ("3 peers", &three)] {
        rows.push(
            Row::new(
                "decade",
                &format!("join from {label}: sync until all held"),
                "s",
                j.sync_secs,
            )
            .baseline("local ingest", ingest_secs)
            .note(j.traffic()),
        );
        rows.push(
            Row::new(
                "decade",
                &format!("join from {label}: until search answers"),
                "s",
                j.sync_secs + j.index_secs,
            )
            .baseline("local ingest + index build", local)
            .target(Target::RatioAtMost(1.5))
            .note(format!(
                "sync, then an index build ({:.1} s) and a search that found {} (locally {hits})",
                j.index_secs, j.hits
            )),
        );
        rows.push(
            Row::new(
                "decade",
                &format!("join from {label}: sync bytes"),
                "MiB",
                j.bytes as f64 / 1048576.0,
            )
            .baseline("encoded entries", wire as f64 / 1048576.0)
            .target(Target::RatioAtMost(1.10)),
        );
    }
    rows.push(
        Row::new(
            "decade",
            "3 peers / 1 peer sync time",
            "ratio",
            three.sync_secs / one.sync_secs,
        )
        .note("uncapped loopback on one host: the joining node's own checks and writes bound both joins, its peers share its cores; judged below over capped uplinks"),
    );
    match capped {
        Ok((one_capped, three_capped)) => {
            let line_secs =
                |j: &Join, peers: f64| j.bytes as f64 * 8.0 / (peers * f64::from(mbit) * 1e6);
            for (label, j, peers) in [
                ("1 peer", &one_capped, 1.0),
                ("3 peers", &three_capped, 3.0),
            ] {
                rows.push(
                    Row::new(
                        "decade",
                        &format!(
                            "join from {label}, each uplink {mbit} Mbit/s: sync until all held"
                        ),
                        "s",
                        j.sync_secs,
                    )
                    .baseline(
                        &format!("its sync bytes at {peers} x {mbit} Mbit/s"),
                        line_secs(j, peers),
                    )
                    .note(j.traffic()),
                );
            }
            rows.push(
                Row::new(
                    "decade",
                    &format!("3 peers / 1 peer sync time, each uplink {mbit} Mbit/s"),
                    "ratio",
                    three_capped.sync_secs / one_capped.sync_secs,
                )
                .target(Target::ValueAtMost(0.5))
                .note("each serving peer's replies capped (tc htb in a network namespace of the run's own): with three uplinks at least twice as fast as with one"),
            );
        }
        Err(e) => {
            eprintln!("decade: the joins over capped uplinks did not run: {e}");
            rows.push(
                Row::new("decade", "joins over capped uplinks: not run", "-", 0.0).note(format!(
                    "{e}; they need root (a network namespace of their own) and iproute2"
                )),
            );
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_makes_valid_chains_of_every_kind() -> Result<()> {
        let coalition = Coalition::new(3)?;
        let entries = generate(&coalition, 3, 1)?;
        // Per city and year 1-3 practices, 2-4 updates, 2 reports.
        assert!(entries.len() >= 3 * 10 * 5 && entries.len() <= 3 * 10 * 9);
        let dir = tempfile::tempdir()?;
        let store = coalition.create_store(dir.path())?;
        ingest_all(&store, entries, 64)?;
        Ok(())
    }
}
