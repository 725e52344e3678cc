//! Scenario `decade` (issue #19): ten years of a coalition replayed into a store (per city and
//! year a few practices, activity updates and two half-year reports), then a city joining at the
//! end catches up over real coalition_net nodes on loopback TCP, from one peer and from three
//! peers at once. Judged against the joining node's own local ingest and index build of the
//! same entries.

use crate::data;
use crate::ingest::ingest_all;
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
        let mut peers = Vec::new();
        for (i, dir) in peer_dirs.iter().enumerate() {
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
        let one = join(&coalition, &root.path().join("join1"), &[&peers[0]], total).await?;
        // Fresh counters for the three-peer run: restart the peers.
        let mut restarted = Vec::new();
        for (i, peer) in peers.into_iter().enumerate() {
            let dir = peer.stop().await?;
            let store = Arc::new(coalition_store::Store::open(&dir)?);
            restarted.push(
                Node::start(
                    &format!("peer{i}"),
                    &dir,
                    store,
                    test_config(Duration::from_secs(600))?,
                )
                .await?,
            );
        }
        let refs: Vec<&Node> = restarted.iter().collect();
        let three = join(&coalition, &root.path().join("join3"), &refs, total).await?;
        for peer in restarted {
            peer.stop().await?;
        }
        anyhow::Ok((one, three))
    })?;
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
            .note(format!(
                "{} requests, {:.1} MiB of sync frames; {} of the peers served requests",
                j.requests,
                j.bytes as f64 / 1048576.0,
                j.peers_asked
            )),
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
        .target(Target::ValueAtMost(0.99))
        .note("below 1: fetching from three peers at once is faster"),
    );
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
