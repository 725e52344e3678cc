//! `coalition roster`: the Steering Committee's membership commands.

use super::{now_ms, print_json, roster_file};
use crate::cli::{ProposeCommand, RosterCommand, RosterFileArgs};
use crate::datadir::{load_charter, parse_public_key, read_secret_key, DataDir};
use anyhow::{bail, Context, Result};
use coalition_record::roster::{CityStatus, RosterChange};
use coalition_record::{
    Charter, PublicKey, Roster, RosterAction, SignedRosterChange, FORMAT_VERSION,
};
use coalition_store::RosterOutcome;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub(super) fn run(command: RosterCommand) -> Result<ExitCode> {
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
        RosterCommand::Propose(command) => propose(command),
        RosterCommand::Sign {
            proposal,
            committee_key,
            charter,
        } => sign(&proposal, &committee_key, charter),
        RosterCommand::Publish {
            proposal,
            roster,
            data_dir,
            charter,
        } => publish(&proposal, roster, data_dir, charter),
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
            show(&roster, json.json)?;
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
            outln!(
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
    if charter.threshold > 1 {
        bail!(
            "this coalition needs {} signatures: use roster propose/sign/publish",
            charter.threshold
        );
    }
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
    outln!("roster version {}: {comment}", signed.change.seq);
    outln!("change id      {}", signed.id());
    outln!("written to     {}", path.display());
    outln!("next: nodes pick it up with `coalition roster apply --roster {}` (or from peers once running)", path.display());
    Ok(ExitCode::SUCCESS)
}

fn member_key(roster: &Roster, city: &str) -> Result<(PublicKey, String)> {
    let member = roster
        .find_by_name(city)
        .with_context(|| format!("no city named {city} on the roster"))?;
    Ok((member.key, member.name.clone()))
}

/// `roster propose …`: the next roster version as an unsigned change in a proposal file.
fn propose(command: ProposeCommand) -> Result<ExitCode> {
    let (args, roster_for) = match &command {
        ProposeCommand::Admit { args, .. }
        | ProposeCommand::Suspend { args, .. }
        | ProposeCommand::Readmit { args, .. }
        | ProposeCommand::Revoke { args, .. }
        | ProposeCommand::Rotate { args, .. } => (args, &args.files),
    };
    let (charter, path, roster) = load_roster_files(roster_for)?;
    let (action, comment) = match &command {
        ProposeCommand::Admit {
            application,
            city_key,
            city,
            country,
            ..
        } => {
            let (key, city, country) = match application {
                Some(file) => {
                    let signed = super::apply::read_application(file, &charter.network_id())?;
                    let a = signed.application;
                    outln!(
                        "application of {} ({}), signed by its key {}; contact office: {}",
                        a.city,
                        a.country,
                        a.city_key,
                        a.contact_office
                    );
                    (a.city_key, a.city, a.country)
                }
                None => (
                    parse_public_key(city_key.as_deref().unwrap_or_default())?,
                    city.clone().unwrap_or_default(),
                    country.clone().unwrap_or_default(),
                ),
            };
            if roster.cities.contains_key(&key) {
                bail!("{key} is already on the roster");
            }
            (
                RosterAction::Admit {
                    city: key,
                    name: city.clone(),
                    country: country.clone(),
                },
                format!("admit {city} ({country})"),
            )
        }
        ProposeCommand::Suspend {
            city,
            last_seq,
            reason,
            ..
        } => {
            let (key, name) = member_key(&roster, city)?;
            (
                RosterAction::Suspend {
                    city: key,
                    last_seq: *last_seq,
                    reason: reason.clone(),
                },
                format!("suspend {name} after seq {last_seq}: {reason}"),
            )
        }
        ProposeCommand::Readmit { city, .. } => {
            let (key, name) = member_key(&roster, city)?;
            (
                RosterAction::Readmit { city: key },
                format!("readmit {name}"),
            )
        }
        ProposeCommand::Revoke {
            city,
            cutoff_seq,
            reason,
            ..
        } => {
            let (key, name) = member_key(&roster, city)?;
            (
                RosterAction::Revoke {
                    city: key,
                    cutoff_seq: *cutoff_seq,
                    reason: reason.clone(),
                },
                format!("revoke {name} after seq {cutoff_seq}: {reason}"),
            )
        }
        ProposeCommand::Rotate {
            city,
            new_key,
            last_seq,
            ..
        } => {
            let (old, name) = member_key(&roster, city)?;
            let new = parse_public_key(new_key)?;
            (
                RosterAction::RotateKey {
                    old,
                    new,
                    last_seq: *last_seq,
                },
                format!("rotate the key of {name} to {new} after seq {last_seq}"),
            )
        }
    };
    let proposal = SignedRosterChange::unsigned(RosterChange {
        version: FORMAT_VERSION,
        network_id: charter.network_id(),
        seq: roster.version + 1,
        prev: roster.head,
        timestamp_ms: now_ms(),
        action,
    });
    let header = format!(
        "v{}: {comment}\nchange id {}\nextends {}",
        proposal.change.seq,
        proposal.id(),
        path.display()
    );
    roster_file::write_proposal(&args.out, &proposal, &header, true)?;
    outln!("proposed roster version {}: {comment}", proposal.change.seq);
    outln!("change id      {}", proposal.id());
    outln!("written to     {}", args.out.display());
    outln!(
        "needs          {} of {} committee signatures",
        charter.threshold,
        charter.committee.len()
    );
    outln!(
        "next: each signer runs `coalition roster sign {} --committee-key KEY`",
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The charter beside the first of `near` that has one.
fn find_charter(given: Option<PathBuf>, near: &[&Path]) -> Result<(Charter, PathBuf)> {
    let path = match given {
        Some(path) => path,
        None => near
            .iter()
            .map(|p| {
                p.parent()
                    .unwrap_or_else(|| Path::new("."))
                    .join("charter.toml")
            })
            .find(|p| p.exists())
            .context("no charter.toml found beside the files given; pass --charter FILE")?,
    };
    Ok((load_charter(&path)?, path))
}

fn signature_count(charter: &Charter, proposal: &SignedRosterChange) -> String {
    format!(
        "{} of {} valid committee signatures",
        proposal.valid_committee_signers(charter),
        charter.threshold
    )
}

/// The committee key to sign a proposal with: the proposal is for this charter's network, and the
/// key is one of its committee's (shared by roster and cycle proposals).
pub(super) fn committee_signer(
    charter: &Charter,
    proposal: &Path,
    proposal_network: &coalition_record::Hash32,
    committee_key: &Path,
) -> Result<coalition_record::SecretKey> {
    if *proposal_network != charter.network_id() {
        bail!(
            "{} is for network {}, the charter is network {}",
            proposal.display(),
            proposal_network,
            charter.network_id()
        );
    }
    let key = read_secret_key(committee_key)?;
    if !charter.is_committee(&key.public()) {
        bail!(
            "{} is not a committee key of this charter; refusing to sign",
            committee_key.display()
        );
    }
    Ok(key)
}

/// `roster sign`: one more committee signature, in place.
fn sign(proposal_path: &Path, committee_key: &Path, charter: Option<PathBuf>) -> Result<ExitCode> {
    let (charter, _) = find_charter(charter, &[committee_key, proposal_path])?;
    let mut proposal = roster_file::read_proposal(proposal_path)?;
    let key = committee_signer(
        &charter,
        proposal_path,
        &proposal.change.network_id,
        committee_key,
    )?;
    let already = proposal.signatures.iter().any(|s| s.signer == key.public());
    // Drop signatures that do not verify or are not the committee's: they would only mislead.
    let message = proposal.change.signing_message();
    proposal
        .signatures
        .retain(|s| charter.is_committee(&s.signer) && s.signer.verify(&message, &s.signature));
    proposal.sign_with(&key);
    let text = std::fs::read_to_string(proposal_path)?;
    let comment: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# "))
        .skip(1)
        .collect();
    roster_file::write_proposal(proposal_path, &proposal, &comment.join("\n"), false)?;
    if already {
        outln!("{} had already signed; signature replaced", key.public());
    } else {
        outln!("signed by      {}", key.public());
    }
    outln!("signatures     {}", signature_count(&charter, &proposal));
    if proposal.valid_committee_signers(&charter) >= usize::from(charter.threshold) {
        outln!(
            "next: `coalition roster publish {} --roster FILE` (and/or --data-dir DIR)",
            proposal_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `roster publish`: threshold check, then the roster file and/or a stopped node's store.
fn publish(
    proposal_path: &Path,
    roster: Option<PathBuf>,
    data_dir: Option<PathBuf>,
    charter: Option<PathBuf>,
) -> Result<ExitCode> {
    if roster.is_none() && data_dir.is_none() {
        bail!("give --roster FILE (the roster history) and/or --data-dir DIR (a stopped node)");
    }
    let proposal = roster_file::read_proposal(proposal_path)?;
    let mut near: Vec<&Path> = Vec::new();
    if let Some(r) = &roster {
        near.push(r);
    }
    near.push(proposal_path);
    let store_dir = data_dir.as_ref().map(|d| DataDir::new(d));
    let (charter, _) = match (&charter, &store_dir, &roster) {
        (None, Some(dir), None) => (load_charter(&dir.charter_path())?, dir.charter_path()),
        _ => find_charter(charter, &near)?,
    };
    if let Err(e) = proposal.verify(&charter) {
        match e {
            coalition_record::RecordError::BelowThreshold { valid, threshold } => bail!(
                "{} holds {valid} of {threshold} valid committee signatures; the threshold is {threshold}: more committee members must `roster sign` it",
                proposal_path.display()
            ),
            other => bail!("{}: {other}", proposal_path.display()),
        }
    }
    if let Some(path) = &roster {
        let history = roster_file::read(path)?;
        let mut current = Roster::from_history(&charter, &history)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if history.iter().any(|c| c.id() == proposal.id()) {
            outln!("{} already holds this change", path.display());
        } else {
            current
                .apply(&charter, &proposal)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            let comment = describe(&proposal.change.action, &current);
            roster_file::append(path, &proposal, &comment)?;
            outln!(
                "roster version {}: {comment} ({})",
                proposal.change.seq,
                signature_count(&charter, &proposal)
            );
            outln!("written to     {}", path.display());
        }
    }
    if let Some(dir) = &store_dir {
        let Some(store) = dir.open_store_for_write()? else {
            bail!(
                "the node at {} is running and holds its store; stop it and run this again, or `coalition roster apply --roster FILE` later; running nodes also receive the change from any peer that has it",
                dir.root.display()
            );
        };
        match store.apply_roster_change(&proposal)? {
            RosterOutcome::Applied { version } => {
                outln!("applied to     {} (roster version {version})", dir.root.display())
            }
            RosterOutcome::Duplicate => {
                outln!("{} already holds this change", dir.root.display())
            }
            RosterOutcome::Ahead { have, got } => bail!(
                "the store is at roster version {have} and this change is version {got}: apply the roster file first (`coalition roster apply`)"
            ),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(action: &RosterAction, roster: &Roster) -> String {
    let name = |key: &PublicKey| {
        roster
            .cities
            .get(key)
            .map(|m| m.name.clone())
            .unwrap_or_else(|| key.short())
    };
    match action {
        RosterAction::Admit { name, country, .. } => format!("admit {name} ({country})"),
        RosterAction::Suspend {
            city,
            last_seq,
            reason,
        } => format!("suspend {} after seq {last_seq}: {reason}", name(city)),
        RosterAction::Readmit { city } => format!("readmit {}", name(city)),
        RosterAction::RotateKey { old, new, last_seq } => {
            format!(
                "rotate {} to {} after seq {last_seq}",
                name(old),
                new.short()
            )
        }
        RosterAction::Revoke {
            city,
            cutoff_seq,
            reason,
        } => format!("revoke {} after seq {cutoff_seq}: {reason}", name(city)),
    }
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

pub(super) fn show(roster: &Roster, as_json: bool) -> Result<()> {
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
        }))?;
        return Ok(());
    }
    outln!(
        "roster version {} — {} member cities",
        roster.version,
        roster.cities.len()
    );
    for m in roster.cities.values() {
        outln!(
            "{:<24} {}  {}  {}",
            m.name,
            m.country,
            m.key,
            status_text(&m.status)
        );
    }
    Ok(())
}
