//! Acceptance 3 of issue 15: a node whose firewall lets only web traffic out still receives and
//! publishes entries, over WebSocket. Two network namespaces this test creates (root, `ip netns`,
//! a veth pair, nftables; every address lives inside them; all torn down at the end):
//!
//!   pub  100.64.0.1   Lindenfeld's node, listening on TCP 7701, QUIC 7701 and WebSocket 443
//!   w    100.64.0.2   Valmeuse's node behind a firewall: outbound only TCP to port 443, no UDP,
//!                     no inbound connections (nftables in its namespace)
//!
//! Valmeuse bootstraps to all three of Lindenfeld's addresses; only the WebSocket one can connect.
//! An entry published before Valmeuse's node starts reaches it by sync, an entry published at each
//! node afterwards reaches the other by gossip (the nodes' own counters say which), and every
//! connection Valmeuse's node made is the WebSocket one. Where namespaces cannot be created (not root, no `ip` or `nft`) it says
//! "skipped: …" and passes.

use crate::common;
use common::netns::{command, skip_reason, Net, NsNode};
use common::procs::{two_cities, update_file};
use common::*;

use serde_json::Value;
use std::process::Command;
use std::time::{Duration, Instant};

const NAMESPACES: [&str; 2] = ["pub", "w"];
const PEER_IP: &str = "100.64.0.1";
const WS_PORT: &str = "443";

/// The open segment with the peer, and the city behind its web-only firewall.
fn ws_net() -> Result<Net, String> {
    let net = Net::create("cw", &NAMESPACES)?;
    let (pubns, wns) = (net.ns("pub"), net.ns("w"));
    // Created straight inside the namespaces, so nothing is left outside them on failure.
    command(
        "ip",
        &[
            "link", "add", "eth0", "netns", &pubns, "type", "veth", "peer", "name", "eth0",
            "netns", &wns,
        ],
    )?;
    for (ns, addr) in [(&pubns, "100.64.0.1/24"), (&wns, "100.64.0.2/24")] {
        command("ip", &["-n", ns, "addr", "add", addr, "dev", "eth0"])?;
        command("ip", &["-n", ns, "link", "set", "eth0", "up"])?;
    }
    // The city's firewall: out, only new TCP connections to the web port (and replies);
    // nothing new in. No UDP at all, so no QUIC.
    for rule in [
        "add table inet fw",
        "add chain inet fw out { type filter hook output priority 0 ; policy drop ; }",
        "add rule inet fw out oifname lo accept",
        "add rule inet fw out ct state established,related accept",
        "add rule inet fw out meta l4proto tcp tcp dport 443 ct state new accept",
        "add chain inet fw in { type filter hook input priority 0 ; policy drop ; }",
        "add rule inet fw in iifname lo accept",
        "add rule inet fw in ct state established,related accept",
    ] {
        net.exec("w", &["nft", rule])?;
    }
    Ok(net)
}

/// Whether a TCP connection from namespace `ns` to `addr:port` opens within 3 s.
fn tcp_opens(net: &Net, ns: &str, addr: &str, port: &str) -> bool {
    net.exec(
        ns,
        &[
            "timeout",
            "3",
            "bash",
            "-c",
            &format!("exec 3<>/dev/tcp/{addr}/{port}"),
        ],
    )
    .is_ok()
}

/// A counter from its /metrics, fetched inside namespace `ns` (its API is on that loopback).
fn metric(node: &NsNode, net: &Net, ns: &str, name: &str) -> u64 {
    let (host, port) = node.api.split_once(':').expect("host:port");
    let script = format!(
        "exec 3<>/dev/tcp/{host}/{port}; printf 'GET /metrics HTTP/1.1\\r\\nHost: {host}\\r\\nConnection: close\\r\\n\\r\\n' >&3; cat <&3"
    );
    let out = Command::new("ip")
        .args(["netns", "exec", &net.ns(ns), "timeout", "10", "bash", "-c"])
        .arg(&script)
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in the /metrics of {ns}:\n{text}"))
}

/// Its "connected" lines (one per connection, with the remote address and path).
fn connections(node: &NsNode) -> Vec<String> {
    node.lines()
        .into_iter()
        .filter(|l| l.contains(" connected") && l.contains("path="))
        .collect()
}

