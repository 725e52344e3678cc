//! `coalition run`: the node process. Logs with tracing; stops cleanly on SIGINT or SIGTERM.

use crate::cli::RunArgs;
use crate::config::LogFormat;
use crate::datadir::DataDir;
use crate::node::{NodeOptions, RunningNode};
use anyhow::{Context, Result};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

pub(crate) fn parse_addrs(flag: &str, items: &[String]) -> Result<Vec<coalition_net::Multiaddr>> {
    items
        .iter()
        .map(|a| {
            a.parse().with_context(|| {
                format!("{flag} {a}: not a multiaddr; write e.g. /ip4/192.0.2.10/tcp/7701 or /ip4/127.0.0.1/tcp/7701/p2p/12D3Koo…")
            })
        })
        .collect()
}

/// Logs to stderr; `RUST_LOG` overrides `default_filter`.
pub(crate) fn init_tracing(format: LogFormat, default_filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if format == LogFormat::Json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub(crate) fn run(args: RunArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let config = dir.config()?;
    init_tracing(
        args.log_format.unwrap_or(config.log.format),
        "info,libp2p=warn",
    );
    let listen = if args.listen.is_empty() {
        parse_addrs("network.listen", &config.network.listen)?
    } else {
        parse_addrs("--listen", &args.listen)?
    };
    let mut bootstrap = parse_addrs("network.bootstrap", &config.network.bootstrap)?;
    bootstrap.extend(parse_addrs("--bootstrap", &args.bootstrap)?);
    let mut relays = parse_addrs("network.relays", &config.network.relays)?;
    relays.extend(parse_addrs("--relay", &args.relay)?);
    let api_text = args.api.clone().unwrap_or(config.api.listen.clone());
    let api = api_text
        .parse()
        .with_context(|| format!("API address {api_text}: write host:port, e.g. 127.0.0.1:7700"))?;
    let options = NodeOptions {
        data_dir: dir.root.clone(),
        listen,
        bootstrap,
        api,
        mdns: args.mdns || config.network.mdns,
        sync_interval: Duration::from_secs(config.network.sync_interval_secs.max(1)),
        max_peers: config.network.max_peers,
        sync_request_rate: config.sync_request_rate(),
        author_gossip_rate: config.author_gossip_rate(),
        allow_loopback: args.local,
        relay_server: args.relay_server || config.network.relay_server,
        relays,
        contact_retention_years: config.privacy.contact_retention_years,
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        let node = RunningNode::start(options).await?;
        let status = node.net.status().await?;
        tracing::info!(
            city = %config.city,
            peer_id = %status.peer_id,
            entries = node.store.entry_count(),
            "node running"
        );
        // A node outlives whoever reads its stdout: a closed pipe must not stop it (println! would
        // panic on EPIPE), so these lines are best effort.
        let mut out = std::io::stdout();
        for addr in &status.listen_addrs {
            let _ = writeln!(out, "listening   {addr}/p2p/{}", status.peer_id);
        }
        let _ = writeln!(out, "peer id     {}", status.peer_id);
        let _ = writeln!(out, "web page    http://{}/", node.api_addr);
        let _ = out.flush();
        wait_for_signal().await;
        tracing::info!("stopping: finishing in-flight writes");
        node.stop().await?;
        tracing::info!("stopped cleanly");
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
