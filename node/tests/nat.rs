//! Two city nodes behind two different NATs and a public relay, each in network namespaces this
//! test creates (root, `ip netns`, veth pairs, nftables masquerade; every address lives inside
//! them; all torn down at the end). The nodes behind NAT reserve a slot on the relay, meet over a
//! relayed connection, and hole punching (DCUtR over QUIC) replaces it with a direct connection
//! between the two NATs' public addresses; an entry published behind one NAT reaches the node
//! behind the other. The routers drop unsolicited inbound packets, as home routers do. The test
//! prints which path each connection took.
//! Where namespaces cannot be created (not root, no nftables) it says so and passes.
//!
//! Layout (prefix `cn<pid>`):
//!   pub  100.64.0.1          the relay node, on the public segment (a bridge)
//!   rta  100.64.0.2 / 10.1.0.1   NAT router A (masquerade, drops new inbound)  —  a  10.1.0.2
//!   rtb  100.64.0.3 / 10.2.0.1   NAT router B (masquerade, drops new inbound)  —  b  10.2.0.2

use crate::common;
use common::netns::{skip_reason, Net, NsNode};
use common::procs::two_cities;
use common::*;

use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const NAMESPACES: [&str; 5] = ["pub", "rta", "rtb", "a", "b"];

/// The two NATs, their homes and the public segment (layout above).
fn nat_net() -> Result<Net, String> {
    let net = Net::create("cn", &NAMESPACES)?;
    let p = &net.prefix;
    let pubns = net.ns("pub");
    net.ip(&["-n", &pubns, "link", "add", "br0", "type", "bridge"])?;
    net.ip(&["-n", &pubns, "addr", "add", "100.64.0.1/24", "dev", "br0"])?;
    net.ip(&["-n", &pubns, "link", "set", "br0", "up"])?;
    for (x, outside, inside, host) in [
        ("a", "100.64.0.2/24", "10.1.0.1/24", "10.1.0.2/24"),
        ("b", "100.64.0.3/24", "10.2.0.1/24", "10.2.0.2/24"),
    ] {
        let (pv, rv, lv, hv) = (
            format!("{p}p{x}"),
            format!("{p}r{x}"),
            format!("{p}l{x}"),
            format!("{p}h{x}"),
        );
        let router = net.ns(&format!("rt{x}"));
        let home = net.ns(x);
        net.ip(&["link", "add", &pv, "type", "veth", "peer", "name", &rv])?;
        net.ip(&["link", "add", &lv, "type", "veth", "peer", "name", &hv])?;
        net.ip(&["link", "set", &pv, "netns", &pubns])?;
        net.ip(&["-n", &pubns, "link", "set", &pv, "master", "br0"])?;
        net.ip(&["-n", &pubns, "link", "set", &pv, "up"])?;
        net.ip(&["link", "set", &rv, "netns", &router])?;
        net.ip(&["link", "set", &lv, "netns", &router])?;
        net.ip(&["link", "set", &hv, "netns", &home])?;
        net.ip(&["-n", &router, "addr", "add", outside, "dev", &rv])?;
        net.ip(&["-n", &router, "addr", "add", inside, "dev", &lv])?;
        net.ip(&["-n", &home, "addr", "add", host, "dev", &hv])?;
        for (ns, dev) in [(&router, &rv), (&router, &lv), (&home, &hv)] {
            net.ip(&["-n", ns, "link", "set", dev, "up"])?;
        }
        let rt = format!("rt{x}");
        net.exec(&rt, &["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])?;
        net.exec(&rt, &["nft", "add", "table", "ip", "nat"])?;
        net.exec(
            &rt,
            &[
                "nft",
                "add chain ip nat post { type nat hook postrouting priority 100 ; }",
            ],
        )?;
        net.exec(
            &rt,
            &[
                "nft",
                "add",
                "rule",
                "ip",
                "nat",
                "post",
                "oifname",
                &rv,
                "masquerade",
            ],
        )?;
        // As a home router does: unsolicited packets from outside to the router itself are
        // dropped. Without this, a hole-punching packet that arrives before this side's own
        // has gone out is taken by the router, and its conntrack entry then makes masquerade
        // pick another source port for this side's packets, so hole punching cannot meet.
        net.exec(&rt, &["nft", "add", "table", "ip", "filter"])?;
        net.exec(
            &rt,
            &[
                "nft",
                "add chain ip filter input { type filter hook input priority 0 ; policy accept ; }",
            ],
        )?;
        net.exec(
            &rt,
            &[
                "nft", "add", "rule", "ip", "filter", "input", "iifname", &rv, "ct", "state",
                "new", "drop",
            ],
        )?;
        let gateway = inside.trim_end_matches("/24");
        net.ip(&["-n", &home, "route", "add", "default", "via", gateway])?;
    }
    Ok(net)
}

/// `coalition run` in namespace `ns`, listening on QUIC and TCP port 7701, with `extra`.
fn start(net: &Net, ns: &str, dir: &str, extra: &[&str]) -> NsNode {
    let mut args = vec![
        "--listen",
        "/ip4/0.0.0.0/udp/7701/quic-v1",
        "--listen",
        "/ip4/0.0.0.0/tcp/7701",
    ];
    args.extend_from_slice(extra);
    NsNode::start(net, ns, dir, &args, "NAT_TEST_LOG")
}

fn init(root: &Path, dir: &str, city: &str, country: &str) {
    let p = |rel: &str| root.join(rel).display().to_string();
    ok(&[
        "init",
        "--data-dir",
        &p(dir),
        "--charter",
        &p("coalition/charter.toml"),
        "--city",
        city,
        "--country",
        country,
    ]);
}

#[test]
fn entries_cross_two_nats_relayed_then_direct() {
    if let Some(why) = skip_reason(&["ip", "nft"]) {
        eprintln!("skipped: {why}");
        return;
    }
    let net = match nat_net() {
        Ok(net) => net,
        Err(why) => {
            eprintln!("skipped: network namespaces are not available here ({why})");
            return;
        }
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    let p = |rel: &str| root.join(rel).display().to_string();
    // Valmeuse at a, Lindenfeld at b (admitted), and a relay node that knows the roster.
    two_cities(root);
    init(root, "relay", "Relayburg", "NL");
    ok(&[
        "roster",
        "apply",
        "--data-dir",
        &p("relay"),
        "--roster",
        &p("coalition/roster.txt"),
    ]);

    // The relay, on the public segment.
    let relay = start(&net, "pub", &p("relay"), &["--relay-server"]);
    let line = relay.wait_for("the relay's peer id", |l| l.starts_with("peer id"), 30);
    let relay_id = line
        .split_whitespace()
        .last()
        .unwrap_or_else(|| panic!("no peer id in {line:?}"))
        .to_string();
    let relay_addr = format!("/ip4/100.64.0.1/udp/7701/quic-v1/p2p/{relay_id}");

    // B, then A, behind their NATs, each reachable through the relay.
    let b = start(
        &net,
        "b",
        &p("b"),
        &["--bootstrap", &relay_addr, "--relay", &relay_addr],
    );
    if !b.has_within(|l| l.contains("relay reservation accepted"), 60) {
        panic!(
            "B got no reservation on the relay within 60 s; B's log:\n{}\nthe relay's log:\n{}",
            b.lines().join("\n"),
            relay.lines().join("\n")
        );
    }
    let a = start(
        &net,
        "a",
        &p("a"),
        &["--bootstrap", &relay_addr, "--relay", &relay_addr],
    );
    a.wait_for(
        "A's reservation on the relay",
        |l| l.contains("relay reservation accepted"),
        60,
    );

    // `coalition status` behind NAT B says the node is reachable through the relay (the node
    // refreshes the view it serves every second).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = Command::new("ip")
            .args(["netns", "exec", &net.ns("b"), BIN, "status", "--json"])
            .args(["--data-dir", &p("b")])
            .env_remove("COALITION_DATA_DIR")
            .output()
            .expect("status runs");
        let v: Value = serde_json::from_slice(&out.stdout).expect("status --json");
        if v["reachability"] == "relayed" {
            println!("status behind NAT B: reachability relayed");
            break;
        }
        assert!(Instant::now() < deadline, "status behind NAT B: {v}");
        std::thread::sleep(Duration::from_millis(500));
    }

    // A and B meet: first through the relay, then directly once hole punching succeeds.
    let relayed = a.wait_for(
        "a relayed connection between A and B",
        |l| l.contains("path=\"relayed\"") || l.contains("path=relayed"),
        120,
    );
    println!("A–B connection 1: {relayed}");
    // Hole punching (DCUtR over QUIC) upgrades the relayed connection to a direct one between
    // the two NATs' public addresses.
    let deadline = Instant::now() + Duration::from_secs(60);
    let punched = loop {
        if let Some(line) = a
            .lines()
            .into_iter()
            .chain(b.lines())
            .find(|l| l.contains("hole punched") || l.contains("hole punching failed"))
        {
            break line;
        }
        assert!(
            Instant::now() < deadline,
            "no hole punching attempt within 60 s; A's log:\n{}\nB's log:\n{}",
            a.lines().join("\n"),
            b.lines().join("\n")
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    println!("A–B hole punching: {punched}");
    for line in a.lines().iter().chain(b.lines().iter()) {
        if line.contains("connected") && line.contains("path=") {
            println!("path: {line}");
        }
    }
    // The direct connection is between the NATs' public addresses, not through the relay.
    let direct = a.lines().into_iter().chain(b.lines()).find(|l| {
        l.contains("path=\"direct\"")
            && (l.contains("/ip4/100.64.0.3/") || l.contains("/ip4/100.64.0.2/"))
            && !l.contains("p2p-circuit")
    });
    // DCUtR's own attempt can lose the race to the direct dial its synchronisation set off
    // (both NAT mappings are open by then): it then reports a failure though A and B are
    // directly connected. Either way, a direct connection between the NATs must exist.
    assert!(
        punched.contains("hole punched") || direct.is_some(),
        "hole punching failed and no direct connection: {punched}\nA's log:\n{}\nB's log:\n{}",
        a.lines().join("\n"),
        b.lines().join("\n")
    );
    let direct =
        direct.unwrap_or_else(|| panic!("no direct A–B connection between the NATs' addresses"));
    println!("A–B direct: {direct}");

    // An entry published behind NAT A reaches the node behind NAT B.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/practice.toml");
    let text = std::fs::read_to_string(example).expect("example practice");
    let text = text
        .replace("city = \"Valmeuse\"\n", "")
        .replace("country = \"BE\"\n", "");
    let file = p("practice.toml");
    std::fs::write(&file, text).expect("practice file");
    // Inside A's namespace: the CLI hands the entry to A's API on that namespace's loopback.
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            &net.ns("a"),
            BIN,
            "publish",
            "practice",
            &file,
        ])
        .args(["--data-dir", &p("a"), "--json"])
        .env_remove("COALITION_DATA_DIR")
        .output()
        .expect("publish runs");
    assert!(
        out.status.success(),
        "publish behind NAT A: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("publish --json");
    let id = v["id"].as_str().expect("entry id").to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = run(&["show", &id, "--data-dir", &p("b"), "--json"]);
        if out.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the entry published behind NAT A did not reach B within 60 s"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    println!("entry {id} crossed both NATs");
    drop((a, b, relay));
    drop(net);
}
