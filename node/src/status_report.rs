//! What `coalition status` concludes from the facts it gathered: the node's reachability and the
//! warnings an operator should act on, each with what to do. Pure: the facts (and the clock) come
//! in, the report goes out, so every warning is tested without provoking it on a real machine.

use coalition_api::SyncState;
use serde::{Serialize, Serializer};

/// Free space below this share of the disk, or below [`DISK_LOW_BYTES`], is "nearly full".
pub(crate) const DISK_LOW_SHARE: f64 = 0.05;
pub(crate) const DISK_LOW_BYTES: u64 = 1024 * 1024 * 1024;
/// An entry dated this far ahead of this machine's clock means the clock is behind.
pub(crate) const CLOCK_SKEW_MS: i64 = 10 * 60 * 1000;

/// Everything `status` looked at.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Facts {
    pub version: String,
    pub data_dir: String,
    pub now_ms: i64,
    /// This node's city: name, key (hex) and roster state, when the data dir holds a city key.
    pub city: Option<CityFacts>,
    pub roster_version: u64,
    pub entries: u64,
    pub cities: Vec<CityHead>,
    /// The running node's view, when one answers on its API.
    pub node: Option<NodeFacts>,
    pub store_bytes: u64,
    pub index_bytes: u64,
    /// Documents in the search index, or why it could not be read.
    pub index_documents: Result<u64, String>,
    pub disk_free_bytes: Option<u64>,
    pub disk_total_bytes: Option<u64>,
    /// Files holding secrets whose mode lets others than the owner read them: (file, mode).
    pub open_secrets: Vec<(String, u32)>,
    /// The newest entry another city signed: (city, timestamp ms).
    pub newest_other_entry: Option<(String, i64)>,
    /// A restore left publishing held until a sync with a peer completes.
    pub publish_held: bool,
    /// A read-only observer node (no city key): its name.
    pub observer: Option<String>,
    /// Reports this city still has to file for open (or passed) reporting cycles: reminders,
    /// not warnings (they do not change the exit code).
    pub reports_to_file: Vec<ReportToFile>,
}

/// A reporting cycle this city has not answered yet.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ReportToFile {
    pub period: String,
    pub cycle: String,
    pub deadline: String,
    /// `due` or `missing` (the deadline passed).
    pub state: String,
    pub days_left: Option<i64>,
}

/// Reminder lines for the reports to file, the most urgent first.
pub(crate) fn reminders(f: &Facts) -> Vec<String> {
    let mut due: Vec<&ReportToFile> = f.reports_to_file.iter().collect();
    due.sort_by_key(|r| (r.state != "missing", r.days_left));
    due.into_iter()
        .map(|r| match r.days_left {
            Some(d) => format!(
                "the report for the cycle {} is due in {d} day{} (deadline {}): `coalition report template {}` writes the form to fill in, or use the Reporting page",
                r.period,
                if d == 1 { "" } else { "s" },
                r.deadline,
                r.period
            ),
            None => format!(
                "the report for the cycle {} was due on {} and is not filed: file it now (it will show as late)",
                r.period, r.deadline
            ),
        })
        .collect()
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            version: String::new(),
            data_dir: String::new(),
            now_ms: 0,
            city: None,
            roster_version: 0,
            entries: 0,
            cities: Vec::new(),
            node: None,
            store_bytes: 0,
            index_bytes: 0,
            index_documents: Ok(0),
            disk_free_bytes: None,
            disk_total_bytes: None,
            open_secrets: Vec::new(),
            newest_other_entry: None,
            publish_held: false,
            observer: None,
            reports_to_file: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CityFacts {
    pub name: String,
    pub key: String,
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CityHead {
    pub name: String,
    pub seq: u64,
    pub last_entry_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct NodeFacts {
    pub api: String,
    pub peer_id: Option<String>,
    pub peers: u64,
    pub listen: Vec<String>,
    /// `None`: the node reported a state this build does not know; shown as `unknown`.
    #[serde(serialize_with = "state_or_unknown")]
    pub sync_state: Option<SyncState>,
    pub last_arrival_ms: Option<i64>,
    pub search_documents: u64,
    /// Addresses AutoNAT confirmed reachable from outside.
    pub external: Vec<String>,
    /// Peers reached only through a relay.
    pub relayed_peers: u64,
    /// Relay reservations accepted.
    pub relay_reservations: u64,
}

/// The sync state's name, or `unknown` for a state this build does not know.
pub(crate) fn sync_state_name(state: Option<SyncState>) -> &'static str {
    state.map_or("unknown", SyncState::as_str)
}

fn state_or_unknown<S: Serializer>(state: &Option<SyncState>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(sync_state_name(*state))
}

/// Whether peers outside this network can reach the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Reachability {
    /// AutoNAT confirmed an address peers can dial.
    Public,
    /// Reachable through a relay (a reservation was accepted), not directly.
    Relayed,
    /// At least one listen address is a public IP, not confirmed from outside yet.
    PublicAddress,
    /// Only private or loopback addresses: behind NAT unless a port is forwarded to it.
    PrivateOnly,
    /// The node is not running, or has no listen address.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Warning {
    /// A stable name for scripts and alerts.
    pub code: &'static str,
    /// What is wrong and what to do, in one sentence or two.
    pub text: String,
}

pub(crate) fn reachability(node: Option<&NodeFacts>) -> Reachability {
    let Some(node) = node else {
        return Reachability::Unknown;
    };
    // A relay reservation shows up as an external address too (`…/p2p-circuit/…`): only a
    // direct one means peers can dial this node itself.
    if node.external.iter().any(|a| !a.contains("/p2p-circuit")) {
        return Reachability::Public;
    }
    if node.relay_reservations > 0 {
        return Reachability::Relayed;
    }
    let ips: Vec<std::net::IpAddr> = node
        .listen
        .iter()
        .filter_map(|addr| {
            let mut parts = addr.split('/').skip(1);
            match (parts.next(), parts.next()) {
                (Some("ip4" | "ip6"), Some(ip)) => ip.parse().ok(),
                _ => None,
            }
        })
        .collect();
    if ips.is_empty() {
        Reachability::Unknown
    } else if ips.iter().any(is_public) {
        Reachability::PublicAddress
    } else {
        Reachability::PrivateOnly
    }
}

fn is_public(ip: &std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64) // carrier-grade NAT
        }
        std::net::IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80) // link local
        }
    }
}

