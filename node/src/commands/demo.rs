//! `coalition demo`: a local demo coalition. Creates a charter (3 committee keys, threshold 2),
//! N fictional cities admitted by the committee, starts N nodes on loopback in a sparse graph,
//! publishes illustrative practices, updates and reports, and shows a live line per node until
//! Ctrl-C.

use super::init::create_node_dir;
use super::now_ms;
use super::run_node::{init_tracing, wait_for_signal};
use crate::cli::DemoArgs;
use crate::datadir::{charter_toml, write_secret_file, DataDir};
use crate::demo_data::{practices_for, report_for, update_for, CITIES};
use crate::node::{NodeOptions, RunningNode};
use anyhow::{bail, Context, Result};
use coalition_api::NetworkView;
use coalition_record::roster::RosterChange;
use coalition_record::{
    Charter, Payload, RosterAction, SecretKey, SignedRosterChange, FORMAT_VERSION,
};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const MARKER: &str = ".coalition-demo";

fn prepare_dir(root: &Path) -> Result<()> {
    if root.exists() {
        if !root.join(MARKER).exists() {
            bail!(
                "{} exists and is not a demo directory; choose another --data-dir",
                root.display()
            );
        }
        std::fs::remove_dir_all(root)
            .with_context(|| format!("cannot clear the old demo in {}", root.display()))?;
    }
    std::fs::create_dir_all(root)?;
    std::fs::write(
        root.join(MARKER),
        "coalition demo data; deleted at the next `coalition demo`\n",
    )?;
    Ok(())
}

fn free_api_addr(port: u16) -> std::net::SocketAddr {
    let wanted = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    if std::net::TcpListener::bind(wanted).is_ok() {
        wanted
    } else {
        std::net::SocketAddr::from(([127, 0, 0, 1], 0))
    }
}

