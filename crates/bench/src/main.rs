use anyhow::{bail, Result};
use clap::Parser;
use coalition_bench::{report, run, Sizes, SCENARIOS};
use std::path::PathBuf;

/// Runs Coalition performance scenarios against baselines measured in the same run.
#[derive(Parser)]
#[command(name = "coalition-bench")]
struct Args {
    /// Tiny sizes: the whole harness runs in seconds (CI keeps it from rotting).
    #[arg(long)]
    smoke: bool,
    /// Run only this scenario (repeatable): ingest, storage, catchup, propagation, query,
    /// search-quality, footprint, scale, decade.
    #[arg(long = "scenario")]
    scenarios: Vec<String>,
    /// Write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Override entries for the ingest scenario.
    #[arg(long)]
    ingest_n: Option<usize>,
    /// Payload size in bytes of the ingest and catch-up entries (activity updates grown to
    /// about N bytes), to compare with other systems' figures at their entry sizes.
    #[arg(long)]
    payload_bytes: Option<usize>,
    #[arg(long)]
    storage_n: Option<usize>,
    #[arg(long)]
    catchup_n: Option<usize>,
    #[arg(long)]
    query_n: Option<usize>,
    #[arg(long)]
    footprint_n: Option<usize>,
    #[arg(long)]
    nodes: Option<usize>,
    #[arg(long)]
    messages: Option<usize>,
    /// Network sizes of the scale scenario, comma-separated (default 30,100,300,500).
    #[arg(long, value_delimiter = ',')]
    scale_nodes: Option<Vec<usize>>,
    /// Entries published per size in the scale scenario (at least one per city).
    #[arg(long)]
    scale_messages: Option<usize>,
    /// Stores per second across all nodes the scale scenario's publish rate is set for.
    #[arg(long)]
    scale_deliveries: Option<f64>,
    /// Bootstrap peers each node dials in the scale scenario.
    #[arg(long)]
    scale_dials: Option<usize>,
    /// Gossipsub parameters of the scale scenario: default, idw, d5, d4, d4-noflood, d8.
    #[arg(long)]
    gossip_preset: Option<String>,
    /// Cities of the ten-year scenario (decade).
    #[arg(long)]
    decade_cities: Option<usize>,
    /// Uplink of each serving peer, in Mbit/s, in the decade scenario's joins over capped links
    /// (default 100; those joins need root: a network namespace of their own).
    #[arg(long)]
    decade_uplink_mbit: Option<u32>,
    /// Internal: the footprint scenario's child process (open a store, serve a query, idle).
    #[arg(long, hide = true)]
    footprint_child: Option<PathBuf>,
}

fn main() -> Result<()> {
    let args = Args::parse();
    // Off unless asked for: RUST_LOG=coalition_net=debug prints, for instance, where each sync
    // stream of the catch-up scenario spent its time. Logs go to stderr, the table to stdout.
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    if let Some(dir) = &args.footprint_child {
        return coalition_bench::footprint::child(dir);
    }
    let mut sizes = if args.smoke {
        Sizes::smoke()
    } else {
        Sizes::full()
    };
    sizes.payload_bytes = args.payload_bytes;
    if let Some(n) = args.ingest_n {
        sizes.ingest = n;
    }
    if let Some(n) = args.storage_n {
        sizes.storage = n;
    }
    if let Some(n) = args.catchup_n {
        sizes.catchup = n;
    }
    if let Some(n) = args.query_n {
        sizes.query = n;
    }
    if let Some(n) = args.footprint_n {
        sizes.footprint = n;
    }
    if let Some(n) = args.nodes {
        sizes.prop_nodes = n;
    }
    if let Some(n) = args.messages {
        sizes.prop_messages = n;
    }
    if let Some(n) = args.scale_nodes {
        sizes.scale_nodes = n;
    }
    if let Some(n) = args.scale_messages {
        sizes.scale_messages = n;
    }
    if let Some(n) = args.scale_deliveries {
        sizes.scale_deliveries = n;
    }
    if let Some(p) = args.gossip_preset {
        sizes.gossip_preset = p;
    }
    if let Some(n) = args.decade_cities {
        sizes.decade_cities = n;
    }
    if let Some(n) = args.decade_uplink_mbit {
        sizes.decade_uplink_mbit = n;
    }
    if let Some(n) = args.scale_dials {
        sizes.scale_dials = n;
    }
    let names: Vec<String> = if args.scenarios.is_empty() {
        SCENARIOS.iter().map(|s| s.to_string()).collect()
    } else {
        for s in &args.scenarios {
            if !SCENARIOS.contains(&s.as_str()) {
                bail!("unknown scenario {s}; known: {}", SCENARIOS.join(", "));
            }
        }
        args.scenarios.clone()
    };
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let report = run(&names, &sizes, args.smoke, command);
    let m = &report.machine;
    println!("\nmachine: {} cores, {}", m.nproc, m.cpu_model);
    println!("{}", report::table(&report.rows));
    for s in &report.scenarios {
        match &s.error {
            Some(e) => println!("scenario {}: FAILED after {:.1} s: {e}", s.name, s.seconds),
            None => println!("scenario {}: {:.1} s", s.name, s.seconds),
        }
    }
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
        println!("wrote {}", path.display());
    }
    if report.scenarios.iter().any(|s| s.error.is_some()) {
        bail!("a scenario failed");
    }
    Ok(())
}