/// The warnings, most urgent first.
pub(crate) fn warnings(f: &Facts) -> Vec<Warning> {
    let mut out = Vec::new();
    if let (Some(free), Some(total)) = (f.disk_free_bytes, f.disk_total_bytes) {
        if total > 0 && (free < DISK_LOW_BYTES || (free as f64) < DISK_LOW_SHARE * total as f64) {
            out.push(Warning {
                code: "disk_nearly_full",
                text: format!(
                    "the disk holding {} has {} free of {}: free space or move the data directory before the store stops accepting entries",
                    f.data_dir,
                    human_bytes(free),
                    human_bytes(total)
                ),
            });
        }
    }
    for (file, mode) in &f.open_secrets {
        out.push(Warning {
            code: "secret_file_readable",
            text: format!(
                "{file} can be read by other users (mode {mode:o}): run `chmod 600 {file}`"
            ),
        });
    }
    if f.publish_held {
        out.push(Warning {
            code: "publish_held",
            text: "publishing is held until a sync session with a peer completes (this node was restored without its own record of what the city signed): run the node with peers that were online while the old one ran".into(),
        });
    }
    match &f.node {
        None => out.push(Warning {
            code: "node_not_running",
            text: "no node answers on this data directory's API: start it with `coalition run` (or `systemctl start coalition`)".into(),
        }),
        Some(node) if node.peers == 0 => out.push(Warning {
            code: "no_peers",
            text: "the node has no peers: check [network] bootstrap in config.toml and that the firewall lets it reach them (TCP and UDP on their ports)".into(),
        }),
        Some(_) => {}
    }
    match (&f.index_documents, &f.node) {
        (Err(why), _) => out.push(Warning {
            code: "index_unreadable",
            text: format!(
                "the search index cannot be read ({why}): the node rebuilds it at start, or run `coalition reindex` with the node stopped"
            ),
        }),
        (Ok(_), Some(node)) if node.sync_state == Some(SyncState::Syncing) => out.push(Warning {
            code: "behind",
            text: "the node is still catching up (entries held for missing predecessors, or the search index behind the store): wait, and look again in a minute".into(),
        }),
        _ => {}
    }
    if let Some((city, at)) = &f.newest_other_entry {
        if at - f.now_ms > CLOCK_SKEW_MS {
            out.push(Warning {
                code: "clock_behind",
                text: format!(
                    "this machine's clock seems behind: {city} signed an entry {} minutes ahead of it; set the clock with NTP (timedatectl set-ntp true)",
                    (at - f.now_ms) / 60_000
                ),
            });
        }
    }
    if let Some(city) = &f.city {
        if city.state != "active" {
            out.push(Warning {
                code: "city_not_active",
                text: format!(
                    "{} is {} on the roster: its new entries are refused by every node; ask the Steering Committee",
                    city.name, city.state
                ),
            });
        }
    }
    out
}

pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(peers: u64, listen: &[&str], sync_state: SyncState) -> NodeFacts {
        NodeFacts {
            api: "127.0.0.1:8080".into(),
            peer_id: None,
            peers,
            listen: listen.iter().map(|s| s.to_string()).collect(),
            sync_state: Some(sync_state),
            last_arrival_ms: None,
            search_documents: 0,
            external: Vec::new(),
            relayed_peers: 0,
            relay_reservations: 0,
        }
    }

    fn healthy() -> Facts {
        Facts {
            data_dir: "/var/lib/coalition".into(),
            now_ms: 1_800_000_000_000,
            node: Some(running(
                3,
                &["/ip4/192.168.1.2/tcp/4001"],
                SyncState::Synced,
            )),
            index_documents: Ok(10),
            disk_free_bytes: Some(50 << 30),
            disk_total_bytes: Some(100 << 30),
            city: Some(CityFacts {
                name: "Valmeuse".into(),
                key: "ab".into(),
                state: "active".into(),
            }),
            ..Default::default()
        }
    }

    fn codes(f: &Facts) -> Vec<&'static str> {
        warnings(f).into_iter().map(|w| w.code).collect()
    }

    #[test]
    fn a_healthy_node_has_no_warning() {
        assert!(
            warnings(&healthy()).is_empty(),
            "{:?}",
            warnings(&healthy())
        );
    }

    #[test]
    fn each_warning_is_raised_by_its_fact_alone() {
        let mut f = healthy();
        f.disk_free_bytes = Some(900 << 20);
        assert_eq!(codes(&f), ["disk_nearly_full"]);
        let mut f = healthy();
        f.disk_total_bytes = Some(4000 << 30);
        f.disk_free_bytes = Some(150 << 30);
        assert_eq!(codes(&f), ["disk_nearly_full"], "under 5 % of a large disk");
        let mut f = healthy();
        f.open_secrets = vec![("/x/city.key".into(), 0o644)];
        assert_eq!(codes(&f), ["secret_file_readable"]);
        assert!(warnings(&f)[0].text.contains("chmod 600 /x/city.key"));
        let mut f = healthy();
        f.publish_held = true;
        assert_eq!(codes(&f), ["publish_held"]);
        let mut f = healthy();
        f.node = None;
        assert_eq!(codes(&f), ["node_not_running"]);
        let mut f = healthy();
        f.node = Some(running(0, &[], SyncState::Degraded));
        assert_eq!(codes(&f), ["no_peers"]);
        let mut f = healthy();
        f.node = Some(running(2, &[], SyncState::Syncing));
        assert_eq!(codes(&f), ["behind"]);
        let mut f = healthy();
        f.index_documents = Err("garbled".into());
        assert_eq!(codes(&f), ["index_unreadable"]);
        let mut f = healthy();
        f.newest_other_entry = Some(("Lindenfeld".into(), f.now_ms + 30 * 60_000));
        assert_eq!(codes(&f), ["clock_behind"]);
        f.newest_other_entry = Some(("Lindenfeld".into(), f.now_ms + 60_000));
        assert!(codes(&f).is_empty(), "a minute ahead is ordinary drift");
        let mut f = healthy();
        if let Some(c) = f.city.as_mut() {
            c.state = "suspended".into();
        }
        assert_eq!(codes(&f), ["city_not_active"]);
    }

    #[test]
    fn reachability_follows_the_listen_addresses() {
        let node = |addrs: &[&str]| running(1, addrs, SyncState::Synced);
        assert_eq!(reachability(None), Reachability::Unknown);
        assert_eq!(reachability(Some(&node(&[]))), Reachability::Unknown);
        assert_eq!(
            reachability(Some(&node(&[
                "/ip4/10.0.0.5/tcp/4001",
                "/ip4/127.0.0.1/tcp/4001"
            ]))),
            Reachability::PrivateOnly
        );
        assert_eq!(
            reachability(Some(&node(&["/ip4/100.64.1.1/udp/4001/quic-v1"]))),
            Reachability::PrivateOnly,
            "carrier-grade NAT"
        );
        assert_eq!(
            reachability(Some(&node(&[
                "/ip4/10.0.0.5/tcp/4001",
                "/ip4/203.0.113.7/tcp/4001"
            ]))),
            Reachability::PublicAddress
        );
        assert_eq!(
            reachability(Some(&node(&["/ip6/2001:db8::1/tcp/4001"]))),
            Reachability::PublicAddress
        );
        assert_eq!(
            reachability(Some(&node(&["/ip6/fe80::1/tcp/4001"]))),
            Reachability::PrivateOnly
        );
        let mut relayed = node(&["/ip4/10.0.0.5/tcp/4001"]);
        relayed.relay_reservations = 1;
        assert_eq!(reachability(Some(&relayed)), Reachability::Relayed);
        relayed.external = vec!["/ip4/198.51.100.1/tcp/7701/p2p/12D3KooWA/p2p-circuit".into()];
        assert_eq!(reachability(Some(&relayed)), Reachability::Relayed);
        relayed.external = vec!["/ip4/203.0.113.7/udp/4001/quic-v1".into()];
        assert_eq!(
            reachability(Some(&relayed)),
            Reachability::Public,
            "confirmed wins"
        );
    }

    #[test]
    fn sizes_read_like_people_write_them() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }
}
