//! `coalition charter`: create and show a coalition's genesis document.

use super::{now_ms, print_json};
use crate::cli::CharterCommand;
use crate::datadir::{charter_toml, load_charter, write_secret_file};
use anyhow::{bail, Context, Result};
use coalition_record::{Charter, SecretKey};
use serde_json::json;
use std::process::ExitCode;

pub(super) fn run(command: CharterCommand) -> Result<ExitCode> {
    match command {
        CharterCommand::New {
            name,
            out,
            committee,
            threshold,
        } => {
            if committee == 0 {
                bail!("--committee must be at least 1");
            }
            if out.join("charter.toml").exists() {
                bail!(
                    "{} already holds a charter.toml; choose another --out",
                    out.display()
                );
            }
            let keys: Vec<SecretKey> = (0..committee).map(|_| SecretKey::generate()).collect();
            let charter = Charter::new(
                &name,
                keys.iter().map(|k| k.public()).collect(),
                threshold,
                now_ms(),
            )
            .map_err(|e| anyhow::anyhow!("{e} (check --committee and --threshold)"))?;
            std::fs::create_dir_all(&out)
                .with_context(|| format!("cannot create {}", out.display()))?;
            for (i, key) in keys.iter().enumerate() {
                write_secret_file(
                    &out.join(format!("committee-{}.key", i + 1)),
                    &key.to_file_text(),
                )?;
            }
            std::fs::write(out.join("charter.toml"), charter_toml(&charter)?)?;
            outln!("charter     {}", out.join("charter.toml").display());
            outln!("network id  {}", charter.network_id());
            for i in 0..keys.len() {
                outln!(
                    "committee   {} (secret: keep it offline)",
                    out.join(format!("committee-{}.key", i + 1)).display()
                );
            }
            outln!("threshold   {threshold} of {committee}");
            Ok(ExitCode::SUCCESS)
        }
        CharterCommand::Show { charter, json } => {
            let c = load_charter(&charter)?;
            if json.json {
                print_json(&json!({
                    "name": c.name,
                    "network_id": c.network_id().to_hex(),
                    "committee": c.committee.iter().map(|k| k.to_hex()).collect::<Vec<_>>(),
                    "threshold": c.threshold,
                    "protocol_version": c.protocol_version,
                    "created_ms": c.created_ms,
                }))?;
            } else {
                outln!("name        {}", c.name);
                outln!("network id  {}", c.network_id());
                for k in &c.committee {
                    outln!("committee   {k}");
                }
                outln!("threshold   {} of {}", c.threshold, c.committee.len());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
