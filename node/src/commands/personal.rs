//! `coalition personal-data find`: every entry on this node whose payload holds an e-mail
//! address, phone number or name (a data subject's access request, issue #16).

use super::print_json;
use crate::cli::PersonalDataCommand;
use crate::datadir::DataDir;
use crate::personal_data::{find, Needle};
use anyhow::{bail, Result};
use coalition_store::Query;
use serde_json::{json, Value};
use std::process::ExitCode;

pub(super) fn run(command: PersonalDataCommand) -> Result<ExitCode> {
    let PersonalDataCommand::Find {
        email,
        phone,
        name,
        data_dir,
        json: as_json,
    } = command;
    let needle = match (email, phone, name) {
        (Some(e), None, None) => Needle::Email(e),
        (None, Some(p), None) => Needle::Phone(p),
        (None, None, Some(n)) => Needle::Name(n),
        _ => bail!("give exactly one of --email, --phone or --name"),
    };
    let needle = needle.checked().map_err(anyhow::Error::msg)?;
    let dir = DataDir::new(&data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let roster = store.roster();
    let entries = store.query(&Query {
        include_inactive: true,
        ..Query::default()
    })?;
    let mut found = Vec::new();
    for e in &entries {
        let Some(payload) = e.payload() else { continue };
        // The payload's own fields, without the kind's name around them.
        let value = match serde_json::to_value(payload)? {
            Value::Object(map) if map.len() == 1 => map.into_iter().next().map(|(_, v)| v),
            other => Some(other),
        }
        .unwrap_or(Value::Null);
        let fields = find(&value, &needle);
        if fields.is_empty() {
            continue;
        }
        let h = &e.entry.header;
        let city = roster
            .cities
            .get(&h.author)
            .map_or_else(|| h.author.short(), |m| m.name.clone());
        found.push(json!({
            "id": e.id().to_hex(),
            "city": city,
            "seq": h.seq,
            "kind": payload.kind().name(),
            "date": coalition_record::calendar::date_of_ms(h.timestamp_ms),
            "fields": fields,
            "retracted": e.status.retracted_by.is_some(),
            "superseded": e.status.superseded_by.is_some(),
        }));
    }
    if as_json.json {
        print_json(&json!({ "entries": found, "searched": entries.len() }))?;
        return Ok(ExitCode::SUCCESS);
    }
    if found.is_empty() {
        outln!(
            "no entry among the {} on this node holds it (searched every text of every payload this node holds, current or not)",
            entries.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for f in &found {
        outln!(
            "{}  {}  seq {}  {}  {}  in {}{}",
            f["id"]
                .as_str()
                .and_then(|id| id.get(..16))
                .unwrap_or_default(),
            f["city"].as_str().unwrap_or_default(),
            f["seq"],
            f["kind"].as_str().unwrap_or_default(),
            f["date"].as_str().unwrap_or_default(),
            f["fields"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default(),
            if f["retracted"] == json!(true) {
                " (retracted: still held by every node)"
            } else if f["superseded"] == json!(true) {
                " (an earlier version: still held by every node)"
            } else {
                ""
            }
        );
    }
    outln!(
        "{} of the {} entries on this node hold it. Every member node holds the same entries; erasing them across the network is not available yet (issue #16).",
        found.len(),
        entries.len()
    );
    Ok(ExitCode::SUCCESS)
}
