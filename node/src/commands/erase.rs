//! `coalition erase` (this city erases the personal data of one of its entries on every node),
//! `coalition erasure-order` (the Steering Committee orders any city's payload erased: propose,
//! sign, publish, as reporting cycles) and `coalition erasures` (each erasure with the member
//! nodes that confirmed it).

use super::cycle::{
    charter_for, check_threshold, read_proposal, sign_proposal, write_proposal, CommitteeProposal,
};
use super::publish::{publish_erasure, publish_one};
use super::{now_ms, print_json};
use crate::cli::{EraseArgs, ErasureOrderCommand, ErasuresArgs};
use crate::datadir::{load_charter, DataDir};
use anyhow::{bail, Context, Result};
use coalition_record::erasure::{ErasureOrder, SignedErasureOrder};
use coalition_record::{EntryId, Payload};
use serde_json::json;
use std::path::Path;
use std::process::ExitCode;

impl CommitteeProposal for SignedErasureOrder {
    const WHAT: &'static str = "an erasure order";
    const PUBLISH: &'static str = "coalition erasure-order publish";
    fn network_id(&self) -> coalition_record::Hash32 {
        self.order.network_id
    }
    fn add_signature(&mut self, key: &coalition_record::SecretKey) {
        self.sign_with(key);
    }
    fn valid_signers(&self, charter: &coalition_record::Charter) -> usize {
        self.valid_committee_signers(charter)
    }
}

pub(super) fn erase(args: EraseArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let key = dir.city_key()?;
    let target = {
        let store = dir.open_store_read_only()?;
        let entry = store.entry_by_prefix(&args.id)?.with_context(|| {
            format!(
                "no entry {} here (give the full id or a unique prefix of at least 8 hex characters)",
                args.id
            )
        })?;
        if entry.entry.header.author != key.public() {
            bail!("entry {} was published by another city; a city erases only its own entries (the Steering Committee can order any erasure: `coalition erasure-order propose`)", args.id);
        }
        entry.id()
    };
    let erasure = Payload::Erasure(coalition_record::payload::Erasure {
        target,
        reason: args.reason.trim().to_string(),
    });
    erasure.validate()?;
    let (answers, via) = publish_erasure(&dir, &target, &args.reason)?;
    if args.json.json {
        let entries: Vec<_> = answers
            .iter()
            .map(|(id, kind)| json!({ "id": id, "kind": kind }))
            .collect();
        print_json(&json!({ "target": target.to_hex(), "entries": entries, "via": via }))?;
        return Ok(ExitCode::SUCCESS);
    }
    for (id, kind) in &answers {
        match *kind {
            "practice_revision" => outln!(
                "{id}  stored (the practice again, without its contact person, so it stays findable; {via})"
            ),
            _ => outln!("{id}  stored (erasure of {}; {via})", target.short()),
        }
    }
    outln!("every node deletes the payload when the erasure reaches it and confirms with a receipt; follow them with `coalition erasures`");
    Ok(ExitCode::SUCCESS)
}

pub(super) fn order(command: ErasureOrderCommand) -> Result<ExitCode> {
    match command {
        ErasureOrderCommand::Propose {
            target,
            reason,
            out,
            charter,
            data_dir,
        } => {
            let charter = charter_for(charter, &data_dir.data_dir)?;
            let target = EntryId::from_hex(target.trim()).map_err(|_| {
                anyhow::anyhow!("--target {target:?} is not an entry id (64 hex characters)")
            })?;
            let signed = SignedErasureOrder::unsigned(ErasureOrder {
                network_id: charter.network_id(),
                target,
                reason: reason.trim().to_string(),
                decided_ms: now_ms(),
            });
            Payload::ErasureOrder(signed.clone()).validate()?;
            write_proposal(&out, &signed)?;
            outln!("proposed the erasure of the payload of {target}");
            outln!("written to     {}", out.display());
            outln!(
                "needs          {} of {} committee signatures",
                charter.threshold,
                charter.committee.len()
            );
            outln!(
                "next: each signer runs `coalition erasure-order sign {} --committee-key KEY`",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ErasureOrderCommand::Sign(a) => sign_proposal::<SignedErasureOrder>(&a),
        ErasureOrderCommand::Publish(a) => publish_order(&a.proposal, &a.data_dir.data_dir),
    }
}

fn publish_order(proposal: &Path, data_dir: &Path) -> Result<ExitCode> {
    let dir = DataDir::new(data_dir);
    let charter = load_charter(&dir.charter_path())?;
    let signed: SignedErasureOrder = read_proposal(proposal, "an erasure order")?;
    check_threshold(
        signed.verify(&charter),
        proposal,
        "coalition erasure-order sign",
    )?;
    let what = format!("erasure order for {}", signed.order.target.short());
    publish_one(&dir, &Payload::ErasureOrder(signed), &what)?;
    outln!("every node deletes the payload when the order reaches it and confirms with a receipt; follow them with `coalition erasures`");
    Ok(ExitCode::SUCCESS)
}

pub(super) fn list(args: ErasuresArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let erasures = coalition_audit::audit_erasures(&store)?;
    if args.json.json {
        print_json(&serde_json::to_value(&erasures)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    if erasures.is_empty() {
        outln!("no erasure on this node");
    }
    for e in &erasures {
        outln!(
            "{}  {} of {}{}  {}: confirmed by {} of {} member cities{}",
            e.erasure.short(),
            e.target.short(),
            e.target_city.as_deref().unwrap_or("a city not held here"),
            if e.by_committee {
                format!(" (committee order, in {}'s log)", e.published_by)
            } else {
                String::new()
            },
            if e.reason.is_empty() {
                "no reason given"
            } else {
                &e.reason
            },
            e.confirmed.len(),
            e.confirmed.len() + e.missing.len(),
            if e.missing.is_empty() {
                String::new()
            } else {
                format!("; not yet: {}", e.missing.join(", "))
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
