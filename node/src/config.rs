//! `config.toml`: the node's settings. Unknown keys are refused so a typo never goes unnoticed.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    /// This city's name, as on the roster.
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// A read-only node (an equality body, a researcher, the coalition's secretariat): it syncs,
    /// searches and audits everything but holds no city key and publishes nothing.
    #[serde(default)]
    pub observer: bool,
    #[serde(default)]
    pub network: NetworkConfig,
    #[serde(default)]
    pub api: ApiConfig,
    #[serde(default)]
    pub log: LogConfig,
    #[serde(default)]
    pub privacy: PrivacyConfig,
}

/// `[privacy]`: what this city's node erases by itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrivacyConfig {
    /// Erase the contact person of this city's practices once their entry is older than this
    /// many years (a version without the contact is published first, so the practice stays).
    /// Off when absent.
    #[serde(default)]
    pub contact_retention_years: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkConfig {
    #[serde(default = "default_listen")]
    pub listen: Vec<String>,
    #[serde(default)]
    pub bootstrap: Vec<String>,
    #[serde(default)]
    pub mdns: bool,
    #[serde(default = "default_sync_interval")]
    pub sync_interval_secs: u64,
    #[serde(default = "default_max_peers")]
    pub max_peers: u32,
    /// Sync requests one peer may make per second, and in a burst, before it is refused.
    #[serde(default = "default_sync_requests_per_second")]
    pub sync_requests_per_second: u32,
    #[serde(default = "default_sync_request_burst")]
    pub sync_request_burst: u32,
    /// New entries of one city's log accepted by gossip per second, and in a burst; the rest
    /// wait for sync.
    #[serde(default = "default_author_entries_per_second")]
    pub author_entries_per_second: u32,
    #[serde(default = "default_author_entry_burst")]
    pub author_entry_burst: u32,
    /// Serve as a relay and AutoNAT server for nodes behind NAT (a node with a public address).
    #[serde(default)]
    pub relay_server: bool,
    /// Relays to be reachable through when this node is behind NAT.
    #[serde(default)]
    pub relays: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ApiConfig {
    #[serde(default = "default_api")]
    pub listen: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogConfig {
    /// `text` (for people) or `json` (one object per line, for log collectors).
    #[serde(default)]
    pub format: LogFormat,
}

/// How the node writes its log to stderr: `[log] format` in config.toml, `run --log-format`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogFormat {
    /// Lines for people.
    #[default]
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl std::fmt::Display for LogFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        })
    }
}

fn default_listen() -> Vec<String> {
    vec![
        "/ip4/0.0.0.0/tcp/7701".into(),
        "/ip4/0.0.0.0/udp/7701/quic-v1".into(),
    ]
}
fn default_sync_interval() -> u64 {
    30
}
fn default_max_peers() -> u32 {
    64
}
fn default_sync_requests_per_second() -> u32 {
    coalition_net::DEFAULT_SYNC_REQUEST_RATE.per_second
}
fn default_sync_request_burst() -> u32 {
    coalition_net::DEFAULT_SYNC_REQUEST_RATE.burst
}
fn default_author_entries_per_second() -> u32 {
    coalition_net::DEFAULT_AUTHOR_GOSSIP_RATE.per_second
}
fn default_author_entry_burst() -> u32 {
    coalition_net::DEFAULT_AUTHOR_GOSSIP_RATE.burst
}
fn default_api() -> String {
    "127.0.0.1:7700".into()
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            listen: default_listen(),
            bootstrap: Vec::new(),
            mdns: false,
            sync_interval_secs: default_sync_interval(),
            max_peers: default_max_peers(),
            sync_requests_per_second: default_sync_requests_per_second(),
            sync_request_burst: default_sync_request_burst(),
            author_entries_per_second: default_author_entries_per_second(),
            author_entry_burst: default_author_entry_burst(),
            relay_server: false,
            relays: Vec::new(),
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            listen: default_api(),
        }
    }
}