/// Publishes an activity update from inside namespace `ns` (the CLI reaches the node's API on
/// that namespace's loopback); the new entry's id.
fn publish_in(net: &Net, ns: &str, dir: &str, file: &str) -> String {
    let out = Command::new("ip")
        .args(["netns", "exec", &net.ns(ns), BIN, "publish", "update", file])
        .args(["--data-dir", dir, "--json"])
        .env_remove("COALITION_DATA_DIR")
        .output()
        .expect("publish runs");
    assert!(
        out.status.success(),
        "publish in {ns}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    entry_id_of(&String::from_utf8_lossy(&out.stdout))
}

/// Waits until the store of `dir` holds entry `id` (read from outside: the store is a file).
fn arrives(id: &str, dir: &str, what: &str, secs: u64, nodes: &[(&str, &NsNode)]) -> f64 {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    loop {
        if run(&["show", id, "--data-dir", dir, "--json"])
            .status
            .success()
        {
            return started.elapsed().as_secs_f64();
        }
        if Instant::now() >= deadline {
            let logs: Vec<String> = nodes
                .iter()
                .map(|(name, n)| format!("{name}'s log:\n{}", n.lines().join("\n")))
                .collect();
            panic!("{what} did not arrive within {secs} s\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_node_with_only_an_outbound_websocket_path_receives_and_publishes() {
    if let Some(why) = skip_reason(&["ip", "nft", "bash", "timeout"]) {
        eprintln!("skipped: {why}");
        return;
    }
    let net = match ws_net() {
        Ok(net) => net,
        Err(why) => {
            eprintln!("skipped: network namespaces are not available here ({why})");
            return;
        }
    };
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    // Valmeuse (a) behind the web-only firewall, Lindenfeld (b) on the open segment.
    let (w_dir, peer_dir) = two_cities(root);

    let peer = NsNode::start(
        &net,
        "pub",
        &peer_dir,
        &[
            "--listen",
            "/ip4/0.0.0.0/tcp/7701",
            "--listen",
            "/ip4/0.0.0.0/udp/7701/quic-v1",
            "--listen",
            &format!("/ip4/0.0.0.0/tcp/{WS_PORT}/ws"),
        ],
        "WS_TEST_LOG",
    );
    let line = peer.wait_for("the peer's id", |l| l.starts_with("peer id"), 30);
    let peer_id = line
        .split_whitespace()
        .last()
        .unwrap_or_else(|| panic!("no peer id in {line:?}"))
        .to_string();
    peer.wait_for(
        "the peer's WebSocket listener",
        |l| l.contains(&format!("/tcp/{WS_PORT}/ws")),
        30,
    );
    peer.wait_for("the peer's API", |l| l.starts_with("web page"), 30);

    // The firewall holds: from w, the peer's TCP port stays shut and its web port opens.
    assert!(
        !tcp_opens(&net, "w", PEER_IP, "7701"),
        "the firewall should block TCP 7701 from w"
    );
    assert!(
        tcp_opens(&net, "w", PEER_IP, WS_PORT),
        "the firewall should let TCP {WS_PORT} out of w"
    );
    println!("firewall in w: TCP 7701 blocked, UDP blocked, TCP {WS_PORT} open");

    // Published before Valmeuse's node starts: gossip does not replay it, only sync brings it.
    let before = publish_in(
        &net,
        "pub",
        &peer_dir,
        &update_file(root, "Lindenfeld council minutes"),
    );

    // Valmeuse knows all three of the peer's addresses, as from a bootstrap list.
    let tcp = format!("/ip4/{PEER_IP}/tcp/7701/p2p/{peer_id}");
    let quic = format!("/ip4/{PEER_IP}/udp/7701/quic-v1/p2p/{peer_id}");
    let ws = format!("/ip4/{PEER_IP}/tcp/{WS_PORT}/ws/p2p/{peer_id}");
    let w = NsNode::start(
        &net,
        "w",
        &w_dir,
        &[
            "--listen",
            "/ip4/0.0.0.0/tcp/7701",
            "--listen",
            "/ip4/0.0.0.0/udp/7701/quic-v1",
            "--bootstrap",
            &tcp,
            "--bootstrap",
            &quic,
            "--bootstrap",
            &ws,
        ],
        "WS_TEST_LOG",
    );
    let connected = w.wait_for(
        "Valmeuse's node to connect to the peer",
        |l| l.contains(" connected") && l.contains(&peer_id),
        60,
    );
    println!("w: {connected}");
    assert!(
        connected.contains(&format!("/tcp/{WS_PORT}/ws")),
        "the connection goes over the WebSocket address: {connected}"
    );

    let secs = arrives(
        &before,
        &w_dir,
        "the entry published before Valmeuse's node started",
        60,
        &[("w", &w), ("peer", &peer)],
    );
    println!("peer → w by sync: entry {before} arrived {secs:.1} s after the connection");

    // The peer publishes; the node behind the firewall receives it.
    let from_peer = publish_in(
        &net,
        "pub",
        &peer_dir,
        &update_file(root, "Lindenfeld open day"),
    );
    let secs = arrives(
        &from_peer,
        &w_dir,
        "the peer's entry at Valmeuse",
        60,
        &[("w", &w), ("peer", &peer)],
    );
    println!("peer → w: entry {from_peer} arrived in {secs:.1} s");

    // The node behind the firewall publishes; the peer receives it.
    let from_w = publish_in(
        &net,
        "w",
        &w_dir,
        &update_file(root, "Valmeuse repair cafe"),
    );
    let secs = arrives(
        &from_w,
        &peer_dir,
        "Valmeuse's entry at the peer",
        60,
        &[("w", &w), ("peer", &peer)],
    );
    println!("w → peer: entry {from_w} arrived in {secs:.1} s");

    // Both ways of moving entries ran over that connection: sync brought the earlier entry to
    // Valmeuse, gossip carried the new ones (counted by the nodes themselves).
    // (The counters the API serves refresh once a second.)
    let deadline = Instant::now() + Duration::from_secs(10);
    let (w_sync, w_gossip, peer_gossip) = loop {
        let counts = (
            metric(&w, &net, "w", "coalition_net_entries_via_sync_total"),
            metric(&w, &net, "w", "coalition_net_entries_via_gossip_total"),
            metric(&peer, &net, "pub", "coalition_net_entries_via_gossip_total"),
        );
        if (counts.0 >= 1 && counts.1 >= 1 && counts.2 >= 1) || Instant::now() > deadline {
            break counts;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    println!("w: entries via sync {w_sync}, via gossip {w_gossip}; peer: via gossip {peer_gossip}");
    assert!(w_sync >= 1, "Valmeuse's node stored an entry from sync");
    assert!(
        w_gossip >= 1 && peer_gossip >= 1,
        "each node stored the other's new entry from gossip"
    );

    // Every connection Valmeuse's node made or took is WebSocket; the peer saw it come in as one.
    let w_connections = connections(&w);
    for line in &w_connections {
        println!("w: {line}");
        assert!(
            line.contains("/ws"),
            "a connection not over WebSocket: {line}"
        );
    }
    let peer_connections = connections(&peer);
    for line in &peer_connections {
        println!("peer: {line}");
    }
    assert!(
        peer_connections
            .iter()
            .any(|l| l.contains("100.64.0.2") && l.contains("/ws")),
        "the peer saw Valmeuse's node come in over WebSocket"
    );

    // The node's own view (refreshed every second): it has its peer, and no `no_peers` warning.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = Command::new("ip")
            .args(["netns", "exec", &net.ns("w"), BIN, "status", "--json"])
            .args(["--data-dir", &w_dir])
            .env_remove("COALITION_DATA_DIR")
            .output()
            .expect("status runs");
        let v: Value = serde_json::from_slice(&out.stdout).expect("status --json");
        if v["node"]["peers"] == 1 {
            println!("status in w: peers 1, warnings {}", v["warnings"]);
            break;
        }
        assert!(Instant::now() < deadline, "status in w: {v}");
        std::thread::sleep(Duration::from_millis(500));
    }
    println!(
        "websocket-only node: both directions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop((w, peer));
    drop(net);
}