pub(crate) fn run(args: DemoArgs) -> Result<ExitCode> {
    if !(2..=CITIES.len()).contains(&args.cities) {
        bail!("--cities must be between 2 and {}", CITIES.len());
    }
    // The live lines are the demo's output; logs only for problems (RUST_LOG=info for more).
    init_tracing(crate::config::LogFormat::Text, "warn");
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(demo(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn demo(args: DemoArgs) -> Result<()> {
    let n = args.cities;
    let root = args.data_dir.clone();
    prepare_dir(&root)?;
    sayln!(
        "Coalition demo: {n} illustrative cities on this machine, data in {}",
        root.display()
    );

    // The Steering Committee: 3 keys, any 2 sign a roster change.
    let committee: Vec<SecretKey> = (0..3).map(|_| SecretKey::generate()).collect();
    let charter = Charter::new(
        "Demo Coalition of Cities Against Racism",
        committee.iter().map(|k| k.public()).collect(),
        2,
        now_ms(),
    )?;
    let committee_dir = root.join("committee");
    std::fs::create_dir_all(&committee_dir)?;
    std::fs::write(committee_dir.join("charter.toml"), charter_toml(&charter)?)?;
    for (i, key) in committee.iter().enumerate() {
        write_secret_file(
            &committee_dir.join(format!("committee-{}.key", i + 1)),
            &key.to_file_text(),
        )?;
    }

    let city_keys: Vec<SecretKey> = (0..n).map(|_| SecretKey::generate()).collect();
    let mut history = Vec::new();
    let mut head = None;
    for (i, key) in city_keys.iter().enumerate() {
        let mut change = SignedRosterChange::unsigned(RosterChange {
            version: FORMAT_VERSION,
            network_id: charter.network_id(),
            seq: i as u64 + 1,
            prev: head,
            timestamp_ms: now_ms(),
            action: RosterAction::Admit {
                city: key.public(),
                name: CITIES[i].name.into(),
                country: CITIES[i].country.into(),
            },
        });
        change.sign_with(&committee[0]);
        change.sign_with(&committee[1]);
        head = Some(change.id());
        history.push(change);
    }
    for change in &history {
        super::roster_file::append(&committee_dir.join("roster.txt"), change, "admit (demo)")?;
    }

    // Nodes: city 0 first; every other city bootstraps to city 0 and to the city before it, so the
    // graph is sparse and gossip has to hop.
    let mut nodes: Vec<RunningNode> = Vec::new();
    let mut addrs: Vec<coalition_net::Multiaddr> = Vec::new();
    for (i, key) in city_keys.iter().enumerate() {
        let dir = DataDir::new(&root.join(format!("city-{}", i + 1)));
        create_node_dir(
            &dir,
            &charter,
            CITIES[i].name,
            CITIES[i].country,
            &history,
            Some(key),
        )?;
        let mut bootstrap = Vec::new();
        if i > 0 {
            bootstrap.push(addrs[0].clone());
        }
        if i > 1 {
            bootstrap.push(addrs[i - 1].clone());
        }
        let node = RunningNode::start(NodeOptions {
            data_dir: dir.root.clone(),
            listen: vec!["/ip4/127.0.0.1/tcp/0".parse()?],
            bootstrap,
            api: free_api_addr(args.port + i as u16),
            mdns: false,
            sync_interval: Duration::from_secs(5),
            max_peers: 32,
            sync_request_rate: coalition_net::DEFAULT_SYNC_REQUEST_RATE,
            author_gossip_rate: coalition_net::DEFAULT_AUTHOR_GOSSIP_RATE,
            allow_loopback: true,
            relay_server: false,
            relays: Vec::new(),
            contact_retention_years: None,
        })
        .await?;
        let status = node.net.status().await?;
        let listen = status
            .listen_addrs
            .first()
            .context("the node reports no listen address")?;
        let addr: coalition_net::Multiaddr = format!("{listen}/p2p/{}", status.peer_id).parse()?;
        addrs.push(addr);
        sayln!(
            "  {:<18} {}  web page http://{}/",
            CITIES[i].name,
            CITIES[i].country,
            node.api_addr
        );
        nodes.push(node);
    }
    sayln!(
        "Open http://{}/ for the first city's page. Publishing sample practices…",
        nodes[0].api_addr
    );
    sayln!(
        "Reporting cycles (two past, one open) and who filed on time: http://{0}/cycles; the committee's follow-up with charts: http://{0}/audit",
        nodes[0].api_addr
    );

    // Publish: each city in turn, one record at a time, so arrivals show on the other nodes.
    let started = Instant::now();
    let mut queue: Vec<(usize, Payload)> = Vec::new();
    for i in 0..n {
        for p in practices_for(i, n) {
            queue.push((i, Payload::Practice(p)));
        }
        queue.push((i, Payload::ActivityUpdate(update_for(i))));
        queue.push((i, Payload::ActivityReport(report_for(i))));
    }
    queue.sort_by_key(|(i, p)| (p.kind().code(), *i));
    // Then the exchange between cities: two cities take up city 1's first practice and one asks
    // it a question, which it answers (needs three cities).
    let mut exchange = crate::demo_data::Exchange::new(n);
    // The Steering Committee's reporting cycles, and the cities' answers to them.
    let mut cycles =
        crate::demo_cycles::CycleDemo::new(n, charter.network_id(), &committee, now_ms());
    let total = queue.len() as u64 + exchange.entries() + cycles.entries();
    let mut publish_tick = tokio::time::interval(Duration::from_millis(300));
    let mut show_tick = tokio::time::interval(Duration::from_secs(1));
    let deadline = (args.seconds > 0).then(|| Instant::now() + Duration::from_secs(args.seconds));
    let tty = std::io::stdout().is_terminal();
    let mut printed_lines = 0;
    let mut all_delivered_at: Option<Duration> = None;
    let signal = wait_for_signal();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            _ = &mut signal => break,
            _ = publish_tick.tick(), if !queue.is_empty() || !exchange.done() || !cycles.done() => {
                let (i, payload, at) = if !queue.is_empty() {
                    let (i, payload) = queue.remove(0);
                    (i, payload, now_ms())
                } else if let Some(next) = cycles.next(now_ms()) {
                    next
                } else {
                    match exchange.next() {
                        Some((i, payload)) => (i, payload, now_ms()),
                        None => continue,
                    }
                };
                let node = &nodes[i];
                let entry = node.store.append_local(&city_keys[i], &payload, at)?;
                exchange.published(i, &payload, entry.id());
                cycles.published(i, &payload, entry.id());
                node.indexer.wake();
                let _ = node.net.publish(entry.to_wire()).await;
            }
            _ = show_tick.tick() => {
                let lines: Vec<String> = nodes.iter().enumerate().map(|(i, node)| {
                    let s = node.status.status();
                    let age = s.last_arrival_ms.map(|t| format!("{:.1} s ago", (now_ms() - t) as f64 / 1000.0)).unwrap_or_else(|| "—".into());
                    format!("  {:<18} entries {:>3}/{total}  peers {}  last arrival {age:<10} {}", CITIES[i].name, node.store.entry_count(), s.peers, s.sync_state)
                }).collect();
                if all_delivered_at.is_none() && nodes.iter().all(|n| n.store.entry_count() == total) {
                    all_delivered_at = Some(started.elapsed());
                }
                if tty && printed_lines > 0 {
                    say!("\x1b[{printed_lines}A");
                }
                for line in &lines {
                    if tty { say!("\x1b[2K"); }
                    sayln!("{line}");
                }
                let summary = match all_delivered_at {
                    Some(t) => format!("  all {total} records on all {n} nodes ({:.1} s after the first publish). Ctrl-C stops the demo.", t.as_secs_f64()),
                    None => "  publishing… Ctrl-C stops the demo.".to_string(),
                };
                if tty { say!("\x1b[2K"); }
                sayln!("{summary}");
                printed_lines = lines.len() + 1;
                let _ = std::io::stdout().flush();
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
            }
        }
    }
    sayln!("Stopping the demo: finishing writes and closing the stores…");
    for node in nodes {
        node.stop().await?;
    }
    sayln!(
        "Stopped cleanly. The data stays in {} until the next demo.",
        root.display()
    );
    Ok(())
}
