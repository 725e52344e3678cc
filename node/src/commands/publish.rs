//! `coalition publish`, `retract` and `revise`: sign this city's records into its log. With no node
//! running they go straight to the store (and are gossiped at the next start); with a node running
//! they are handed to it, so it gossips them at once.

use super::handoff::post_json;
use super::{now_ms, print_json};
use crate::cli::{PublishCommand, RetractArgs, ReviseArgs};
use crate::config::Config;
use crate::datadir::DataDir;
use crate::input::read_document;
use anyhow::{bail, Context, Result};
use coalition_record::payload::{PracticeRevision, Retraction};
use coalition_record::{ActivityReport, ActivityUpdate, Payload, Practice};
use coalition_store::Store;
use serde_json::json;
use std::process::ExitCode;

pub fn publish(command: PublishCommand) -> Result<ExitCode> {
    let (args, kind) = match command {
        PublishCommand::Practice(a) => (a, "practice"),
        PublishCommand::Update(a) => (a, "update"),
        PublishCommand::Report(a) => (a, "report"),
    };
    let dir = DataDir::new(&args.data_dir.data_dir);
    let config = dir.config()?;
    // Every file is read and validated before anything is signed: a bad file changes nothing.
    let mut payloads = Vec::new();
    for file in &args.files {
        let payload = read_payload(file, kind, &config)?;
        payload
            .validate()
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        payloads.push((file.clone(), payload));
    }
    let sink = Sink::open(&dir, &config)?;
    for (file, payload) in payloads {
        let id = sink
            .append(&payload)
            .with_context(|| format!("{} was not published", file.display()))?;
        report(&args.json, &file.display().to_string(), &id, &sink);
    }
    Ok(ExitCode::SUCCESS)
}

fn report(json_arg: &crate::cli::JsonArg, what: &str, id: &str, sink: &Sink) {
    if json_arg.json {
        // Best effort: the record is stored whether or not anyone still reads the answer, and the
        // remaining files must still be published.
        sayln!("{}", json!({ "id": id, "source": what, "via": sink.via() }));
    } else {
        sayln!("{id}  stored ({what}, {})", sink.via());
    }
}

fn read_payload(file: &std::path::Path, kind: &str, config: &Config) -> Result<Payload> {
    Ok(match kind {
        "practice" => {
            let mut p: Practice = read_document(file, "practice")?;
            fill_place(&mut p.city, &mut p.country, config);
            Payload::Practice(p)
        }
        "update" => {
            Payload::ActivityUpdate(read_document::<ActivityUpdate>(file, "activity update")?)
        }
        _ => {
            let mut r: ActivityReport = read_document(file, "activity report")?;
            fill_place(&mut r.city, &mut r.country, config);
            Payload::ActivityReport(r)
        }
    })
}

fn fill_place(city: &mut String, country: &mut String, config: &Config) {
    if city.trim().is_empty() {
        *city = config.city.clone();
    }
    if country.trim().is_empty() {
        *country = config.country.clone();
    }
}

/// Where signed entries go: the store directly, or the running node.
enum Sink {
    Store(Box<Store>, coalition_record::SecretKey),
    Node { api: String, token: String },
}

impl Sink {
    fn open(dir: &DataDir, config: &Config) -> Result<Sink> {
        match dir.open_store_for_write()? {
            Some(store) => Ok(Sink::Store(Box::new(store), dir.city_key()?)),
            None => Ok(Sink::Node {
                api: dir.running_api_addr(config),
                token: dir.api_token()?,
            }),
        }
    }

    fn via(&self) -> &'static str {
        match self {
            Sink::Store(..) => "store; gossiped when the node next runs",
            Sink::Node { .. } => "handed to the running node",
        }
    }

    /// Appends durably and returns the entry id (hex).
    fn append(&self, payload: &Payload) -> Result<String> {
        match self {
            Sink::Store(store, key) => {
                let entry = store.append_local(key, payload, now_ms())?;
                Ok(entry.id().to_hex())
            }
            Sink::Node { api, token } => {
                let (path, body) = match payload {
                    Payload::Practice(p) => ("/api/v1/practices", serde_json::to_value(p)?),
                    Payload::ActivityReport(r) => ("/api/v1/reports", serde_json::to_value(r)?),
                    Payload::ActivityUpdate(u) => ("/api/v1/updates", serde_json::to_value(u)?),
                    Payload::Retraction(r) => ("/api/v1/retractions", serde_json::to_value(r)?),
                    Payload::PracticeRevision(r) => ("/api/v1/revisions", serde_json::to_value(r)?),
                    Payload::Erasure(_) => bail!("erasure is not published from the CLI"),
                };
                let answer = post_json(api, path, token, &body)?;
                answer
                    .get("id")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .context("the running node did not return the entry id")
            }
        }
    }
}

/// Resolves an id or unique prefix to one of this city's entries.
fn own_entry(dir: &DataDir, id: &str) -> Result<coalition_store::StoredEntry> {
    let key = dir.city_key()?;
    let store = dir.open_store_read_only()?;
    let entry = store.entry_by_prefix(id)?.with_context(|| {
        format!(
            "no entry {id} here (give the full id or a unique prefix of at least 8 hex characters)"
        )
    })?;
    if entry.entry.header.author != key.public() {
        bail!("entry {id} was published by another city; a city can only retract or revise its own entries");
    }
    Ok(entry)
}

pub fn retract(args: RetractArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let config = dir.config()?;
    let target = own_entry(&dir, &args.id)?;
    let payload = Payload::Retraction(Retraction {
        target: target.id(),
        reason: args.reason.clone(),
    });
    payload.validate()?;
    let sink = Sink::open(&dir, &config)?;
    let id = sink.append(&payload)?;
    if args.json.json {
        print_json(&json!({ "id": id, "retracts": target.id().to_hex() }))?;
    } else {
        outln!(
            "{id}  stored (retraction of {}, {})",
            target.id().short(),
            sink.via()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn revise(args: ReviseArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let config = dir.config()?;
    let target = own_entry(&dir, &args.id)?;
    if target.payload.as_ref().and_then(|p| p.practice()).is_none() {
        bail!(
            "entry {} is not a practice; only practices can be revised",
            args.id
        );
    }
    let Payload::Practice(practice) = read_payload(&args.file, "practice", &config)? else {
        bail!("{} is not a practice", args.file.display());
    };
    let payload = Payload::PracticeRevision(PracticeRevision {
        supersedes: target.id(),
        practice,
    });
    payload
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let sink = Sink::open(&dir, &config)?;
    let id = sink.append(&payload)?;
    if args.json.json {
        print_json(&json!({ "id": id, "supersedes": target.id().to_hex() }))?;
    } else {
        outln!(
            "{id}  stored (revision of {}, {})",
            target.id().short(),
            sink.via()
        );
    }
    Ok(ExitCode::SUCCESS)
}
