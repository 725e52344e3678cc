//! The Coalition benchmark harness: each scenario measures a figure and, in the same run, the
//! baseline it is judged against. See docs/PERFORMANCE.md.

#![warn(missing_docs, unreachable_pub)]

pub mod data;
pub mod decade;
pub mod footprint;
pub mod ingest;
pub mod net;
pub mod netns;
pub mod quality;
pub mod query;
pub mod report;
pub mod scale;
pub mod storage;

use anyhow::Result;
use report::Row;
use serde::Serialize;
use std::time::Instant;

/// The allocator the node binary uses (node/src/main.rs says why), so that figures are the
/// node's: declared here, it is the allocator of every binary of this crate (the harness, its
/// examples and tests).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every scenario's name, in the order a full run takes them (`--scenario` picks some).
pub const SCENARIOS: [&str; 9] = [
    "ingest",
    "storage",
    "catchup",
    "propagation",
    "query",
    "search-quality",
    "footprint",
    "scale",
    "decade",
];

/// Workload sizes; `smoke()` is tiny and runs in seconds.
#[derive(Debug, Clone, Serialize)]
pub struct Sizes {
    /// Payload size of the ingest and catch-up entries (`--payload-bytes`); `None`: practices
    /// of 1–4 KiB.
    pub payload_bytes: Option<usize>,
    /// Entries of the `ingest` scenario (`--ingest-n`).
    pub ingest: usize,
    /// Entries per store ingest call, in every scenario that fills a store.
    pub batch: usize,
    /// Entries of the `storage` scenario (`--storage-n`).
    pub storage: usize,
    /// Entries a fresh node fetches by sync in `catchup` (`--catchup-n`).
    pub catchup: usize,
    /// Nodes of the `propagation` scenario, at least 2 (`--nodes`).
    pub prop_nodes: usize,
    /// Entries published in `propagation` (`--messages`).
    pub prop_messages: usize,
    /// Entries published per second in `propagation`.
    pub prop_rate: f64,
    /// Entries indexed by the `query` scenario (`--query-n`).
    pub query: usize,
    /// How many times `query` runs each query set.
    pub query_repeats: usize,
    /// Entries in the store the `footprint` scenario opens (`--footprint-n`).
    pub footprint: usize,
    /// Connected nodes whose idle CPU `footprint` measures, at least 2.
    pub idle_nodes: usize,
    /// Seconds over which that idle CPU is measured.
    pub idle_secs: f64,
    /// Network sizes of the `scale` scenario (issue #19).
    pub scale_nodes: Vec<usize>,
    /// Entries published per size (at least one per city).
    pub scale_messages: usize,
    /// Stores per second across the whole process the publish rate is set for (rate =
    /// this / (N - 1), at most 50 entries a second).
    pub scale_deliveries: f64,
    /// Bootstrap peers each joining node dials.
    pub scale_dials: usize,
    /// Seconds over which the scale scenario measures idle CPU, per network size.
    pub scale_idle_secs: f64,
    /// Gossipsub parameters of the scale scenario's nodes: a name of `scale::PRESETS`.
    pub gossip_preset: String,
    /// Cities of the ten-year scenario `decade`.
    pub decade_cities: usize,
    /// Uplink of each serving peer, in Mbit/s, in the decade scenario's joins over capped links
    /// (`--decade-uplink-mbit`).
    pub decade_uplink_mbit: u32,
}

impl Sizes {
    /// The sizes behind the figures in docs/PERFORMANCE.md (the default without `--smoke`).
    pub fn full() -> Sizes {
        Sizes {
            payload_bytes: None,
            ingest: 50_000,
            batch: 128,
            storage: 200_000,
            catchup: 100_000,
            prop_nodes: 30,
            prop_messages: 1_000,
            prop_rate: 50.0,
            query: 100_000,
            query_repeats: 20,
            footprint: 100_000,
            idle_nodes: 10,
            idle_secs: 5.0,
            scale_nodes: vec![30, 100, 300, 500],
            scale_messages: 100,
            scale_deliveries: 500.0,
            scale_dials: 3,
            scale_idle_secs: 5.0,
            gossip_preset: "default".into(),
            decade_cities: 500,
            decade_uplink_mbit: 100,
        }
    }

