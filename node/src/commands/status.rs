//! `coalition status`: one screen (or `--json`) for the operator — version, city and roster
//! state, the running node's reachability, peers and sync state, store and index sizes, disk
//! space, and warnings with what to do. Gathers the facts here; `status_report` judges them.

use super::{now_ms, print_json};
use crate::cli::StatusArgs;
use crate::datadir::DataDir;
use crate::status_report::{
    human_bytes, reachability, warnings, CityFacts, CityHead, Facts, NodeFacts, Reachability,
};
use anyhow::Result;
use coalition_record::CityStatus;
use coalition_search::SearchIndex;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::ExitCode;

pub(super) fn status(args: StatusArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let facts = gather(&dir)?;
    let found = warnings(&facts);
    let reach = reachability(facts.node.as_ref());
    if args.json.json {
        let mut value = serde_json::to_value(&facts)?;
        if let Value::Object(map) = &mut value {
            map.insert("reachability".into(), serde_json::to_value(reach)?);
            map.insert("warnings".into(), serde_json::to_value(&found)?);
            map.insert(
                "index_documents".into(),
                match &facts.index_documents {
                    Ok(n) => json!(n),
                    Err(why) => json!({ "error": why }),
                },
            );
        }
        print_json(&value)?;
    } else {
        print_text(&facts, reach, &found)?;
    }
    // Scripts and cron alerts can act on the exit code alone.
    Ok(if found.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn gather(dir: &DataDir) -> Result<Facts> {
    let config = dir.config()?;
    let now = now_ms();
    let api = dir.running_api_addr(&config);
    let node = super::handoff::get_json(&api, "/api/v1/status")
        .ok()
        .map(|v| node_facts(&api, &v));
    let store = dir.open_store_read_only()?;
    let roster = store.roster();
    let own_key = dir.city_key().ok().map(|k| k.public());
    let city = own_key.and_then(|key| {
        roster.cities.get(&key).map(|m| CityFacts {
            name: m.name.clone(),
            key: key.to_hex(),
            state: state_name(&m.status).into(),
        })
    });
    let mut cities = Vec::new();
    let mut newest_other_entry: Option<(String, i64)> = None;
    for (key, (seq, id)) in store.frontier() {
        let name = roster
            .cities
            .get(&key)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| key.short());
        let last = store
            .entry(&id)
            .ok()
            .flatten()
            .map(|e| e.entry.header.timestamp_ms);
        if Some(key) != own_key {
            if let Some(at) = last {
                if newest_other_entry.as_ref().is_none_or(|(_, t)| at > *t) {
                    newest_other_entry = Some((name.clone(), at));
                }
            }
        }
        cities.push(CityHead {
            name,
            seq,
            last_entry_ms: last,
        });
    }
    cities.sort_by(|a, b| a.name.cmp(&b.name));
    let index_documents = match &node {
        Some(n) => Ok(n.search_documents),
        None => index_documents(&dir.search_path()),
    };
    let (disk_free_bytes, disk_total_bytes) = disk_space(&dir.root);
    let open_secrets = [dir.city_key_path(), dir.node_key_path(), dir.token_path()]
        .iter()
        .filter_map(|path| {
            let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
            (mode & 0o077 != 0).then(|| (path.display().to_string(), mode))
        })
        .collect();
    Ok(Facts {
        version: env!("CARGO_PKG_VERSION").into(),
        data_dir: dir.root.display().to_string(),
        now_ms: now,
        city,
        roster_version: store.roster_version(),
        entries: store.entry_count(),
        cities,
        node,
        store_bytes: dir_bytes(&dir.store_path()),
        index_bytes: dir_bytes(&dir.search_path()),
        index_documents,
        disk_free_bytes,
        disk_total_bytes,
        open_secrets,
        newest_other_entry,
        observer: dir.config().ok().filter(|c| c.observer).map(|c| c.city),
        reports_to_file: reports_to_file(&store, own_key, now),
        publish_held: dir
            .high_water_path()
            .with_file_name(coalition_store::high_water::PUBLISH_HOLD_FILE)
            .exists(),
    })
}

fn node_facts(api: &str, v: &Value) -> NodeFacts {
    NodeFacts {
        api: api.to_string(),
        peer_id: v["peer_id"].as_str().map(str::to_string),
        peers: v["peers"].as_u64().unwrap_or(0),
        listen: strings(&v["listen"]),
        sync_state: serde_json::from_value(v["sync_state"].clone()).ok(),
        last_arrival_ms: v["last_arrival_ms"].as_i64(),
        search_documents: v["search_documents"].as_u64().unwrap_or(0),
        external: strings(&v["external"]),
        relayed_peers: v["relayed_peers"].as_u64().unwrap_or(0),
        relay_reservations: v["relay_reservations"].as_u64().unwrap_or(0),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn state_name(status: &CityStatus) -> &'static str {
    match status {
        CityStatus::Active => "active",
        CityStatus::Suspended { .. } => "suspended",
        CityStatus::Revoked { .. } => "revoked",
        CityStatus::Rotated { .. } => "rotated",
    }
}

/// The index read with the node stopped; a panic inside tantivy on garbled bytes counts as
/// unreadable too.
fn index_documents(path: &Path) -> Result<u64, String> {
    if !path.exists() {
        // Not built yet: the node builds it from the store when it starts.
        return Ok(0);
    }
    std::panic::catch_unwind(|| SearchIndex::open_or_create(path).map(|i| i.doc_count()))
        .map_err(|_| "reading it panicked".to_string())?
        .map_err(|e| e.to_string())
}

fn disk_space(path: &Path) -> (Option<u64>, Option<u64>) {
    match rustix::fs::statvfs(path) {
        Ok(s) => (
            Some(s.f_bavail.saturating_mul(s.f_frsize)),
            Some(s.f_blocks.saturating_mul(s.f_frsize)),
        ),
        Err(_) => (None, None),
    }
}

fn dir_bytes(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

fn ago(now: i64, at: i64) -> String {
    let minutes = (now - at).max(0) / 60_000;
    match minutes {
        0 => "just now".into(),
        m if m < 120 => format!("{m} min ago"),
        m if m < 48 * 60 => format!("{} h ago", m / 60),
        m => format!("{} days ago", m / (24 * 60)),
    }
}

fn print_text(
    f: &Facts,
    reach: Reachability,
    found: &[crate::status_report::Warning],
) -> Result<()> {
    outln!("coalition {} · data directory {}", f.version, f.data_dir);
    match &f.city {
        None if f.observer.is_some() => outln!(
            "observer      {} · no city key: syncs, searches and audits, publishes nothing (roster version {})",
            f.observer.as_deref().unwrap_or_default(),
            f.roster_version
        ),
        Some(c) => outln!(
            "city          {} · {} on roster version {} · key {}",
            c.name,
            c.state,
            f.roster_version,
            c.key
        ),
        None => outln!(
            "city          none on the roster yet (roster version {}): send the city's public key to the Steering Committee",
            f.roster_version
        ),
    }
    match &f.node {
        Some(n) => {
            outln!(
                "node          running · API {} · peer id {}",
                n.api,
                n.peer_id.as_deref().unwrap_or("?")
            );
            let reach_text = match reach {
                Reachability::Public => "public: peers reach it directly (confirmed by AutoNAT)",
                Reachability::Relayed => {
                    "through a relay (behind NAT; hole punching upgrades connections where it can)"
                }
                Reachability::PublicAddress => "a public address (not confirmed from outside yet)",
                Reachability::PrivateOnly => {
                    "private addresses only: behind NAT unless a port is forwarded to it"
                }
                Reachability::Unknown => "unknown (no listen address)",
            };
            outln!("reachability  {reach_text}");
            for addr in &n.listen {
                outln!("listen        {addr}");
            }
            for addr in &n.external {
                outln!("external      {addr}");
            }
            outln!(
                "peers         {} ({} through a relay) · sync {} · last arrival {}",
                n.peers,
                n.relayed_peers,
                crate::status_report::sync_state_name(n.sync_state),
                n.last_arrival_ms
                    .map(|t| ago(f.now_ms, t))
                    .unwrap_or_else(|| "none yet".into())
            );
        }
        None => outln!("node          not running"),
    }
    outln!(
        "store         {} entries from {} cities · {}",
        f.entries,
        f.cities.len(),
        human_bytes(f.store_bytes)
    );
    match &f.index_documents {
        Ok(n) => outln!(
            "search index  {n} documents · {}",
            human_bytes(f.index_bytes)
        ),
        Err(why) => outln!("search index  unreadable: {why}"),
    }
    if let (Some(free), Some(total)) = (f.disk_free_bytes, f.disk_total_bytes) {
        outln!(
            "disk          {} free of {}",
            human_bytes(free),
            human_bytes(total)
        );
    }
    for c in &f.cities {
        outln!(
            "  {:<24} seq {:>6} · last entry {}",
            c.name,
            c.seq,
            c.last_entry_ms
                .map(|t| ago(f.now_ms, t))
                .unwrap_or_else(|| "?".into())
        );
    }
    for line in crate::status_report::reminders(f) {
        outln!("reminder: {line}");
    }
    if found.is_empty() {
        outln!("no warnings");
    } else {
        outln!("warnings:");
        for w in found {
            outln!("  [{}] {}", w.code, w.text);
        }
    }
    Ok(())
}

/// The cycles this city has not answered (due, or missing after the deadline).
fn reports_to_file(
    store: &coalition_store::Store,
    own_key: Option<coalition_record::PublicKey>,
    now: i64,
) -> Vec<crate::status_report::ReportToFile> {
    let Some(key) = own_key else {
        return Vec::new();
    };
    let Ok(audit) = coalition_audit::audit_cycles(store, now) else {
        return Vec::new();
    };
    audit
        .cycles
        .iter()
        .filter_map(|c| {
            let mine = c.cities.iter().find(|x| x.key == key)?;
            matches!(mine.state.as_str(), "due" | "missing").then(|| {
                crate::status_report::ReportToFile {
                    period: c.period.clone(),
                    cycle: c.id.to_hex(),
                    deadline: c.deadline.clone(),
                    state: mine.state.clone(),
                    days_left: mine.days_left,
                }
            })
        })
        .collect()
}
