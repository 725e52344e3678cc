//! `coalition roster`: the Steering Committee's membership commands.

use super::{now_ms, print_json, roster_file};
use crate::cli::{RosterCommand, RosterFileArgs};
use crate::datadir::{load_charter, parse_public_key, read_secret_key, DataDir};
use anyhow::{bail, Context, Result};
use coalition_record::roster::{CityStatus, RosterChange};
use coalition_record::{Charter, Roster, RosterAction, SignedRosterChange, FORMAT_VERSION};
use coalition_store::RosterOutcome;
use serde_json::json;
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(command: RosterCommand) -> Result<ExitCode> {
    match command {
        RosterCommand::Admit {
            files,
            committee_key,
            city_key,
            city,
            country,
        } => {
            let city_key = parse_public_key(&city_key)?;
            let action = RosterAction::Admit {
                city: city_key,
                name: city.clone(),
                country: country.clone(),
            };
            sign_and_append(
                &files,
                &committee_key,
                action,
                &format!("admit {city} ({country})"),
            )
        }
        RosterCommand::Suspend {
            files,
            committee_key,
            city,
            last_seq,
            reason,
        } => {
            let (charter, _, roster) = load_roster_files(&files)?;
            let _ = charter;
            let member = roster
                .find_by_name(&city)
                .with_context(|| format!("no city named {city} on the roster"))?
                .clone();
            let action = RosterAction::Suspend {
                city: member.key,
                last_seq: last_seq.unwrap_or(0),
                reason: reason.clone(),
            };
            sign_and_append(
                &files,
                &committee_key,
                action,
                &format!("suspend {}: {reason}", member.name),
            )
        }
        RosterCommand::Show {
            data_dir,
            charter,
            roster,
            json,
        } => {
            let roster = match (charter, data_dir) {
                (Some(charter), _) => {
                    let files = RosterFileArgs { charter, roster };
                    load_roster_files(&files)?.2
                }
                (None, Some(dir)) => DataDir::new(&dir).open_store_read_only()?.roster(),
                (None, None) => {
                    bail!("give --data-dir DIR (a node) or --charter FILE (and --roster FILE)")
                }
            };
            show(&roster, json.json);
            Ok(ExitCode::SUCCESS)
        }
        RosterCommand::Apply { data_dir, roster } => {
            let dir = DataDir::new(&data_dir.data_dir);
            let Some(store) = dir.open_store_for_write()? else {
                bail!("the node is running; stop it to apply a roster file, or let it receive the changes from its peers");
            };
            let changes = roster_file::read(&roster)?;
            let mut applied = 0;
            for change in &changes {
                match store.apply_roster_change(change)? {
                    RosterOutcome::Applied { .. } => applied += 1,
                    RosterOutcome::Duplicate => {}
                    RosterOutcome::Ahead { have, got } => {
                        bail!("roster file skips versions: the store is at {have}, the file's next change is {got}")
                    }
                }
            }
            println!(
                "applied {applied} roster change(s); roster version {}",
                store.roster_version()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_roster_files(files: &RosterFileArgs) -> Result<(Charter, PathBuf, Roster)> {
    let charter = load_charter(&files.charter)?;
    let path = files
        .roster
        .clone()
        .unwrap_or_else(|| roster_file::default_path(&files.charter));
    let history = roster_file::read(&path)?;
    let roster = Roster::from_history(&charter, &history)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok((charter, path, roster))
}

fn sign_and_append(
    files: &RosterFileArgs,
    committee_key: &std::path::Path,
    action: RosterAction,
    comment: &str,
) -> Result<ExitCode> {
    let (charter, path, mut roster) = load_roster_files(files)?;
    let key = read_secret_key(committee_key)?;
    if !charter.is_committee(&key.public()) {
        bail!(
            "{} is not a committee key of this charter",
            committee_key.display()
        );
    }
    let mut signed = SignedRosterChange::unsigned(RosterChange {
        version: FORMAT_VERSION,
        network_id: charter.network_id(),
        seq: roster.version + 1,
        prev: roster.head,
        timestamp_ms: now_ms(),
        action,
    });
    signed.sign_with(&key);
    roster
        .apply(&charter, &signed)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    roster_file::append(&path, &signed, comment)?;
    println!("roster version {}: {comment}", signed.change.seq);
    println!("change id      {}", signed.id());
    println!("written to     {}", path.display());
    println!("next: nodes pick it up with `coalition roster apply --roster {}` (or from peers once running)", path.display());
    Ok(ExitCode::SUCCESS)
}

fn status_text(status: &CityStatus) -> String {
    match status {
        CityStatus::Active => "active".into(),
        CityStatus::Suspended { reason, last_seq } => {
            format!("suspended after seq {last_seq}: {reason}")
        }
        CityStatus::Revoked { cutoff_seq, reason } => {
            format!("revoked after seq {cutoff_seq}: {reason}")
        }
        CityStatus::Rotated { new, last_seq } => {
            format!("key rotated to {} after seq {last_seq}", new.short())
        }
    }
}

pub fn show(roster: &Roster, as_json: bool) {
    if as_json {
        print_json(&json!({
            "network_id": roster.network_id.to_hex(),
            "version": roster.version,
            "cities": roster.cities.values().map(|m| json!({
                "key": m.key.to_hex(),
                "name": m.name,
                "country": m.country,
                "status": m.status,
                "admitted_in": m.admitted_in,
            })).collect::<Vec<_>>(),
        }));
        return;
    }
    println!(
        "roster version {} — {} member cities",
        roster.version,
        roster.cities.len()
    );
    for m in roster.cities.values() {
        println!(
            "{:<24} {}  {}  {}",
            m.name,
            m.country,
            m.key,
            status_text(&m.status)
        );
    }
}