impl Config {
    pub(crate) fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let config: Config = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}",
                path.display(),
                crate::input::one_line(&e.to_string())
            )
        })?;
        let network = &config.network;
        for (key, value, default) in [
            (
                "sync_requests_per_second",
                network.sync_requests_per_second,
                default_sync_requests_per_second(),
            ),
            (
                "sync_request_burst",
                network.sync_request_burst,
                default_sync_request_burst(),
            ),
            (
                "author_entries_per_second",
                network.author_entries_per_second,
                default_author_entries_per_second(),
            ),
            (
                "author_entry_burst",
                network.author_entry_burst,
                default_author_entry_burst(),
            ),
        ] {
            if value == 0 {
                anyhow::bail!(
                    "{}: network.{key} is 0, which would refuse everything; use 1 or more (default {default})",
                    path.display()
                );
            }
        }
        Ok(config)
    }

    /// The per-peer sync request limit.
    pub(crate) fn sync_request_rate(&self) -> coalition_net::Rate {
        coalition_net::Rate::new(
            self.network.sync_requests_per_second,
            self.network.sync_request_burst,
        )
    }

    /// The per-city limit on new entries arriving by gossip.
    pub(crate) fn author_gossip_rate(&self) -> coalition_net::Rate {
        coalition_net::Rate::new(
            self.network.author_entries_per_second,
            self.network.author_entry_burst,
        )
    }

    /// The commented file `init` writes.
    pub(crate) fn commented_toml(&self) -> String {
        let list = |items: &[String]| {
            items
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            r#"# Coalition node configuration. Written by `coalition init`; edit freely.
# Keys and the store live beside this file: city.key (this city's signing key: keep it secret
# and backed up), node.key (the network identity), api.token, charter.toml and store/.

{identity}

[network]
# Addresses to listen on for other cities' nodes (TCP and QUIC).
listen = [{listen}]
# Other nodes to connect to at start, e.g. "/dns4/node.example.org/tcp/7701/p2p/12D3Koo...".
bootstrap = [{bootstrap}]
# Find nodes on the local network by mDNS (useful in a lab; leave off in production).
mdns = {mdns}
# How often to compare logs with a random peer and fetch what is missing.
sync_interval_secs = {sync}
# Most peers to keep connected.
max_peers = {max_peers}
# Sync requests one peer may make per second (and in a burst) before it is told to wait; a peer
# that keeps asking before its time is disconnected for 10 minutes.
sync_requests_per_second = {sync_rate}
sync_request_burst = {sync_burst}
# New entries of one city accepted by gossip per second (and in a burst). More are not lost: they
# wait for the next sync. This bounds how fast a stolen city key can flood the network.
author_entries_per_second = {author_rate}
author_entry_burst = {author_burst}
# Behind NAT: relays to be reachable through, e.g. "/ip4/198.51.100.7/tcp/7701/p2p/12D3Koo...".
# Peers then reach this node through the relay, and hole punching upgrades to a direct connection
# where both NATs allow it. A WebSocket listener ("/ip4/0.0.0.0/tcp/443/ws" in listen) serves
# networks that only let web ports out.
relays = [{relays}]
# With a public address: serve as a relay (and AutoNAT server) for member nodes behind NAT.
relay_server = {relay_server}

[api]
# The local web page and JSON API. Keep it on 127.0.0.1 unless a reverse proxy guards it.
listen = "{api}"

[log]
# "text" for people, "json" for log collectors. Verbosity: the RUST_LOG variable (e.g. info).
format = "{format}"

[privacy]
# Erase the contact person of this city's practices once their entry is older than this many
# years, on every node, with receipts (the practice is published again without it first).
# contact_retention_years = 5
"#,
            identity = if self.observer {
                format!(
                    "# An observer: syncs, searches and audits everything, holds no city key, publishes nothing.\nobserver = true\ncity = \"{}\"\ncountry = \"{}\"",
                    self.city.replace('"', "'"),
                    self.country
                )
            } else {
                format!(
                    "# This city, as admitted on the coalition's roster.\ncity = \"{}\"\ncountry = \"{}\"",
                    self.city.replace('"', "'"),
                    self.country
                )
            },
            listen = list(&self.network.listen),
            bootstrap = list(&self.network.bootstrap),
            mdns = self.network.mdns,
            sync = self.network.sync_interval_secs,
            max_peers = self.network.max_peers,
            sync_rate = self.network.sync_requests_per_second,
            sync_burst = self.network.sync_request_burst,
            author_rate = self.network.author_entries_per_second,
            author_burst = self.network.author_entry_burst,
            relays = list(&self.network.relays),
            relay_server = self.network.relay_server,
            api = self.api.listen,
            format = self.log.format,
        )
    }
}