    /// Tiny sizes (`--smoke`): the whole harness runs in seconds, so CI keeps it from rotting.
    pub fn smoke() -> Sizes {
        Sizes {
            payload_bytes: None,
            ingest: 500,
            batch: 128,
            storage: 2_000,
            catchup: 1_000,
            prop_nodes: 4,
            prop_messages: 10,
            prop_rate: 50.0,
            query: 1_000,
            query_repeats: 3,
            footprint: 1_000,
            idle_nodes: 4,
            idle_secs: 1.0,
            scale_nodes: vec![6, 10],
            scale_messages: 10,
            scale_deliveries: 500.0,
            scale_dials: 3,
            scale_idle_secs: 1.0,
            gossip_preset: "default".into(),
            decade_cities: 5,
            decade_uplink_mbit: 100,
        }
    }
}

/// One scenario's run, as the JSON report records it.
#[derive(Debug, Serialize)]
pub struct ScenarioRun {
    /// A name of [`SCENARIOS`].
    pub name: String,
    /// Wall-clock seconds the scenario took, baselines included.
    pub seconds: f64,
    /// Why it failed (the error chain); `None` when it produced its rows.
    pub error: Option<String>,
}

/// Everything a run produced: what `--json` writes.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Where it ran.
    pub machine: Machine,
    /// The command line, to run it again.
    pub command: String,
    /// Run with [`Sizes::smoke`] (figures not comparable with full runs).
    pub smoke: bool,
    /// The sizes used, overrides included.
    pub sizes: Sizes,
    /// Each scenario run, in order.
    pub scenarios: Vec<ScenarioRun>,
    /// The rows of every scenario that succeeded, in order.
    pub rows: Vec<Row>,
}

/// The machine a report comes from.
#[derive(Debug, Serialize)]
pub struct Machine {
    /// CPUs available to this process (1 when unknown).
    pub nproc: usize,
    /// The first `model name` of /proc/cpuinfo, or "unknown".
    pub cpu_model: String,
}

/// Describes this machine (reads /proc/cpuinfo).
pub fn machine() -> Machine {
    let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    Machine {
        nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
        cpu_model,
    }
}

/// Runs one scenario by name and returns its rows; an unknown name is an error listing
/// [`SCENARIOS`].
pub fn run_scenario(name: &str, sizes: &Sizes) -> Result<Vec<Row>> {
    match name {
        "ingest" => ingest::run(sizes),
        "storage" => storage::run(sizes),
        "catchup" => net::catchup(sizes),
        "propagation" => net::propagation(sizes),
        "query" => query::run(sizes),
        "search-quality" => quality::run(),
        "footprint" => footprint::run(sizes),
        "scale" => scale::run(sizes),
        "decade" => decade::run(sizes),
        other => anyhow::bail!("unknown scenario {other}; known: {}", SCENARIOS.join(", ")),
    }
}

/// Runs the named scenarios in order, printing each one's rows as it finishes. A failing
/// scenario is recorded and the others still run.
pub fn run(names: &[String], sizes: &Sizes, smoke: bool, command: String) -> Report {
    let mut report = Report {
        machine: machine(),
        command,
        smoke,
        sizes: sizes.clone(),
        scenarios: Vec::new(),
        rows: Vec::new(),
    };
    for name in names {
        eprintln!("== scenario {name} ...");
        let started = Instant::now();
        let result = run_scenario(name, sizes);
        let seconds = started.elapsed().as_secs_f64();
        let error = match result {
            Ok(rows) => {
                eprint!("{}", report::table(&rows));
                report.rows.extend(rows);
                None
            }
            Err(e) => {
                eprintln!("scenario {name} failed: {e:#}");
                Some(format!("{e:#}"))
            }
        };
        eprintln!("== scenario {name} took {seconds:.1} s");
        report.scenarios.push(ScenarioRun {
            name: name.clone(),
            seconds,
            error,
        });
    }
    report
}

/// `n` items per second of wall time since `started`.
pub fn per_sec(n: usize, started: Instant) -> f64 {
    n as f64 / started.elapsed().as_secs_f64()
}
