//! Steering Committee commands: `coalition audit`, `coalition export` and
//! `coalition verify-bundle`.

use super::{now_ms, print_json};
use crate::cli::{AuditArgs, AuditFormat, ExportArgs, VerifyBundleArgs};
use crate::datadir::{read_secret_key, DataDir};
use crate::output::date_to_ms;
use anyhow::{bail, Context, Result};
use coalition_audit::{render_html_in, render_markdown, sign_report};
use coalition_record::{schema, PublicKey};
use serde_json::json;
use std::process::ExitCode;

fn find_city(roster: &coalition_record::Roster, text: &str) -> Result<PublicKey> {
    roster
        .find_by_name(text)
        .map(|m| m.key)
        .with_context(|| format!("no city {text:?} on the roster (give its name or public key)"))
}

pub(super) fn audit(args: AuditArgs) -> Result<ExitCode> {
    if let Some(p) = &args.period {
        schema::report_period("--period", p)
            .map_err(|_| anyhow::anyhow!("--period {p:?} is not YYYY, YYYY-H1 or YYYY-H2"))?;
    }
    let Some(ui) = coalition_i18n::Ui::from_code(&args.ui) else {
        bail!(
            "--ui {:?} is not an interface language: use en, fr, de, es, it, nl, sv or pt",
            args.ui
        );
    };
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let roster = store.roster();
    let mut peers = Vec::new();
    for item in &args.peer_frontiers {
        let (city, seq) = item
            .rsplit_once('=')
            .with_context(|| format!("--peer-frontier {item:?} is not CITY=SEQ"))?;
        let seq: u64 = seq
            .parse()
            .with_context(|| format!("--peer-frontier {item:?}: {seq:?} is not a seq number"))?;
        peers.push((find_city(&roster, city)?, seq));
    }
    let key = match &args.sign_with {
        Some(path) => {
            let key = read_secret_key(path)?;
            if !store.charter().is_committee(&key.public()) {
                bail!(
                    "{} is not a committee key of this coalition (public key {})",
                    path.display(),
                    key.public()
                );
            }
            Some(key)
        }
        None => None,
    };
    let report = coalition_audit::audit_at(&store, args.period.as_deref(), &peers, now_ms())?;
    let signed = match &key {
        Some(k) => Some(sign_report(&report, k)?),
        None => None,
    };
    let text = match args.format {
        AuditFormat::Json => {
            let value = match &signed {
                Some(s) => serde_json::to_value(s)?,
                None => serde_json::to_value(&report)?,
            };
            serde_json::to_string_pretty(&value)? + "\n"
        }
        AuditFormat::Md => render_markdown(&report, signed.as_ref()),
        AuditFormat::Html => render_html_in(&report, signed.as_ref(), ui),
        AuditFormat::IndicatorsCsv | AuditFormat::TimelinessCsv => {
            if signed.is_some() {
                bail!("--sign-with signs the JSON report; the CSV tables are not signed");
            }
            let cycles = report.cycles.clone().unwrap_or_default();
            if args.format == AuditFormat::IndicatorsCsv {
                coalition_audit::indicators_csv(&cycles)
            } else {
                coalition_audit::timeliness_csv(&cycles)
            }
        }
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            let s = &report.summary;
            outln!(
                "audit of {} cities written to {} (period {}, compliance {}, {} with problems{})",
                s.cities,
                path.display(),
                report.period.as_deref().unwrap_or("none"),
                s.compliance_rate
                    .map_or("n/a".into(), |r| format!("{:.0} %", r * 100.0)),
                s.cities_with_problems.len(),
                if signed.is_some() { ", signed" } else { "" }
            );
        }
        None => out!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn export(args: ExportArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let city = match &args.city {
        Some(c) => Some(find_city(&store.roster(), c)?),
        None => None,
    };
    let since_ms = match &args.since {
        Some(d) => {
            Some(date_to_ms(d).with_context(|| format!("--since {d:?} is not a date YYYY-MM-DD"))?)
        }
        None => None,
    };
    let bundle = coalition_audit::export(&store, city, since_ms)?;
    let bytes = bundle.to_bytes();
    std::fs::write(&args.out, &bytes)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    if args.json.json {
        print_json(&json!({
            "out": args.out.display().to_string(),
            "bytes": bytes.len(),
            "roster_changes": bundle.roster.len(),
            "entries": bundle.entries.len(),
            "fork_proofs": bundle.forks.len(),
        }))?;
    } else {
        outln!(
            "bundle written to {}: {} roster changes, {} entries, {} fork proofs, {} bytes",
            args.out.display(),
            bundle.roster.len(),
            bundle.entries.len(),
            bundle.forks.len(),
            bytes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn verify_bundle(args: VerifyBundleArgs) -> Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let verdict = coalition_audit::verify_bundle(&bytes);
    if args.json.json {
        print_json(&serde_json::to_value(&verdict)?)?;
    } else {
        for f in &verdict.failures {
            outln!("FAIL  {f}");
        }
        if verdict.ok {
            outln!(
                "ok: bundle of {} ({}) verified: {} roster changes, {} entries from {} cities, {} fork proofs",
                verdict.coalition.as_deref().unwrap_or("?"),
                verdict.network_id.map(|n| n.short()).unwrap_or_default(),
                verdict.roster_changes,
                verdict.entries,
                verdict.cities.len(),
                verdict.fork_proofs
            );
        } else {
            outln!(
                "{} failure(s): the bundle does not verify",
                verdict.failures.len()
            );
        }
    }
    Ok(if verdict.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
